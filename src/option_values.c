/*-------------------------------------------------------------------------
 *
 * option_values.c
 *	  Turn the text of one cks_fdw option into its value, or into an error
 *	  worded for the user: one function per kind of option, called through
 *	  options.c's table by the validator and by the scan's readers alike.
 *
 *	  The grammars themselves are aws_names.c's; this file adds the
 *	  SQLSTATE (22023, as postgres_fdw uses for bad values), the message
 *	  and the hint.  Whether a value may be echoed is options.c's rule.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "nodes/value.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "closest_name.h"
#include "compat.h"
#include "option_values.h"
#include "table_kinds.h"

/*
 * A plain decimal integer in the option's range.  Not parse_int(): GUC
 * syntax would accept "0x10", "1.5" (rounded) and units, which have no
 * place in an option whose name already carries its unit.
 */
int
cks_option_int(DefElem *def, int min, int max, bool echo)
{
	const char *value = defGetString(def);
	char	   *end;
	long		n;
	bool		malformed;

	errno = 0;
	n = strtol(value, &end, 10);
	malformed = (end == value || *end != '\0' || isspace((unsigned char) value[0]));
	if (malformed || errno == ERANGE || n < min || n > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 !echo ?
				 errmsg("invalid value for option \"%s\"", def->defname) :
				 malformed ?
				 errmsg("invalid value for integer option \"%s\": \"%s\"",
						def->defname, value) :
				 errmsg("value \"%s\" is out of range for option \"%s\"",
						value, def->defname),
				 errhint("Valid values are integers from %d to %d.",
						 min, max)));
	return (int) n;
}

/*
 * A finite number, > 0 when positive, else >= 0.  parse_real()
 * is what postgres_fdw uses for its cost options; it rejects NaN but not
 * infinity, which would poison the planner's arithmetic.
 */
double
cks_option_real(DefElem *def, bool positive)
{
	const char *value = defGetString(def);
	double		d;

	if (!parse_real(value, &d, 0, NULL) || !isfinite(d) ||
		(positive ? d <= 0 : d < 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for floating point option \"%s\": \"%s\"",
						def->defname, value),
				 positive ?
				 errhint("Valid values are finite numbers greater than zero.") :
				 errhint("Valid values are finite numbers greater than or equal to zero.")));
	return d;
}

/*
 * on_error: true for 'warn'.  Exact lower-case words, like the values of
 * postgres_fdw's and file_fdw's enumerated options.
 */
bool
cks_option_on_error_warn(DefElem *def)
{
	const char *value = defGetString(def);

	if (strcmp(value, "warn") == 0)
		return true;
	if (strcmp(value, "error") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"",
						def->defname, value),
				 errhint("Valid values are \"error\" and \"warn\".")));
	return false;
}

/*
 * A well-formed region whose last word is no compass direction
 * ("us-est-1"): no AWS region, so say so now rather than with a DNS
 * failure at the first query, and suggest the region with the closest
 * direction.
 */
pg_noreturn static void report_unknown_region(const char *region);

static void
report_unknown_region(const char *region)
{
	const char *number = region + strlen(region);
	const char *word_end;
	const char *word;
	const char *closest;

	while (number > region && isdigit((unsigned char) number[-1]))
		number--;
	word_end = number - 1;
	word = word_end;
	while (word > region && word[-1] != '-')
		word--;
	closest = cks_closest_name(pnstrdup(word, word_end - word),
							   cks_region_directions, 3);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown region \"%s\" in option \"region\"", region),
			 errdetail("AWS region names end in a compass direction and a number, like \"us-east-1\" or \"ap-southeast-2\"."),
			 closest ?
			 errhint("Perhaps you meant \"%.*s%s-%s\".", (int) (word - region),
					 region, closest, number) :
			 errhint("See the list of regions your account has enabled: aws account list-regions.")));
}

/*
 * The region option: a comma-separated list, each element trimmed of
 * blanks.  Duplicates are dropped (a scan would otherwise return a
 * region's rows twice), the first occurrence keeping its place.
 */
