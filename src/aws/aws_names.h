/*-------------------------------------------------------------------------
 *
 * aws_names.h
 *	  The grammars of the names users write in cks_fdw options: region
 *	  lists, ARNs (one parser for every use), role ARNs, external ids, role
 *	  session names, account ids, endpoint and proxy URLs, no_proxy lists.
 *
 *	  Frontend-safe and backend-free: each check answers yes or no (or
 *	  names the problem) and never throws, so options.c words the errors,
 *	  and tests/unit/test_names.c and fuzz/fuzz_names.c call it alone.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_AWS_NAMES_H
#define CKS_AWS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* Longest ARN accepted anywhere; IAM's own limit for a role ARN. */
#define CKS_ARN_MAX_LEN			2048
#define CKS_ACCOUNT_ID_LEN		12

/* A region that makes a valid host name, to check endpoint templates. */
#define CKS_SAMPLE_REGION		"us-east-1"

/*
 * The next element of a comma-separated list, blanks (space, tab) trimmed.
 * *cursor starts at the list and is NULL after its last element; an empty
 * list is one empty element.  Returns false when there is none left.
 */
extern bool cks_list_next(const char **cursor, const char **item, size_t *len);

/* An AWS region name: "us-east-1", "us-gov-west-1", "ap-southeast-2". */
extern bool cks_is_region_name(const char *name);
extern bool cks_is_region_name_n(const char *name, size_t len);

typedef enum CksRegionListProblem
{
	CKS_REGION_LIST_OK,
	CKS_REGION_LIST_NONE,		/* nothing but blanks */
	CKS_REGION_LIST_EMPTY_ELEMENT,	/* "a,,b", ",a", "a," */
	CKS_REGION_LIST_BAD_REGION,	/* *bad, *bad_len: the element */
	CKS_REGION_LIST_UNKNOWN_DIRECTION	/* well-formed, but its last word is
										 * no compass direction: *bad is the
										 * element */
} CksRegionListProblem;

/*
 * True if the word before a region's number is one of the compass
 * directions every AWS region name ends in ("east", "southeast",
 * "central", ...), so that "us-est-1" is caught while a region AWS opens
 * later ("xx-central-9") is still accepted.  name must be a region name.
 */
extern bool cks_region_direction_known(const char *name, size_t len);

/* The compass directions, NULL-terminated, for "perhaps you meant". */
extern const char *const cks_region_directions[];

/*
 * Check a region option value; on BAD_REGION or UNKNOWN_DIRECTION, point
 * at the element.
 */
extern CksRegionListProblem cks_check_region_list(const char *value,
												  const char **bad,
												  size_t *bad_len);

/*
 * arn:partition:service:region:account-id:resource, split in place
 * (pointers into the ARN, with lengths).  The resource runs to the end
 * and may contain ':'.
 */
typedef struct CksArn
{
	const char *partition;
	size_t		partition_len;
	const char *service;
	size_t		service_len;
	const char *region;			/* may be empty (IAM, STS) */
	size_t		region_len;
	const char *account;		/* CKS_ACCOUNT_ID_LEN digits */
	const char *resource;		/* non-empty, NUL-terminated */
} CksArn;

/*
 * The one ARN parser: true for an ARN of an AWS partition (aws, aws-cn,
 * aws-us-gov, aws-iso*, aws-eusc) that names an account.  Every field is
 * checked against its own grammar, so "arn:foo:..." is refused here and
 * not later by whoever uses the ARN.
 */
extern bool cks_arn_parse(const char *arn, CksArn *out);

/* An IAM role ARN: arn:<partition>:iam::<account>:role/<path/>name. */
extern bool cks_is_role_arn(const char *arn);

/* The account id of an ARN, palloc'd, or NULL if cks_arn_parse refuses
 * it. */
extern char *cks_arn_account_id(const char *arn);

/* Exactly twelve ASCII digits. */
extern bool cks_is_account_id(const char *value);

/*
 * Role ARN templates for the server option "accounts": "{account}" stands
 * for each account.  A template is valid when it names a role once a
 * sample account is put in its place; a plain role ARN is a template too.
 */
#define CKS_ACCOUNT_PLACEHOLDER		"{account}"
#define CKS_SAMPLE_ACCOUNT			"123456789012"
extern bool cks_is_role_arn_template(const char *arn);
extern bool cks_has_account_placeholder(const char *arn);
/* The template with every "{account}" replaced; palloc'd. */
extern char *cks_role_arn_for_account(const char *arn_template,
									  const char *account);

