/*-------------------------------------------------------------------------
 *
 * options.c
 *	  The options of cks_fdw objects, stated once in one table: where each
 *	  may be set, its kind, its default, whether it needs superuser, and
 *	  the field of CksScanOptions / CksUserOptions it fills.  One function,
 *	  apply_option(), checks and stores a value; the validator calls it at
 *	  CREATE/ALTER time and the readers at scan time, so a value the
 *	  validator accepts is read the same way, and a value that reached the
 *	  catalog unchecked fails at scan time with the same message.
 *
 *	  The grammars of names and URLs live in aws_names.c (no backend
 *	  needed, unit-tested and fuzzed); this file words the errors.
 *
 *	  Which values a message may show: credentials never.  Any other user
 *	  mapping value only once it has passed its grammar -- a malformed one
 *	  may be a secret pasted into the wrong option, so errors about it name
 *	  the option only.  A well-formed role_arn is an identifier, not a
 *	  secret, and query-time errors name it (as postgres_fdw's name the
 *	  remote user) so that a trust policy can be fixed.  Server and table
 *	  values are echoed, except URLs, which may carry a password.
 *
 *	  postgres_fdw's option.c and pgvector's option table are the model.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "compat.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "option_values.h"
#include "options.h"
#include "request_quotas.h"

/* Where an option may be set; a bit mask because tuning options go on
 * both servers and foreign tables. */
#define CKS_ON_WRAPPER		0x01
#define CKS_ON_SERVER		0x02
#define CKS_ON_USER_MAPPING	0x04
#define CKS_ON_TABLE		0x08
#define CKS_ON_COLUMN		0x10
#define CKS_ON_SERVER_OR_TABLE	(CKS_ON_SERVER | CKS_ON_TABLE)

/* How an option's value is checked and stored. */
typedef enum CksOptionKind
{
	CKS_KIND_REGION_LIST,		/* List * of char * */
	CKS_KIND_ENDPOINT,			/* char *, a URL template */
	CKS_KIND_PROXY,				/* char *, a URL */
	CKS_KIND_NO_PROXY,			/* char *, a host list */
	CKS_KIND_INT,				/* int, in [min, max] */
	CKS_KIND_POSITIVE_REAL,		/* double */
	CKS_KIND_NONNEGATIVE_REAL,	/* double */
	CKS_KIND_BOOL,				/* bool */
	CKS_KIND_ON_ERROR,			/* bool: true for 'warn' */
	CKS_KIND_CA_FILE,			/* char *, an absolute path */
	CKS_KIND_CREDENTIAL,		/* char *, never shown */
	CKS_KIND_ROLE_ARN,			/* char *, may hold {account} */
	CKS_KIND_ACCOUNTS,			/* char *, account ids or "organization" */
	CKS_KIND_EXTERNAL_ID,		/* char * */
	CKS_KIND_ROLE_SESSION_NAME, /* char * */
	CKS_KIND_COLUMN_NAME,		/* char * (read by cks_column_remote_name) */
	CKS_KIND_TABLE,				/* char *, a table kind's name */
	CKS_KIND_REQUEST_QUOTAS,	/* char *, 'Operation=rate,...' */
	CKS_KIND_KEY_MANAGER,		/* bool: true for 'ALL' */
	CKS_KIND_CREDENTIAL_SOURCE	/* CksCredentialSource */
} CksOptionKind;

typedef struct CksOption
{
	const char *keyword;
	int			where;			/* CKS_ON_* bits */
	CksOptionKind kind;
	size_t		offset;			/* of the field in the struct of the object:
								 * CksScanOptions for servers and tables,
								 * CksUserOptions, CksColumnOptions */
	const char *default_value;	/* read before the catalog's; NULL: none */
	bool		superuser_only; /* any value but default_value needs it */
	const char *superuser_detail;	/* why, when not the usual reason */
	const char *superuser_hint;
	int			min;			/* CKS_KIND_INT only */
	int			max;
} CksOption;

/* A foreign table column's options. */
typedef struct CksColumnOptions
{
	char	   *column_name;	/* NULL: the attribute name */
} CksColumnOptions;

/* Timeouts above an hour are almost surely a unit mistake (seconds vs ms
 * is fine, microseconds is not). */
#define CKS_MAX_TIMEOUT_MS	3600000

#define SCAN_FIELD(f)	offsetof(CksScanOptions, f)
#define USER_FIELD(f)	offsetof(CksUserOptions, f)

