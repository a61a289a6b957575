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

#include "option_report.h"
#include "option_rules.h"
#include "option_values.h"
#include "options.h"
#include "net/request_quotas.h"

/* Where an option may be set; a bit mask because tuning options go on
 * both servers and foreign tables. */

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
	CKS_KIND_CREDENTIAL_SOURCE, /* CksCredentialSource */
	CKS_KIND_PROFILE			/* char *, a profile of credentials_file */
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
	const char *only_table;		/* a table option that applies to foreign
								 * tables of this remote table only */
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
 * them, with their defaults (default_value).  Each keyword appears here
 * and nowhere else in this file.
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
	{.keyword = "cloudwatch_endpoint", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_ENDPOINT, .offset = SCAN_FIELD(cloudwatch_endpoint),
		.default_value = "https://monitoring.{region}.amazonaws.com",
	.superuser_only = true},
	{.keyword = "connect_timeout_ms", .where = CKS_ON_SERVER_OR_TABLE,
		.kind = CKS_KIND_INT, .offset = SCAN_FIELD(transport.connect_timeout_ms),
	.default_value = "5000", .min = 1, .max = CKS_MAX_TIMEOUT_MS},
	{.keyword = "request_timeout_ms", .where = CKS_ON_SERVER_OR_TABLE,
		.kind = CKS_KIND_INT, .offset = SCAN_FIELD(transport.request_timeout_ms),
	.default_value = "30000", .min = 1, .max = CKS_MAX_TIMEOUT_MS},
	{.keyword = "max_attempts", .where = CKS_ON_SERVER_OR_TABLE,
		.kind = CKS_KIND_INT, .offset = SCAN_FIELD(transport.max_attempts),
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
		.kind = CKS_KIND_CA_FILE, .offset = SCAN_FIELD(transport.ca_file),
	.superuser_only = true},
	{.keyword = "proxy", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_PROXY, .offset = SCAN_FIELD(transport.proxy),
	.superuser_only = true},
	/* bypassing the proxy may bypass whatever the proxy enforces */
	{.keyword = "no_proxy", .where = CKS_ON_SERVER,
		.kind = CKS_KIND_NO_PROXY, .offset = SCAN_FIELD(transport.no_proxy),
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
	.default_value = "CUSTOMER", .only_table = "keys"},
	{.keyword = "show_sensitive", .where = CKS_ON_TABLE, .kind = CKS_KIND_BOOL,
		.offset = SCAN_FIELD(show_sensitive), .default_value = "false", .superuser_only = true,
		.superuser_detail = "It shows fields that AWS marks sensitive, such as a CloudHSM cluster's PRECO password, to every role that can read the table.",
	.superuser_hint = "Foreign tables with show_sensitive may only be created or modified by a superuser."},

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
	{.keyword = "credentials_file", .where = CKS_ON_USER_MAPPING,
		.kind = CKS_KIND_CA_FILE, .offset = USER_FIELD(credentials_file),
		.superuser_only = true,
		.superuser_detail = "The file is read by the database server with its operating system user's rights.",
	.superuser_hint = "User mappings with a credentials_file may only be created or modified by a superuser."},
	{.keyword = "profile", .where = CKS_ON_USER_MAPPING,
	.kind = CKS_KIND_PROFILE, .offset = USER_FIELD(profile)},

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
 * The checked value of an option whose kind is a string (a URL, a name,
 * a list written as text), palloc'd; the kinds of other types are
 * apply_option's.
 */
static char *
checked_text(const CksOption *opt, DefElem *def)
{
	switch (opt->kind)
	{
		case CKS_KIND_ENDPOINT:
			return cks_option_url(def, CKS_URL_ENDPOINT);
		case CKS_KIND_PROXY:
			return cks_option_url(def, CKS_URL_PROXY);
		case CKS_KIND_NO_PROXY:
			return cks_option_no_proxy(def);
		case CKS_KIND_CA_FILE:
			return cks_option_ca_file(def);
		case CKS_KIND_CREDENTIAL:
			return cks_option_credential(def);
		case CKS_KIND_ROLE_ARN:
			return cks_option_role_arn(def);
		case CKS_KIND_ACCOUNTS:
			return cks_option_accounts(def);
		case CKS_KIND_EXTERNAL_ID:
			return cks_option_external_id(def);
		case CKS_KIND_ROLE_SESSION_NAME:
			return cks_option_role_session_name(def);
		case CKS_KIND_COLUMN_NAME:
			return cks_option_column_name(def);
		case CKS_KIND_TABLE:
			return cks_option_table(def);
		case CKS_KIND_PROFILE:
			return cks_option_profile(def);
		case CKS_KIND_REQUEST_QUOTAS:
			cks_quota_validate(defGetString(def));
			return pstrdup(defGetString(def));
		default:
			elog(ERROR, "option \"%s\" has no text value", opt->keyword);
	}
	return NULL;				/* keep the compiler quiet */
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
	char	   *text;

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
		case CKS_KIND_CREDENTIAL_SOURCE:
			{
				CksCredentialSource source = cks_option_credential_source(def);

				if (field)
					*(CksCredentialSource *) field = source;
				return;
			}
		default:
			break;
	}
	text = checked_text(opt, def);
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
 * An option that is not valid on this object: where it belongs, if it
 * belongs somewhere else, else the closest valid name or the valid ones.
 */
static void
report_misplaced_option(const char *keyword, int where)
{
	const CksOption *opt = find_option(keyword);
	const char *names[lengthof(cks_options) + 1];
	int			n = 0;

	for (int i = 0; i < lengthof(cks_options); i++)
		if (cks_options[i].where & where)
			names[n++] = cks_options[i].keyword;
	names[n] = NULL;
	cks_report_misplaced_option(keyword, opt ? opt->where : 0, names);
}


/*
 * Table options that mean something for one remote table only (key_manager
 * for keys): on a foreign table of another remote table they would be
 * accepted and silently ignored, so refuse them.  The table option's
 * default is custom_key_stores, as at scan time.
 */
static void
check_table_specific_options(List *options)
{
	const char *table = "custom_key_stores";
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "table") == 0)
			table = defGetString(def);
	}
	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const CksOption *opt = find_option(def->defname);

		if (opt != NULL && opt->only_table != NULL &&
			strcmp(opt->only_table, table) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("option \"%s\" applies only to foreign tables of remote table \"%s\"",
							def->defname, opt->only_table),
					 errdetail("This foreign table reads remote table \"%s\".", table),
					 errhint("Drop the option: ALTER FOREIGN TABLE ... OPTIONS (DROP %s).",
							 def->defname)));
	}
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
		cks_option_is_default(def, opt->default_value, opt->kind == CKS_KIND_BOOL))
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
	ErrorContextCallback hide = {error_context_stack, cks_option_hide_statement};

	/* a user mapping's statement holds its secrets: keep it out of the log */
	if (where == CKS_ON_USER_MAPPING)
		error_context_stack = &hide;
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
		cks_check_user_mapping_combination(options);
	if (where == CKS_ON_TABLE)
		check_table_specific_options(options);
	error_context_stack = hide.previous;
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
	cks_check_user_mapping_combination(user->options);
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