List *
cks_option_region_list(DefElem *def)
{
	const char *value = defGetString(def);
	const char *bad = NULL;
	size_t		bad_len = 0;
	const char *cursor = value;
	const char *item;
	size_t		len;
	List	   *regions = NIL;

	switch (cks_check_region_list(value, &bad, &bad_len))
	{
		case CKS_REGION_LIST_OK:
			break;
		case CKS_REGION_LIST_NONE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"region\" must name at least one region"),
					 errhint("For example: region 'us-east-1' or region 'us-east-1,eu-west-1'.")));
			break;
		case CKS_REGION_LIST_EMPTY_ELEMENT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("empty region in option \"region\": \"%s\"", value),
					 errhint("Separate regions with single commas, as in 'us-east-1,eu-west-1'.")));
			break;
		case CKS_REGION_LIST_BAD_REGION:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid region \"%s\" in option \"region\"",
							pnstrdup(bad, bad_len)),
					 errhint("A region name is lower-case letters, digits and hyphens, like \"us-east-1\".")));
			break;
		case CKS_REGION_LIST_UNKNOWN_DIRECTION:
			report_unknown_region(pnstrdup(bad, bad_len));
			break;
	}

	while (cks_list_next(&cursor, &item, &len))
	{
		char	   *region = pnstrdup(item, len);
		bool		seen = false;
		ListCell   *lc;

		foreach(lc, regions)
		{
			if (strcmp((char *) lfirst(lc), region) == 0)
				seen = true;
		}
		if (!seen)
			regions = lappend(regions, region);
	}
	return regions;
}

/*
 * The message of a URL problem whose only variable is the option's name
 * and whose hint is the shape of a good URL; NULL for the problems that
 * say more (cks_option_url reports those itself).
 */
static const char *
url_problem_message(CksUrlProblem problem)
{
	switch (problem)
	{
		case CKS_URL_BAD_CHARACTER:
			return "option \"%s\" contains a space, a control character or a non-ASCII character";
		case CKS_URL_UNKNOWN_PLACEHOLDER:
			return "option \"%s\" contains a brace that is not part of \"{region}\"";
		case CKS_URL_BAD_SCHEME:
			return "option \"%s\" must be an http:// or https:// URL";
		case CKS_URL_NO_HOST:
			return "URL in option \"%s\" has no host";
		case CKS_URL_QUERY:
			return "URL in option \"%s\" must not contain a query string";
		case CKS_URL_FRAGMENT:
			return "URL in option \"%s\" must not contain a fragment";
		case CKS_URL_PATH:
			return "URL in option \"%s\" must not contain a path";
		default:
			return NULL;
	}
}

/*
 * The endpoint options and proxy: http:// or https:// URLs with a host and
 * nothing else a signed request cannot carry; plain http:// only to this
 * machine.  The value is never echoed: a malformed URL may still carry a
 * password, and it may hold control characters.
 */
char *
cks_option_url(DefElem *def, CksUrlUse use)
{
	const char *value = defGetString(def);
	const char *name = def->defname;
	const char *curl_message;
	bool		proxy = (use == CKS_URL_PROXY);
	const char *hint = proxy ?
		"A proxy looks like \"http://proxy.example.com:3128\"." :
		"An endpoint looks like \"https://kms.{region}.amazonaws.com\" or \"http://127.0.0.1:8080\".";
	CksUrlProblem problem = cks_url_problem(value, use, &curl_message);

	if (problem == CKS_URL_OK)
		return pstrdup(value);
	if (problem == CKS_URL_UNPARSABLE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" is not a valid URL", name),
				 errdetail("libcurl: %s.", curl_message),
				 errhint("%s", hint)));
	if (problem == CKS_URL_USERINFO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("URL in option \"%s\" must not contain a user name or password",
						name),
				 proxy ?
				 errdetail("Server options are readable by every role; cks_fdw supports no proxy authentication.") :
				 errhint("Credentials belong in a user mapping: CREATE USER MAPPING ... OPTIONS (access_key_id '...', secret_access_key '...').")));
	if (problem == CKS_URL_HTTP_NOT_LOOPBACK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" may use http:// only for a loopback address",
						name),
				 errdetail("Signed requests and session tokens would cross the network unencrypted."),
				 errhint("Use https://, or http://127.0.0.1, http://[::1] or http://localhost for a local test endpoint.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg(url_problem_message(problem), name),
			 errhint("%s", hint)));
	return NULL;				/* keep the compiler quiet */
}