/*
 * Every option cks_fdw knows, in the order the "valid options" hint lists
 * them, with the defaults of ../shared/design/interface.md.  Each keyword
 * appears here and nowhere else in this file.
 *
 * The superuser-only options decide where the server process connects,
 * through what, and whom it trusts.  Anyone with USAGE on the wrapper can
 * create a server, and a server's owner can alter it while other roles'
 * user mappings (and their keys) hang off it: left to them, these options
 * would aim signed requests, session tokens and the server's own network
 * reach wherever they like.
 */
static const CksOption cks_options[] = {
	{.keyword = "region", .where = CKS_ON_SERVER,
	.kind = CKS_KIND_REGION_LIST, .offset = SCAN_FIELD(regions)},
	{.keyword = "endpoint", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_ENDPOINT, .offset = SCAN_FIELD(endpoint),
		.default_value = "https://kms.{region}.amazonaws.com",
	.superuser_only = true},
	{.keyword = "sts_endpoint", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_ENDPOINT, .offset = SCAN_FIELD(sts_endpoint),
		.default_value = "https://sts.{region}.amazonaws.com",
	.superuser_only = true},
	{.keyword = "accounts", .where = CKS_ON_SERVER,
	.kind = CKS_KIND_ACCOUNTS, .offset = SCAN_FIELD(accounts)},
	{.keyword = "organizations_endpoint", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_ENDPOINT, .offset = SCAN_FIELD(organizations_endpoint),
		.default_value = "https://organizations.us-east-1.amazonaws.com",
	.superuser_only = true},
	{.keyword = "cloudhsm_endpoint", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_ENDPOINT, .offset = SCAN_FIELD(cloudhsm_endpoint),
		.default_value = "https://cloudhsmv2.{region}.amazonaws.com",
	.superuser_only = true},
	{.keyword = "connect_timeout_ms", .where = CKS_ON_SERVER_OR_TABLE,
		.kind = CKS_KIND_INT, .offset = SCAN_FIELD(connect_timeout_ms),
	.default_value = "5000", .min = 1, .max = CKS_MAX_TIMEOUT_MS},
	{.keyword = "request_timeout_ms", .where = CKS_ON_SERVER_OR_TABLE,
		.kind = CKS_KIND_INT, .offset = SCAN_FIELD(request_timeout_ms),
	.default_value = "30000", .min = 1, .max = CKS_MAX_TIMEOUT_MS},
	{.keyword = "max_attempts", .where = CKS_ON_SERVER_OR_TABLE,
		.kind = CKS_KIND_INT, .offset = SCAN_FIELD(max_attempts),
	.default_value = "3", .min = 1, .max = 10},
	{.keyword = "page_size", .where = CKS_ON_SERVER_OR_TABLE,
		.kind = CKS_KIND_INT, .offset = SCAN_FIELD(page_size),
	.default_value = "1000", .min = 1, .max = 1000},
	/* the backend's cap (request_scheduler.c); 0: from the fd budget */
	{.keyword = "max_concurrent_requests", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_INT, .offset = SCAN_FIELD(max_concurrent_requests),
	.default_value = "0", .min = 0, .max = 1000},
	{.keyword = "request_quotas", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_REQUEST_QUOTAS, .offset = SCAN_FIELD(request_quotas)},
	{.keyword = "ca_file", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_CA_FILE, .offset = SCAN_FIELD(ca_file),
	.superuser_only = true},
	{.keyword = "proxy", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_PROXY, .offset = SCAN_FIELD(proxy),
	.superuser_only = true},
	/* bypassing the proxy may bypass whatever the proxy enforces */
	{.keyword = "no_proxy", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_NO_PROXY, .offset = SCAN_FIELD(no_proxy),
	.superuser_only = true},
	{.keyword = "on_error", .where = CKS_ON_SERVER_OR_TABLE,
		.kind = CKS_KIND_ON_ERROR, .offset = SCAN_FIELD(on_error_warn),
	.default_value = "error"},
	{.keyword = "async_capable", .where = CKS_ON_SERVER_OR_TABLE,
		.kind = CKS_KIND_BOOL, .offset = SCAN_FIELD(async_capable),
	.default_value = "true"},
	{.keyword = "estimated_rows", .where = CKS_ON_SERVER_OR_TABLE,
		.kind = CKS_KIND_POSITIVE_REAL, .offset = SCAN_FIELD(estimated_rows),
	.default_value = "50"},
	{.keyword = "request_cost", .where = CKS_ON_SERVER_OR_TABLE,
		.kind = CKS_KIND_NONNEGATIVE_REAL, .offset = SCAN_FIELD(request_cost),
	.default_value = "1000"},

	/* set by IMPORT FOREIGN SCHEMA; without it: custom_key_stores */
	{.keyword = "table", .where = CKS_ON_TABLE,
	.kind = CKS_KIND_TABLE, .offset = SCAN_FIELD(table)},
	/* keys: describe customer managed keys only, or every key */
	{.keyword = "key_manager", .where = CKS_ON_TABLE,
		.kind = CKS_KIND_KEY_MANAGER, .offset = SCAN_FIELD(all_key_managers),
	.default_value = "CUSTOMER"},

	{.keyword = "access_key_id", .where = CKS_ON_USER_MAPPING,
	.kind = CKS_KIND_CREDENTIAL, .offset = USER_FIELD(access_key_id)},
	{.keyword = "secret_access_key", .where = CKS_ON_USER_MAPPING,
	.kind = CKS_KIND_CREDENTIAL, .offset = USER_FIELD(secret_access_key)},
	{.keyword = "session_token", .where = CKS_ON_USER_MAPPING,
	.kind = CKS_KIND_CREDENTIAL, .offset = USER_FIELD(session_token)},
	{.keyword = "role_arn", .where = CKS_ON_USER_MAPPING,
	.kind = CKS_KIND_ROLE_ARN, .offset = USER_FIELD(role_arn)},
	{.keyword = "external_id", .where = CKS_ON_USER_MAPPING,
	.kind = CKS_KIND_EXTERNAL_ID, .offset = USER_FIELD(external_id)},
	{.keyword = "role_session_name", .where = CKS_ON_USER_MAPPING,
		.kind = CKS_KIND_ROLE_SESSION_NAME,
	.offset = USER_FIELD(role_session_name), .default_value = "cks_fdw"},
	/* AWS's AssumeRole range; the role's own maximum may be lower */
	{.keyword = "duration_seconds", .where = CKS_ON_USER_MAPPING,
		.kind = CKS_KIND_INT, .offset = USER_FIELD(duration_seconds),
	.default_value = "3600", .min = 900, .max = 43200},
	{.keyword = "credential_source", .where = CKS_ON_USER_MAPPING,
		.kind = CKS_KIND_CREDENTIAL_SOURCE,
		.offset = USER_FIELD(credential_source), .superuser_only = true,
		.superuser_detail = "It lends the database server's own AWS identity to the mapping's users.",
	.superuser_hint = "User mappings with a credential_source may only be created or modified by a superuser."},

	{.keyword = "column_name", .where = CKS_ON_COLUMN,
	.kind = CKS_KIND_COLUMN_NAME, .offset = offsetof(CksColumnOptions, column_name)},
};