/* The value of "accounts" that asks AWS Organizations for the list. */
#define CKS_ACCOUNTS_ORGANIZATION	"organization"

/*
 * An "accounts" list: comma-separated 12-digit ids.  Returns false with
 * the bad element (*bad, *bad_len; an empty one for "a,,b") otherwise.
 */
extern bool cks_check_account_list(const char *value, const char **bad,
								   size_t *bad_len);

/* AssumeRole's grammars: ExternalId 2..1224 of [\w+=,.@:/-],
 * RoleSessionName 2..64 of [\w+=,.@-]. */
extern bool cks_is_external_id(const char *value);
extern bool cks_is_role_session_name(const char *value);

/* True if no byte is a blank, a control character or DEL. */
extern bool cks_is_printable_token(const char *value);

/* The longest profile name the profile option takes. */
#define CKS_MAX_PROFILE_LEN		128

/*
 * A profile of an AWS shared-credentials file (the profile option):
 * 1 to CKS_MAX_PROFILE_LEN printable characters without a space or a
 * bracket.
 */
extern bool cks_profile_name_ok(const char *name);

/* Substitute every "{region}" of an endpoint template; palloc'd. */
extern char *cks_endpoint_for_region(const char *endpoint_template,
									 const char *region);

/* What an endpoint or proxy URL is checked for. */
typedef enum CksUrlUse
{
	CKS_URL_ENDPOINT,			/* {region} allowed; http:// to loopback only */
	CKS_URL_PROXY				/* no path */
} CksUrlUse;

typedef enum CksUrlProblem
{
	CKS_URL_OK,
	CKS_URL_BAD_CHARACTER,		/* blank, control or non-ASCII */
	CKS_URL_UNKNOWN_PLACEHOLDER,	/* a '{' or '}' other than {region} */
	CKS_URL_UNPARSABLE,			/* libcurl's reason in *curl_message */
	CKS_URL_BAD_SCHEME,			/* not http:// or https:// */
	CKS_URL_NO_HOST,
	CKS_URL_USERINFO,			/* user name or password */
	CKS_URL_QUERY,
	CKS_URL_FRAGMENT,
	CKS_URL_PATH,				/* a proxy URL with a path */
	CKS_URL_HTTP_NOT_LOOPBACK	/* plain http:// to a host not on loopback */
} CksUrlProblem;

/*
 * Check a URL the way libcurl, which will use it, parses it.  For an
 * endpoint, "{region}" is replaced by a sample region first.  *curl_message
 * is a static string (or NULL).
 */
extern CksUrlProblem cks_url_problem(const char *url, CksUrlUse use,
									 const char **curl_message);

/*
 * A host that can only be this machine: 127.0.0.0/8, ::1 (also
 * IPv4-mapped), or "localhost", which libcurl resolves to loopback itself.
 * Brackets around an IPv6 address are allowed.
 */
extern bool cks_host_is_loopback(const char *host);

/* A no_proxy value: comma-separated host names, domains (".example.com"),
 * IP addresses or CIDR blocks, or "*". */
extern bool cks_is_no_proxy_list(const char *value);

/*
 * The values of the user mapping option credential_source, each naming
 * one of the database server's own identities (credentials/keyless.h
 * says how each is fetched).
 */
typedef enum CksCredentialSource
{
	CKS_SOURCE_NONE = 0,		/* keys in the user mapping */
	CKS_SOURCE_ENVIRONMENT,		/* the postmaster's AWS_ACCESS_KEY_ID ... */
	CKS_SOURCE_WEB_IDENTITY,	/* token file + AssumeRoleWithWebIdentity */
	CKS_SOURCE_CONTAINER,		/* ECS / EKS Pod Identity endpoint */
	CKS_SOURCE_INSTANCE,		/* EC2 IMDSv2 */
	CKS_SOURCE_CHAIN			/* the first of the above that is set up */
} CksCredentialSource;

#define CKS_SOURCE_COUNT	(CKS_SOURCE_CHAIN + 1)

/* For hints: the values credential_source takes. */
#define CKS_CREDENTIAL_SOURCE_VALUES \
	"\"instance\", \"container\", \"web_identity\", \"environment\" and \"chain\""

/* 'instance' -> CKS_SOURCE_INSTANCE ...; false for any other word. */
extern bool cks_credential_source_from_name(const char *name,
											CksCredentialSource *source);

/* The option value that names a source ("instance"). */
extern const char *cks_credential_source_name(CksCredentialSource source);

#endif							/* CKS_AWS_NAMES_H */
