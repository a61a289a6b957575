/*-------------------------------------------------------------------------
 *
 * options.c
 *	  The options of cks_fdw objects: the validator that checks them at
 *	  CREATE/ALTER time, and the readers a scan uses to turn them into
 *	  CksScanOptions / CksUserOptions.
 *
 *	  Both sides go through the same parsing function for each kind of
 *	  option, so a value the validator accepts is read the same way at scan
 *	  time, and a value that somehow reached the catalog unchecked (e.g.
 *	  set by an older version) fails at scan time with the same message.
 *
 *	  Credentials are options of user mappings only, whose options other
 *	  roles cannot read (pg_user_mappings hides them).  No message here ever
 *	  contains the value of a credential or role option.
 *
 *	  postgres_fdw's option.c is the model.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include <curl/curl.h>

#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "options.h"

/* Where an option may be set; a bit mask because tuning options go on
 * both servers and foreign tables. */
#define CKS_ON_WRAPPER		0x01
#define CKS_ON_SERVER		0x02
#define CKS_ON_USER_MAPPING	0x04
#define CKS_ON_TABLE		0x08
#define CKS_ON_COLUMN		0x10

/* How an option's value is checked and read: one parsing function each. */
typedef enum CksOptionKind
{
	CKS_KIND_REGION_LIST,
	CKS_KIND_ENDPOINT,
	CKS_KIND_INT,
	CKS_KIND_POSITIVE_REAL,
	CKS_KIND_NONNEGATIVE_REAL,
	CKS_KIND_BOOL,
	CKS_KIND_ON_ERROR,
	CKS_KIND_CA_FILE,
	CKS_KIND_CREDENTIAL,
	CKS_KIND_ROLE_ARN,
	CKS_KIND_EXTERNAL_ID,
	CKS_KIND_ROLE_SESSION_NAME,
	CKS_KIND_COLUMN_NAME,
	CKS_KIND_CREDENTIAL_SOURCE
} CksOptionKind;

typedef struct CksOption
{
	const char *keyword;
	int			where;			/* CKS_ON_* bits */
	CksOptionKind kind;
	int			min;			/* CKS_KIND_INT only */
	int			max;
} CksOption;

/* Timeouts above an hour are almost surely a unit mistake (seconds vs ms
 * is fine, microseconds is not). */
#define CKS_MAX_TIMEOUT_MS	3600000

/*
 * Every option cks_fdw knows, in the order the "valid options" hint lists
 * them.  Each keyword appears once.
 */
static const CksOption cks_options[] = {
	{"region", CKS_ON_SERVER, CKS_KIND_REGION_LIST},
	{"endpoint", CKS_ON_SERVER, CKS_KIND_ENDPOINT},
	{"sts_endpoint", CKS_ON_SERVER, CKS_KIND_ENDPOINT},
	{"connect_timeout_ms", CKS_ON_SERVER | CKS_ON_TABLE, CKS_KIND_INT,
	1, CKS_MAX_TIMEOUT_MS},
	{"request_timeout_ms", CKS_ON_SERVER | CKS_ON_TABLE, CKS_KIND_INT,
	1, CKS_MAX_TIMEOUT_MS},
	{"max_attempts", CKS_ON_SERVER | CKS_ON_TABLE, CKS_KIND_INT, 1, 10},
	{"page_size", CKS_ON_SERVER | CKS_ON_TABLE, CKS_KIND_INT, 1, 1000},
	{"ca_file", CKS_ON_SERVER, CKS_KIND_CA_FILE},
	{"on_error", CKS_ON_SERVER | CKS_ON_TABLE, CKS_KIND_ON_ERROR},
	{"async_capable", CKS_ON_SERVER | CKS_ON_TABLE, CKS_KIND_BOOL},
	{"estimated_rows", CKS_ON_SERVER | CKS_ON_TABLE, CKS_KIND_POSITIVE_REAL},
	{"request_cost", CKS_ON_SERVER | CKS_ON_TABLE, CKS_KIND_NONNEGATIVE_REAL},

	{"access_key_id", CKS_ON_USER_MAPPING, CKS_KIND_CREDENTIAL},
	{"secret_access_key", CKS_ON_USER_MAPPING, CKS_KIND_CREDENTIAL},
	{"session_token", CKS_ON_USER_MAPPING, CKS_KIND_CREDENTIAL},
	{"role_arn", CKS_ON_USER_MAPPING, CKS_KIND_ROLE_ARN},
	{"external_id", CKS_ON_USER_MAPPING, CKS_KIND_EXTERNAL_ID},
	{"role_session_name", CKS_ON_USER_MAPPING, CKS_KIND_ROLE_SESSION_NAME},
	/* AWS's AssumeRole range; the role's own maximum may be lower */
	{"duration_seconds", CKS_ON_USER_MAPPING, CKS_KIND_INT, 900, 43200},
	{"credential_source", CKS_ON_USER_MAPPING, CKS_KIND_CREDENTIAL_SOURCE},

	{"column_name", CKS_ON_COLUMN, CKS_KIND_COLUMN_NAME},
};