/* no_proxy: host names, domains, addresses; libcurl reads the list. */
char *
cks_option_no_proxy(DefElem *def)
{
	const char *value = defGetString(def);

	if (!cks_is_no_proxy_list(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"",
						def->defname, value),
				 errhint("List host names, domains (\".example.com\"), IP addresses or CIDR blocks, separated by commas.")));
	return pstrdup(value);
}

/*
 * ca_file, credentials_file: an absolute path, because it is opened by a
 * backend whose working directory is the data directory, not the user's.
 */
char *
cks_option_ca_file(DefElem *def)
{
	const char *value = defGetString(def);

	/* a user mapping's credentials_file is not echoed: see options.c */
	if (!is_absolute_path(value) && strcmp(def->defname, "ca_file") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an absolute path", def->defname),
				 errhint("For example: %s '/var/lib/postgresql/.aws/credentials'.",
						 def->defname)));
	if (!is_absolute_path(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an absolute path: \"%s\"",
						def->defname, value),
				 errhint("For example: ca_file '/etc/ssl/certs/ca-certificates.crt'.")));
	return pstrdup(value);
}

/* profile: a section name of a credentials file (aws_names.h). */
char *
cks_option_profile(DefElem *def)
{
	const char *value = defGetString(def);

	if (!cks_profile_name_ok(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\"", def->defname),
				 errhint("A profile name has 1 to %d characters, no space, control character or bracket.",
						 CKS_MAX_PROFILE_LEN)));
	return pstrdup(value);
}

/*
 * access_key_id, secret_access_key, session_token: they go verbatim into
 * HTTP headers and the signature, so a blank or a control character
 * (a pasted newline) is always a mistake and could split a header.
 */
char *
cks_option_credential(DefElem *def)
{
	const char *value = defGetString(def);

	if (value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must not be empty", def->defname)));
	if (!cks_is_printable_token(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" contains a space or a control character",
						def->defname),
				 errhint("Check for a line break or blank copied along with the value.")));
	return pstrdup(value);
}

/*
 * role_arn, external_id, role_session_name: checked with AWS's grammars so
 * that a typo fails at CREATE USER MAPPING rather than as an STS error on
 * the first query; the role ARN with the same parser that later takes its
 * account id.  Never echoed (see options.c).
 */
static char *
checked_name(DefElem *def, bool (*valid) (const char *), const char *hint)
{
	const char *value = defGetString(def);

	if (!valid(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\"", def->defname),
				 errhint("%s", hint)));
	return pstrdup(value);
}

char *
cks_option_role_arn(DefElem *def)
{
	return checked_name(def, cks_is_role_arn_template,
						"A role ARN looks like \"arn:aws:iam::123456789012:role/name\" (or \"arn:aws:iam::{account}:role/name\" with a server option accounts); the partition is aws, aws-cn, aws-us-gov or aws-iso*.");
}

/*
 * accounts: the ids a server covers, or "organization" for every ACTIVE
 * account AWS Organizations lists.  Account ids are not secret, so a bad
 * one is shown.
 */
char *
cks_option_accounts(DefElem *def)
{
	const char *value = defGetString(def);
	const char *bad;
	size_t		bad_len;

	if (strcmp(value, CKS_ACCOUNTS_ORGANIZATION) == 0)
		return pstrdup(value);
	if (!cks_check_account_list(value, &bad, &bad_len))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid account id \"%.*s\" in option \"%s\"",
						(int) Min(bad_len, 64), bad, def->defname),
				 errhint("List 12-digit account ids separated by commas, or use accounts 'organization' to list the organization's active accounts.")));
	return pstrdup(value);
}