PG_FUNCTION_INFO_V1(cks_fdw_validator);

pg_noreturn static void report_misplaced_option(const char *keyword, int where);


/*
 * The option's entry, whatever object it belongs on; NULL if cks_fdw does
 * not know it.
 */
static const CksOption *
find_option(const char *keyword)
{
	for (int i = 0; i < lengthof(cks_options); i++)
	{
		if (strcmp(cks_options[i].keyword, keyword) == 0)
			return &cks_options[i];
	}
	return NULL;
}

/* Map the catalog the validator is called for to its CKS_ON_* bit. */
static int
where_for_catalog(Oid catalog)
{
	switch (catalog)
	{
		case ForeignDataWrapperRelationId:
			return CKS_ON_WRAPPER;
		case ForeignServerRelationId:
			return CKS_ON_SERVER;
		case UserMappingRelationId:
			return CKS_ON_USER_MAPPING;
		case ForeignTableRelationId:
			return CKS_ON_TABLE;
		case AttributeRelationId:
			return CKS_ON_COLUMN;
	}
	elog(ERROR, "unexpected catalog %u for cks_fdw options", catalog);
	return 0;					/* keep compiler quiet */
}

/* True if a value of this option may be shown when it is malformed. */
static bool
may_echo(const CksOption *opt)
{
	return (opt->where & CKS_ON_USER_MAPPING) == 0;
}

/*
 * Check one option's value with its kind's function and store it in the
 * option's field of target (CksScanOptions or CksUserOptions, as the
 * option's place says), or only check it when target is NULL.  The
 * validator and the readers both come here.
 */