/* A region that makes a valid host name, to check endpoint templates. */
#define CKS_SAMPLE_REGION	"us-east-1"

PG_FUNCTION_INFO_V1(cks_fdw_validator);

static void report_misplaced_option(const char *keyword, int where)
			pg_attribute_noreturn();


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

/* True if the byte cannot appear in an HTTP header or a URL as is. */
static bool
is_space_or_control(unsigned char c)
{
	return c <= ' ' || c == 0x7f;
}

/* True for the characters AWS's \w means: ASCII letters, digits, '_'. */
static bool
is_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_';
}

/* True if every character is a word character or one of "extra". */
static bool
all_word_chars_or(const char *value, const char *extra)
{
	for (const char *p = value; *p; p++)
	{
		if (!is_word_char((unsigned char) *p) && strchr(extra, *p) == NULL)
			return false;
	}
	return true;
}


/* ---------------------------------------------------------------------
 * One parsing function per kind of option.  Each ereports on a bad value
 * and returns the value in the form the scan uses.
 * ---------------------------------------------------------------------
 */

/*
 * A plain decimal integer in the option's range.  Not parse_int(): GUC
 * syntax would accept "0x10", "1.5" (rounded) and units, which have no
 * place in an option whose name already carries its unit.
 */
static int
int_option_value(DefElem *def)
{
	const CksOption *opt = find_option(def->defname);
	const char *value = defGetString(def);
	char	   *end;
	long		n;

	Assert(opt != NULL && opt->kind == CKS_KIND_INT);

	errno = 0;
	n = strtol(value, &end, 10);
	if (end == value || *end != '\0' || isspace((unsigned char) value[0]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for integer option \"%s\": \"%s\"",
						def->defname, value),
				 errhint("Valid values are integers from %d to %d.",
						 opt->min, opt->max)));
	if (errno == ERANGE || n < opt->min || n > opt->max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value \"%s\" is out of range for option \"%s\"",
						value, def->defname),
				 errhint("Valid values are integers from %d to %d.",
						 opt->min, opt->max)));
	return (int) n;
}

/*
 * A finite number, >= 0, or > 0 for CKS_KIND_POSITIVE_REAL.  parse_real()
 * is what postgres_fdw uses for its cost options; it rejects NaN but not
 * infinity, which would poison the planner's arithmetic.
 */