List *
cks_account_list(const char *value)
{
	const char *cursor = value;
	const char *item;
	size_t		len;
	List	   *ids = NIL;

	while (cks_list_next(&cursor, &item, &len))
	{
		char	   *id = pnstrdup(item, len);
		bool		seen = false;
		ListCell   *lc;

		foreach(lc, ids)
			seen |= strcmp((char *) lfirst(lc), id) == 0;
		if (!seen)
			ids = lappend(ids, id);
	}
	return ids;
}

char *
cks_option_external_id(DefElem *def)
{
	return checked_name(def, cks_is_external_id,
						"An external ID has 2 to 1224 characters: letters, digits and any of _+=,.@:/-");
}

char *
cks_option_role_session_name(DefElem *def)
{
	return checked_name(def, cks_is_role_session_name,
						"A role session name has 2 to 64 characters: letters, digits and any of _+=,.@-");
}

/* column_name: the remote column it maps; an empty name maps nothing. */
char *
cks_option_column_name(DefElem *def)
{
	const char *value = defGetString(def);

	if (value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must not be empty", def->defname)));
	return pstrdup(value);
}

/* table: the remote table a foreign table reads, one of the table kinds. */
char *
cks_option_table(DefElem *def)
{
	const char *value = defGetString(def);
	StringInfoData valid;

	if (cks_table_kind_by_name(value) != NULL)
		return pstrdup(value);
	initStringInfo(&valid);
	for (int i = 0; cks_table_kinds[i] != NULL; i++)
		appendStringInfo(&valid, "%s%s", i ? ", " : "", cks_table_kinds[i]->name);
	ereport(ERROR,
			(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
			 errmsg("remote table \"%s\" does not exist", value),
			 errhint("Valid remote tables are: %s.", valid.data)));
	return NULL;				/* keep compiler quiet */
}

/* key_manager (keys): 'CUSTOMER' or 'ALL'; true for ALL. */
bool
cks_option_key_manager_all(DefElem *def)
{
	const char *value = defGetString(def);

	if (pg_strcasecmp(value, "CUSTOMER") == 0)
		return false;
	if (pg_strcasecmp(value, "ALL") == 0)
		return true;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for option \"%s\": \"%s\"", def->defname, value),
			 errhint("Valid values are \"CUSTOMER\" (customer managed keys only) and \"ALL\".")));
	return false;				/* keep compiler quiet */
}

/*
 * True when def sets an option to its default value: the same text, or for
 * a boolean any spelling of the same value ('off' for 'false'), so that
 * the superuser-only check lets anyone state the default.
 */
bool
cks_option_is_default(DefElem *def, const char *default_value, bool boolean)
{
	bool		default_bool;

	if (boolean && parse_bool(default_value, &default_bool))
		return defGetBoolean(def) == default_bool;
	return strcmp(defGetString(def), default_value) == 0;
}

/*
 * credential_source (aws_names.h): one of the exact lower-case words, like
 * on_error.
 */
CksCredentialSource
cks_option_credential_source(DefElem *def)
{
	const char *value = defGetString(def);
	CksCredentialSource source;

	/* a user mapping value: a wrong one may be a secret, never shown */
	if (!cks_credential_source_from_name(value, &source))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\"", def->defname),
				 errhint("Valid values are " CKS_CREDENTIAL_SOURCE_VALUES ".")));
	return source;
}

/*
 * errhidestmt from an error context callback: errfinish calls the
 * callbacks on the error being raised, so whatever check of the list
 * fails, the log's STATEMENT line is left out.  log_statement, which
 * logs before any check, is the administrator's choice (README, threat
 * model).
 */
void
cks_option_hide_statement(void *arg)
{
	errhidestmt(true);
}