static void
apply_option(const CksOption *opt, DefElem *def, void *target)
{
	char	   *field = target ? (char *) target + opt->offset : NULL;
	char	   *text = NULL;

	switch (opt->kind)
	{
		case CKS_KIND_REGION_LIST:
			{
				List	   *regions = cks_option_region_list(def);

				if (field)
					*(List **) field = regions;
				return;
			}
		case CKS_KIND_INT:
			{
				int			n = cks_option_int(def, opt->min, opt->max, may_echo(opt));

				if (field)
					*(int *) field = n;
				return;
			}
		case CKS_KIND_POSITIVE_REAL:
		case CKS_KIND_NONNEGATIVE_REAL:
			{
				double		d = cks_option_real(def, opt->kind == CKS_KIND_POSITIVE_REAL);

				if (field)
					*(double *) field = d;
				return;
			}
		case CKS_KIND_BOOL:
		case CKS_KIND_ON_ERROR:
		case CKS_KIND_KEY_MANAGER:
			{
				bool		b = (opt->kind == CKS_KIND_BOOL) ? defGetBoolean(def) :
					(opt->kind == CKS_KIND_ON_ERROR) ? cks_option_on_error_warn(def) :
					cks_option_key_manager_all(def);

				if (field)
					*(bool *) field = b;
				return;
			}
		case CKS_KIND_ENDPOINT:
			text = cks_option_url(def, CKS_URL_ENDPOINT);
			break;
		case CKS_KIND_PROXY:
			text = cks_option_url(def, CKS_URL_PROXY);
			break;
		case CKS_KIND_NO_PROXY:
			text = cks_option_no_proxy(def);
			break;
		case CKS_KIND_CA_FILE:
			text = cks_option_ca_file(def);
			break;
		case CKS_KIND_CREDENTIAL:
			text = cks_option_credential(def);
			break;
		case CKS_KIND_ROLE_ARN:
			text = cks_option_role_arn(def);
			break;
		case CKS_KIND_ACCOUNTS:
			text = cks_option_accounts(def);
			break;
		case CKS_KIND_EXTERNAL_ID:
			text = cks_option_external_id(def);
			break;
		case CKS_KIND_ROLE_SESSION_NAME:
			text = cks_option_role_session_name(def);
			break;
		case CKS_KIND_COLUMN_NAME:
			text = cks_option_column_name(def);
			break;
		case CKS_KIND_TABLE:
			text = cks_option_table(def);
			break;
		case CKS_KIND_REQUEST_QUOTAS:
			text = defGetString(def);
			cks_quota_validate(text);
			text = pstrdup(text);
			break;
		case CKS_KIND_CREDENTIAL_SOURCE:
			{
				CksCredentialSource source = cks_option_credential_source(def);

				if (field)
					*(CksCredentialSource *) field = source;
				return;
			}
	}
	if (field)
		*(char **) field = text;
	else
		pfree(text);
}

/*
 * Apply the defaults, then the options of a catalog list that belong on
 * the object "where" into target.  Options cks_fdw does not know (left by
 * another version) are ignored here; the validator refuses them.
 */
static void
apply_defaults(int where, void *target)
{
	for (int i = 0; i < lengthof(cks_options); i++)
	{
		const CksOption *opt = &cks_options[i];

		if ((opt->where & where) && opt->default_value != NULL)
			apply_option(opt,
						 makeDefElem(pstrdup(opt->keyword),
									 (Node *) makeString(pstrdup(opt->default_value)),
									 -1),
						 target);
	}
}

static void
apply_options(List *options, int where, void *target)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const CksOption *opt = find_option(def->defname);

		if (opt != NULL && (opt->where & where))
			apply_option(opt, def, target);
	}
}


/* ---------------------------------------------------------------------
 * The validator
 * ---------------------------------------------------------------------
 */

/*
 * An option cks_fdw does not take on this object.  If it belongs on
 * another object, say which and how to put it there (and, for a
 * credential, without repeating its value); otherwise list what this
 * object takes, as postgres_fdw does.
 */