static double
real_option_value(DefElem *def)
{
	const CksOption *opt = find_option(def->defname);
	const char *value = defGetString(def);
	bool		positive;
	double		d;

	Assert(opt != NULL);
	positive = (opt->kind == CKS_KIND_POSITIVE_REAL);

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
static bool
on_error_warn_value(DefElem *def)
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
 * The shape of an AWS region name: two lower-case letters, one or more
 * lower-case words, a number ("us-east-1", "us-gov-west-1",
 * "ap-southeast-2").  A hand check of ^[a-z]{2}(-[a-z]+)+-[0-9]+$; it
 * matters because the region becomes part of a host name and of the
 * SigV4 credential scope.
 */
static bool
is_region_name(const char *name)
{
	const char *p = name;
	int			words = 0;

	if (!(p[0] >= 'a' && p[0] <= 'z' && p[1] >= 'a' && p[1] <= 'z'))
		return false;
	p += 2;

	/* one or more "-word" */
	while (p[0] == '-' && p[1] >= 'a' && p[1] <= 'z')
	{
		p++;
		while (*p >= 'a' && *p <= 'z')
			p++;
		words++;
	}
	if (words == 0)
		return false;

	/* then "-number" and nothing else */
	if (p[0] != '-' || !(p[1] >= '0' && p[1] <= '9'))
		return false;
	p++;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0';
}

/*
 * The region option: a comma-separated list, each element trimmed of
 * blanks.  Duplicates are dropped (a scan would otherwise return a
 * region's rows twice), the first occurrence keeping its place.
 */
List *
cks_parse_region_list(const char *value)
{
	List	   *regions = NIL;
	const char *p = value;

	for (;;)
	{
		const char *start;
		const char *end;
		const char *comma = strchr(p, ',');
		char	   *region;
		bool		seen = false;
		ListCell   *lc;

		end = comma ? comma : p + strlen(p);
		start = p;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;

		if (start == end)
		{
			if (comma == NULL && regions == NIL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"region\" must name at least one region"),
						 errhint("For example: region 'us-east-1' or region 'us-east-1,eu-west-1'.")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("empty region in option \"region\": \"%s\"", value),
					 errhint("Separate regions with single commas, as in 'us-east-1,eu-west-1'.")));
		}

		region = pnstrdup(start, end - start);
		if (!is_region_name(region))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid region \"%s\" in option \"region\"", region),
					 errhint("A region name is lower-case letters, digits and hyphens, like \"us-east-1\".")));

		foreach(lc, regions)
		{
			if (strcmp((char *) lfirst(lc), region) == 0)
				seen = true;
		}
		if (!seen)
			regions = lappend(regions, region);

		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return regions;
}

/*
 * Replace every "{region}" of an endpoint template.  Used at scan time for
 * each region, and by the endpoint check with a sample region.
 */
char *
cks_endpoint_for_region(const char *endpoint_template, const char *region)
{
	static const char placeholder[] = "{region}";
	StringInfoData buf;
	const char *p = endpoint_template;
	const char *hit;

	initStringInfo(&buf);
	while ((hit = strstr(p, placeholder)) != NULL)
	{
		appendBinaryStringInfo(&buf, p, hit - p);
		appendStringInfoString(&buf, region);
		p = hit + strlen(placeholder);
	}
	appendStringInfoString(&buf, p);
	return buf.data;
}

/* What is wrong with an endpoint URL, as found by endpoint_problem(). */
typedef enum EndpointProblem
{
	ENDPOINT_OK,
	ENDPOINT_BAD_CHARACTER,
	ENDPOINT_UNPARSABLE,
	ENDPOINT_BAD_SCHEME,
	ENDPOINT_NO_HOST,
	ENDPOINT_USERINFO,
	ENDPOINT_QUERY,
	ENDPOINT_FRAGMENT
} EndpointProblem;

/*
 * Parse a URL with libcurl's URL API (the parser that will use it) and
 * say what, if anything, makes it unfit as an endpoint.  The CURLU and
 * every string curl returns are freed before returning, so the caller can
 * ereport without leaking; nothing here pallocs or ereports while curl's
 * memory is held.  *curl_message gets curl's (static) explanation of a
 * parse failure.
 */
static EndpointProblem
endpoint_problem(const char *url, const char **curl_message)
{
	const char *authority;
	CURLU	   *h;
	CURLUcode	rc;
	char	   *part = NULL;
	EndpointProblem problem = ENDPOINT_OK;

	*curl_message = NULL;

	/* printable ASCII only: it becomes a Host header and a SigV4 input */
	for (const char *p = url; *p; p++)
	{
		if (is_space_or_control((unsigned char) *p) ||
			(unsigned char) *p >= 0x80)
			return ENDPOINT_BAD_CHARACTER;
	}

	/*
	 * curl guesses at "https:/host" and takes "https:///host" for
	 * "https://host"; an endpoint must say "scheme://host" plainly.
	 */
	authority = strstr(url, "://");
	if (authority == NULL)
		return ENDPOINT_BAD_SCHEME;
	authority += 3;

	/* an empty "?" or "#" is not reported by curl as a part */
	if (strchr(url, '#') != NULL)
		return ENDPOINT_FRAGMENT;
	if (strchr(url, '?') != NULL)
		return ENDPOINT_QUERY;

	h = curl_url();
	if (h == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));

	/* accept any scheme here so that ours is the message about it */
	rc = curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (rc == CURLUE_NO_HOST)
		problem = ENDPOINT_NO_HOST;
	else if (rc != CURLUE_OK)
	{
		problem = ENDPOINT_UNPARSABLE;
		*curl_message = curl_url_strerror(rc);
	}

	if (problem == ENDPOINT_OK &&
		curl_url_get(h, CURLUPART_USER, &part, 0) != CURLUE_NO_USER)
		problem = ENDPOINT_USERINFO;
	curl_free(part);
	part = NULL;

	if (problem == ENDPOINT_OK &&
		curl_url_get(h, CURLUPART_PASSWORD, &part, 0) != CURLUE_NO_PASSWORD)
		problem = ENDPOINT_USERINFO;
	curl_free(part);
	part = NULL;

	if (problem == ENDPOINT_OK &&
		(curl_url_get(h, CURLUPART_SCHEME, &part, 0) != CURLUE_OK ||
		 (strcmp(part, "http") != 0 && strcmp(part, "https") != 0)))
		problem = ENDPOINT_BAD_SCHEME;
	curl_free(part);
	part = NULL;

	if (problem == ENDPOINT_OK &&
		(authority[0] == '/' ||
		 curl_url_get(h, CURLUPART_HOST, &part, 0) != CURLUE_OK ||
		 part[0] == '\0'))
		problem = ENDPOINT_NO_HOST;
	curl_free(part);
	part = NULL;

	curl_url_cleanup(h);
	return problem;
}

/*
 * endpoint / sts_endpoint: an http:// or https:// URL with a host and
 * nothing else a signed request cannot carry.  "{region}" is checked as a
 * real region would be substituted.  The value is never echoed: a
 * malformed URL may still carry a password, and it may hold control
 * characters.
 */
static char *
endpoint_option_value(DefElem *def)
{
	const char *value = defGetString(def);
	char	   *url = cks_endpoint_for_region(value, CKS_SAMPLE_REGION);
	const char *curl_message;
	const char *hint = "An endpoint looks like \"https://kms.{region}.amazonaws.com\" or \"http://127.0.0.1:8080\".";

	switch (endpoint_problem(url, &curl_message))
	{
		case ENDPOINT_OK:
			break;
		case ENDPOINT_BAD_CHARACTER:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" contains a space, a control character or a non-ASCII character",
							def->defname),
					 errhint("%s", hint)));
			break;
		case ENDPOINT_UNPARSABLE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" is not a valid URL", def->defname),
					 errdetail("libcurl: %s.", curl_message),
					 errhint("%s", hint)));
			break;
		case ENDPOINT_BAD_SCHEME:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" must be an http:// or https:// URL",
							def->defname),
					 errhint("%s", hint)));
			break;
		case ENDPOINT_NO_HOST:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("URL in option \"%s\" has no host", def->defname),
					 errhint("%s", hint)));
			break;
		case ENDPOINT_USERINFO:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("URL in option \"%s\" must not contain a user name or password",
							def->defname),
					 errhint("Credentials belong in a user mapping: CREATE USER MAPPING ... OPTIONS (access_key_id '...', secret_access_key '...').")));
			break;
		case ENDPOINT_QUERY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("URL in option \"%s\" must not contain a query string",
							def->defname),
					 errhint("%s", hint)));
			break;
		case ENDPOINT_FRAGMENT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("URL in option \"%s\" must not contain a fragment",
							def->defname),
					 errhint("%s", hint)));
			break;
	}
	pfree(url);
	return pstrdup(value);
}