static void
report_misplaced_option(const char *keyword, int where)
{
	const CksOption *opt = find_option(keyword);
	StringInfoData valid;

	if (opt != NULL && opt->where == CKS_ON_USER_MAPPING)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"%s\" belongs on a user mapping", keyword),
				 errhint("Credentials and role settings are user mapping options, which other roles cannot read: CREATE USER MAPPING FOR ... SERVER ... OPTIONS (%s '...').",
						 keyword)));
	if (opt != NULL && opt->where == CKS_ON_SERVER)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"%s\" belongs on a server", keyword),
				 errhint("Use ALTER SERVER ... OPTIONS (ADD %s '...').",
						 keyword)));
	if (opt != NULL && opt->where == (CKS_ON_SERVER | CKS_ON_TABLE))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"%s\" belongs on a server or a foreign table",
						keyword),
				 errhint("Use ALTER SERVER ... OPTIONS (ADD %s '...') or ALTER FOREIGN TABLE ... OPTIONS (ADD %s '...').",
						 keyword, keyword)));
	if (opt != NULL && opt->where == CKS_ON_COLUMN)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"%s\" belongs on a foreign table column",
						keyword),
				 errhint("Use ALTER FOREIGN TABLE ... ALTER COLUMN ... OPTIONS (ADD %s '...').",
						 keyword)));

	initStringInfo(&valid);
	for (int i = 0; i < lengthof(cks_options); i++)
	{
		if (cks_options[i].where & where)
			appendStringInfo(&valid, "%s%s", valid.len > 0 ? ", " : "",
							 cks_options[i].keyword);
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			 errmsg("invalid option \"%s\"", keyword),
			 valid.len > 0
			 ? errhint("Valid options in this context are: %s", valid.data)
			 : errhint("There are no valid options in this context.")));
}

/* True if the option list has an option of that name. */
static bool
has_option(List *options, const char *keyword)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		if (strcmp(((DefElem *) lfirst(lc))->defname, keyword) == 0)
			return true;
	}
	return false;
}

/* One option of a user mapping that needs another one to mean anything. */
static void
require_partner(List *options, const char *keyword, const char *partner,
				const char *hint)
{
	if (has_option(options, keyword) && !has_option(options, partner))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"%s\" requires option \"%s\"",
						keyword, partner),
				 errhint("%s", hint)));
}

/*
 * The combinations of user mapping options that cannot work: half a key
 * pair, a session token without its keys, AssumeRole parameters without a
 * role.  Checked on the complete option list, which is what the validator
 * gets for ALTER too, and again when a scan reads the mapping.
 */
static void
check_user_mapping_combination(List *options)
{
	static const char *const assume_role_options[] = {
		"external_id", "role_session_name", "duration_seconds"
	};
	const char *key_pair_hint = "Set both access_key_id and secret_access_key, or neither.";

	require_partner(options, "access_key_id", "secret_access_key",
					key_pair_hint);
	require_partner(options, "secret_access_key", "access_key_id",
					key_pair_hint);
	if (has_option(options, "session_token") &&
		!has_option(options, "access_key_id"))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"session_token\" requires options \"access_key_id\" and \"secret_access_key\""),
				 errhint("A session token is only valid with the temporary access key it was issued with.")));

	for (int i = 0; i < lengthof(assume_role_options); i++)
		require_partner(options, assume_role_options[i], "role_arn",
						"It is passed to STS AssumeRole, which is only called when role_arn is set.");

	/* credential_source replaces the keys; both would be ambiguous */
	if (has_option(options, "credential_source") &&
		(has_option(options, "access_key_id") ||
		 has_option(options, "secret_access_key") ||
		 has_option(options, "session_token")))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"credential_source\" cannot be combined with access_key_id, secret_access_key or session_token"),
				 errhint("A user mapping takes its credentials either from its keys or from the server's credential source; drop one of them.")));
}

/*
 * The options of the superuser-only kind.  Checked at CREATE/ALTER only,
 * on the whole resulting option list (what the validator gets for ALTER
 * too): a server that has one can then be altered by superusers alone,
 * as file_fdw does for its filename.
 */
static void
check_privilege(const CksOption *opt, DefElem *def)
{
	if (!opt->superuser_only || superuser())
		return;
	if (opt->default_value != NULL &&
		strcmp(defGetString(def), opt->default_value) == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to set option \"%s\"", def->defname),
			 opt->superuser_detail ?
			 errdetail("%s", opt->superuser_detail) :
			 opt->default_value ?
			 errdetail("Only superusers may set it to a value other than its default, \"%s\".",
					   opt->default_value) :
			 errdetail("Only superusers may set it."),
			 errhint("%s", opt->superuser_hint ? opt->superuser_hint :
					 "It decides where the server process connects or whom it trusts.")));
}