/*
 * ca_file: an absolute path, because it is opened by a backend whose
 * working directory is the data directory, not the user's.
 */
static char *
ca_file_option_value(DefElem *def)
{
	const char *value = defGetString(def);

	if (!is_absolute_path(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an absolute path: \"%s\"",
						def->defname, value),
				 errhint("For example: ca_file '/etc/ssl/certs/ca-certificates.crt'.")));
	return pstrdup(value);
}

/*
 * access_key_id, secret_access_key, session_token: they go verbatim into
 * HTTP headers and the signature, so a blank or a control character
 * (a pasted newline) is always a mistake and could split a header.  The
 * value itself is never shown.
 */
static char *
credential_option_value(DefElem *def)
{
	const char *value = defGetString(def);

	if (value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must not be empty", def->defname)));
	for (const char *p = value; *p; p++)
	{
		if (is_space_or_control((unsigned char) *p))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" contains a space or a control character",
							def->defname),
					 errhint("Check for a line break or blank copied along with the value.")));
	}
	return pstrdup(value);
}

/*
 * role_arn: an IAM role ARN, arn:<partition>:iam::<12-digit account>:role/
 * <path and name>.  Checked here so that a typo fails at CREATE USER
 * MAPPING rather than as an STS error on the first query.  Not echoed: it
 * names an account.
 */
static char *
role_arn_option_value(DefElem *def)
{
	const char *value = defGetString(def);
	const char *p = value;
	bool		ok = true;
	int			n;

	if (strncmp(p, "arn:", 4) != 0)
		ok = false;
	else
	{
		/* partition: aws, aws-cn, aws-us-gov, ... */
		p += 4;
		for (n = 0; (*p >= 'a' && *p <= 'z') || *p == '-'; n++)
			p++;
		if (n == 0 || strncmp(p, ":iam::", 6) != 0)
			ok = false;
		else
		{
			p += 6;
			for (n = 0; *p >= '0' && *p <= '9'; n++)
				p++;
			if (n != 12 || strncmp(p, ":role/", 6) != 0)
				ok = false;
			else
			{
				/* path and name: AWS's [\w+=,.@/-]+, not ending in '/' */
				p += 6;
				if (*p == '\0' || p[strlen(p) - 1] == '/' ||
					!all_word_chars_or(p, "+=,.@/-") || strlen(value) > 2048)
					ok = false;
			}
		}
	}

	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\"", def->defname),
				 errhint("A role ARN looks like \"arn:aws:iam::123456789012:role/name\".")));
	return pstrdup(value);
}

/* external_id: AWS's AssumeRole rules, 2 to 1224 of [\w+=,.@:/-]. */
static char *
external_id_option_value(DefElem *def)
{
	const char *value = defGetString(def);
	size_t		len = strlen(value);

	if (len < 2 || len > 1224 || !all_word_chars_or(value, "+=,.@:/-"))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\"", def->defname),
				 errhint("An external ID has 2 to 1224 characters: letters, digits and any of _+=,.@:/-")));
	return pstrdup(value);
}

/* role_session_name: AWS's AssumeRole rules, 2 to 64 of [\w+=,.@-]. */
static char *
role_session_name_option_value(DefElem *def)
{
	const char *value = defGetString(def);
	size_t		len = strlen(value);

	if (len < 2 || len > 64 || !all_word_chars_or(value, "+=,.@-"))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"",
						def->defname, value),
				 errhint("A role session name has 2 to 64 characters: letters, digits and any of _+=,.@-")));
	return pstrdup(value);
}

/*
 * credential_source (keyless.h): one of the exact lower-case words, like
 * on_error.
 */
static CksCredentialSource
credential_source_option_value(DefElem *def)
{
	const char *value = defGetString(def);
	CksCredentialSource source;

	if (!cks_credential_source_from_name(value, &source))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"",
						def->defname, value),
				 errhint("Valid values are " CKS_CREDENTIAL_SOURCE_VALUES ".")));
	return source;
}