/*
 * Validate the options given to a cks_fdw wrapper, server, user mapping,
 * foreign table or column.  Raise an ERROR if an option or its value is
 * invalid for that object, so mistakes surface at CREATE/ALTER time
 * instead of on the first query.
 */
Datum
cks_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	int			where = where_for_catalog(PG_GETARG_OID(1));
	CksScanOptions scan_scratch;
	CksUserOptions user_scratch;
	CksColumnOptions column_scratch;
	void	   *target = NULL;
	ListCell   *lc;

	if (where & CKS_ON_SERVER_OR_TABLE)
		target = &scan_scratch;
	else if (where == CKS_ON_USER_MAPPING)
		target = &user_scratch;
	else if (where == CKS_ON_COLUMN)
		target = &column_scratch;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const CksOption *opt = find_option(def->defname);

		if (opt == NULL || (opt->where & where) == 0)
			report_misplaced_option(def->defname, where);
		check_privilege(opt, def);
		apply_option(opt, def, target);
	}

	if (where == CKS_ON_USER_MAPPING)
		check_user_mapping_combination(options);

	PG_RETURN_VOID();
}


/* ---------------------------------------------------------------------
 * Readers, for the scan
 * ---------------------------------------------------------------------
 */

/*
 * Read a server's options, then the foreign table's overrides, over the
 * defaults.  The region is required here rather than by the validator so
 * that a server can be created first and given its regions later.
 */
void
cks_get_scan_options(Oid serverid, Oid foreigntableid, CksScanOptions *opts)
{
	ForeignServer *server = GetForeignServer(serverid);

	memset(opts, 0, sizeof(*opts));
	apply_defaults(CKS_ON_SERVER, opts);
	apply_options(server->options, CKS_ON_SERVER, opts);
	if (OidIsValid(foreigntableid))
		apply_options(GetForeignTable(foreigntableid)->options,
					  CKS_ON_TABLE, opts);

	if (opts->regions == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" has no region", server->servername),
				 errhint("Set one with ALTER SERVER %s OPTIONS (ADD region 'us-east-1').",
						 quote_identifier(server->servername))));
}

/*
 * Read a user mapping's credentials and AssumeRole settings.  The
 * combination is checked again because a scan must never sign with half
 * a key pair, whatever is in the catalog.
 */
void
cks_get_user_options(UserMapping *user, CksUserOptions *opts)
{
	memset(opts, 0, sizeof(*opts));
	check_user_mapping_combination(user->options);
	apply_defaults(CKS_ON_USER_MAPPING, opts);
	apply_options(user->options, CKS_ON_USER_MAPPING, opts);
}

/*
 * The name a column has in DescribeCustomKeyStores's terms: its
 * column_name option if set, so users may name their columns freely.
 */
char *
cks_column_remote_name(Oid relid, AttrNumber attnum)
{
	CksColumnOptions opts;

	memset(&opts, 0, sizeof(opts));
	apply_options(GetForeignColumnOptions(relid, attnum), CKS_ON_COLUMN, &opts);
	return opts.column_name ? opts.column_name : get_attname(relid, attnum, false);
}

/* The foreign table's "table" option, or NULL when it has none. */
char *
cks_table_kind_option(Oid relid)
{
	CksScanOptions opts;

	memset(&opts, 0, sizeof(opts));
	apply_options(GetForeignTable(relid)->options, CKS_ON_TABLE, &opts);
	return opts.table;
}

/*
 * The endpoint template a service's calls go to: the value of the server
 * option its descriptor names (endpoint, cloudhsm_endpoint, ...), read
 * through that option's entry in the table above.
 */
const char *
cks_service_endpoint(const CksScanOptions *opts, const char *endpoint_option)
{
	const CksOption *opt = find_option(endpoint_option);

	if (opt == NULL || opt->kind != CKS_KIND_ENDPOINT)
		elog(ERROR, "no endpoint option \"%s\"", endpoint_option);
	return *(char *const *) ((const char *) opts + opt->offset);
}

const char *
cks_user_credential_source(UserMapping *user)
{
	const CksOption *opt = find_option("credential_source");
	CksUserOptions scratch;
	ListCell   *lc;

	foreach(lc, user->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, opt->keyword) != 0)
			continue;
		memset(&scratch, 0, sizeof(scratch));
		apply_option(opt, def, &scratch);
		return cks_credential_source_name(scratch.credential_source);
	}
	return NULL;
}