/* column_name: the remote column it maps; an empty name maps nothing. */
static char *
column_name_option_value(DefElem *def)
{
	const char *value = defGetString(def);

	if (value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must not be empty", def->defname)));
	return pstrdup(value);
}

/*
 * Check one option's value with its kind's parsing function, throwing the
 * parsed value away.
 */
static void
check_option_value(const CksOption *opt, DefElem *def)
{
	switch (opt->kind)
	{
		case CKS_KIND_REGION_LIST:
			(void) cks_parse_region_list(defGetString(def));
			break;
		case CKS_KIND_ENDPOINT:
			(void) endpoint_option_value(def);
			break;
		case CKS_KIND_INT:
			(void) int_option_value(def);
			break;
		case CKS_KIND_POSITIVE_REAL:
		case CKS_KIND_NONNEGATIVE_REAL:
			(void) real_option_value(def);
			break;
		case CKS_KIND_BOOL:
			(void) defGetBoolean(def);
			break;
		case CKS_KIND_ON_ERROR:
			(void) on_error_warn_value(def);
			break;
		case CKS_KIND_CA_FILE:
			(void) ca_file_option_value(def);
			break;
		case CKS_KIND_CREDENTIAL:
			(void) credential_option_value(def);
			break;
		case CKS_KIND_ROLE_ARN:
			(void) role_arn_option_value(def);
			break;
		case CKS_KIND_EXTERNAL_ID:
			(void) external_id_option_value(def);
			break;
		case CKS_KIND_ROLE_SESSION_NAME:
			(void) role_session_name_option_value(def);
			break;
		case CKS_KIND_COLUMN_NAME:
			(void) column_name_option_value(def);
			break;
		case CKS_KIND_CREDENTIAL_SOURCE:
			(void) credential_source_option_value(def);
			break;
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
 * credential_source hands the database server's own AWS identity (its
 * instance role, task role, environment) to whoever uses the mapping, so
 * only a superuser may create or change such a mapping -- postgres_fdw's
 * rule for password_required 'false'.  Checked at CREATE/ALTER time, on the
 * complete option list: a non-superuser cannot alter any option of a
 * mapping that has it.
 */
static void
check_credential_source_privilege(void)
{
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to set option \"credential_source\""),
				 errdetail("It lends the database server's own AWS identity to the mapping's users."),
				 errhint("User mappings with a credential_source may only be created or modified by a superuser.")));
}

/*
 * ca_file makes the server process read a file of the user's choosing, so
 * it needs the right file_fdw asks for its filename option.  Checked at
 * CREATE/ALTER only: anyone may then use the server.
 */
static void
check_ca_file_privilege(void)
{
	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to set option \"ca_file\""),
				 errdetail("Only superusers and roles with privileges of the pg_read_server_files role may set it.")));
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
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const CksOption *opt = find_option(def->defname);

		if (opt == NULL || (opt->where & where) == 0)
			report_misplaced_option(def->defname, where);

		check_option_value(opt, def);

		if (opt->kind == CKS_KIND_CA_FILE)
			check_ca_file_privilege();
		if (opt->kind == CKS_KIND_CREDENTIAL_SOURCE)
			check_credential_source_privilege();
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
 * Apply one of the tuning options that a server sets and a foreign table
 * may override.  Other options are left alone.
 */
static void
apply_tuning_option(CksScanOptions *opts, DefElem *def)
{
	const char *name = def->defname;

	if (strcmp(name, "connect_timeout_ms") == 0)
		opts->connect_timeout_ms = int_option_value(def);
	else if (strcmp(name, "request_timeout_ms") == 0)
		opts->request_timeout_ms = int_option_value(def);
	else if (strcmp(name, "max_attempts") == 0)
		opts->max_attempts = int_option_value(def);
	else if (strcmp(name, "page_size") == 0)
		opts->page_size = int_option_value(def);
	else if (strcmp(name, "on_error") == 0)
		opts->on_error_warn = on_error_warn_value(def);
	else if (strcmp(name, "async_capable") == 0)
		opts->async_capable = defGetBoolean(def);
	else if (strcmp(name, "estimated_rows") == 0)
		opts->estimated_rows = real_option_value(def);
	else if (strcmp(name, "request_cost") == 0)
		opts->request_cost = real_option_value(def);
}

/*
 * Read a server's options, then the foreign table's overrides, over the
 * defaults of the interface page.  The region is required here rather
 * than by the validator so that a server can be created first and given
 * its regions later.
 */
void
cks_get_scan_options(Oid serverid, Oid foreigntableid, CksScanOptions *opts)
{
	ForeignServer *server = GetForeignServer(serverid);
	ListCell   *lc;

	memset(opts, 0, sizeof(*opts));
	opts->endpoint = pstrdup(CKS_DEFAULT_ENDPOINT);
	opts->sts_endpoint = pstrdup(CKS_DEFAULT_STS_ENDPOINT);
	opts->connect_timeout_ms = CKS_DEFAULT_CONNECT_TIMEOUT_MS;
	opts->request_timeout_ms = CKS_DEFAULT_REQUEST_TIMEOUT_MS;
	opts->max_attempts = CKS_DEFAULT_MAX_ATTEMPTS;
	opts->page_size = CKS_DEFAULT_PAGE_SIZE;
	opts->ca_file = NULL;
	opts->on_error_warn = false;
	opts->async_capable = true;
	opts->estimated_rows = CKS_DEFAULT_ESTIMATED_ROWS;
	opts->request_cost = CKS_DEFAULT_REQUEST_COST;

	foreach(lc, server->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "region") == 0)
			opts->regions = cks_parse_region_list(defGetString(def));
		else if (strcmp(def->defname, "endpoint") == 0)
			opts->endpoint = endpoint_option_value(def);
		else if (strcmp(def->defname, "sts_endpoint") == 0)
			opts->sts_endpoint = endpoint_option_value(def);
		else if (strcmp(def->defname, "ca_file") == 0)
			opts->ca_file = ca_file_option_value(def);
		else
			apply_tuning_option(opts, def);
	}

	if (OidIsValid(foreigntableid))
	{
		ForeignTable *table = GetForeignTable(foreigntableid);

		foreach(lc, table->options)
			apply_tuning_option(opts, (DefElem *) lfirst(lc));
	}

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
	ListCell   *lc;

	memset(opts, 0, sizeof(*opts));
	opts->role_session_name = pstrdup(CKS_DEFAULT_ROLE_SESSION_NAME);
	opts->duration_seconds = CKS_DEFAULT_DURATION_SECONDS;

	check_user_mapping_combination(user->options);

	foreach(lc, user->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const char *name = def->defname;

		if (strcmp(name, "access_key_id") == 0)
			opts->access_key_id = credential_option_value(def);
		else if (strcmp(name, "secret_access_key") == 0)
			opts->secret_access_key = credential_option_value(def);
		else if (strcmp(name, "session_token") == 0)
			opts->session_token = credential_option_value(def);
		else if (strcmp(name, "role_arn") == 0)
			opts->role_arn = role_arn_option_value(def);
		else if (strcmp(name, "external_id") == 0)
			opts->external_id = external_id_option_value(def);
		else if (strcmp(name, "role_session_name") == 0)
			opts->role_session_name = role_session_name_option_value(def);
		else if (strcmp(name, "duration_seconds") == 0)
			opts->duration_seconds = int_option_value(def);
		else if (strcmp(name, "credential_source") == 0)
			opts->credential_source = credential_source_option_value(def);
	}
}

/*
 * The name a column has in DescribeCustomKeyStores's terms: its
 * column_name option if set, so users may name their columns freely.
 */
char *
cks_column_remote_name(Oid relid, AttrNumber attnum)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "column_name") == 0)
			return column_name_option_value(def);
	}
	return get_attname(relid, attnum, false);
}
