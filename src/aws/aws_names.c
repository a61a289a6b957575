/*-------------------------------------------------------------------------
 *
 * aws_names.c
 *	  The grammars of region lists, ARNs, role ARNs, external ids, role
 *	  session names, account ids, endpoint and proxy URLs and no_proxy
 *	  lists, in one place and without a backend.
 *
 *	  options.c checks every option value through these functions at
 *	  CREATE/ALTER time and again when a scan reads it, and credentials.c
 *	  takes the account id of a role ARN from the same ARN parser, so a
 *	  value that passes CREATE USER MAPPING cannot fail differently on the
 *	  first query.  Nothing here throws: callers word the errors.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>

#include <curl/curl.h>

#include "aws/aws_names.h"
#include "lib/stringinfo.h"

/* AWS's length rules for AssumeRole parameters and role names. */
#define EXTERNAL_ID_MIN			2
#define EXTERNAL_ID_MAX			1224
#define ROLE_SESSION_NAME_MIN	2
#define ROLE_SESSION_NAME_MAX	64
#define ROLE_NAME_MAX			64

static bool
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* True for the characters AWS's \w means: ASCII letters, digits, '_'. */
static bool
is_word_char(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

/* True if each of the len bytes is a word character or one of "extra". */
static bool
all_word_chars_or(const char *value, size_t len, const char *extra)
{
	for (size_t i = 0; i < len; i++)
	{
		if (value[i] == '\0' ||
			(!is_word_char(value[i]) && strchr(extra, value[i]) == NULL))
			return false;
	}
	return true;
}

static bool
all_digits(const char *value, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		if (!is_digit(value[i]))
			return false;
	}
	return true;
}

/* A blank, a control character or DEL: never part of a name or URL. */
static bool
is_space_or_control(unsigned char c)
{
	return c <= ' ' || c == 0x7f;
}

bool
cks_is_printable_token(const char *value)
{
	for (const char *p = value; *p; p++)
	{
		if (is_space_or_control((unsigned char) *p))
			return false;
	}
	return true;
}

bool
cks_list_next(const char **cursor, const char **item, size_t *len)
{
	const char *start = *cursor;
	const char *comma;
	const char *end;

	if (start == NULL)
		return false;
	comma = strchr(start, ',');
	end = comma ? comma : start + strlen(start);
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*item = start;
	*len = end - start;
	*cursor = comma ? comma + 1 : NULL;
	return true;
}

/*
 * Two lower-case letters, one or more "-word", then "-number": a hand
 * check of ^[a-z]{2}(-[a-z]+)+-[0-9]+$.  It matters because the region
 * becomes part of a host name and of the SigV4 credential scope.
 */
bool
cks_is_region_name_n(const char *name, size_t len)
{
	const char *p = name;
	const char *end = name + len;
	int			words = 0;

	if (len < 2 || !is_lower(p[0]) || !is_lower(p[1]))
		return false;
	p += 2;

	while (end - p >= 2 && p[0] == '-' && is_lower(p[1]))
	{
		p++;
		while (p < end && is_lower(*p))
			p++;
		words++;
	}
	if (words == 0 || end - p < 2 || p[0] != '-' || !is_digit(p[1]))
		return false;
	p++;
	while (p < end && is_digit(*p))
		p++;
	return p == end;
}

bool
cks_is_region_name(const char *name)
{
	return cks_is_region_name_n(name, strlen(name));
}

const char *const cks_region_directions[] = {
	"east", "west", "north", "south", "central",
	"northeast", "northwest", "southeast", "southwest", NULL
};

/*
 * The last word of a region name (the one before "-number") must be a
 * compass direction.  AWS has named every region this way since 2006
 * (us-gov-west-1, cn-northwest-1, ap-southeast-7, il-central-1), and a
 * list of directions does not go stale the way a list of regions would.
 */
bool
cks_region_direction_known(const char *name, size_t len)
{
	const char *end = name + len;
	const char *word_end;
	const char *word;

	while (end > name && is_digit(end[-1]))
		end--;
	if (end == name || end[-1] != '-')
		return false;
	word_end = end - 1;
	word = word_end;
	while (word > name && word[-1] != '-')
		word--;
	for (int i = 0; cks_region_directions[i] != NULL; i++)
	{
		size_t		n = strlen(cks_region_directions[i]);

		if ((size_t) (word_end - word) == n &&
			strncmp(word, cks_region_directions[i], n) == 0)
			return true;
	}
	return false;
}

CksRegionListProblem
cks_check_region_list(const char *value, const char **bad, size_t *bad_len)
{
	const char *cursor = value;
	const char *item;
	size_t		len;
	bool		first = true;

	while (cks_list_next(&cursor, &item, &len))
	{
		if (len == 0)
			return (first && cursor == NULL) ? CKS_REGION_LIST_NONE :
				CKS_REGION_LIST_EMPTY_ELEMENT;
		if (!cks_is_region_name_n(item, len))
		{
			*bad = item;
			*bad_len = len;
			return CKS_REGION_LIST_BAD_REGION;
		}
		if (!cks_region_direction_known(item, len))
		{
			*bad = item;
			*bad_len = len;
			return CKS_REGION_LIST_UNKNOWN_DIRECTION;
		}
		first = false;
	}
	return CKS_REGION_LIST_OK;
}

/*
 * The partitions AWS has: "aws", "aws-cn", "aws-us-gov", the isolated
 * "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", ... and the European
 * Sovereign Cloud's "aws-eusc".  A fixed list rather than "aws-anything"
 * so that a typo fails here, not as an STS error.
 */
static bool
is_partition(const char *p, size_t len)
{
	static const char *const fixed[] = {"aws", "aws-cn", "aws-us-gov",
	"aws-iso", "aws-eusc"};

	for (int i = 0; i < lengthof(fixed); i++)
	{
		if (len == strlen(fixed[i]) && strncmp(p, fixed[i], len) == 0)
			return true;
	}
	/* aws-iso-<letters> */
	if (len > 8 && strncmp(p, "aws-iso-", 8) == 0)
	{
		for (size_t i = 8; i < len; i++)
		{
			if (!is_lower(p[i]))
				return false;
		}
		return true;
	}
	return false;
}

/* A service name: lower-case letters, digits and '-' ("iam", "kms"). */
static bool
is_service(const char *p, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		if (!is_lower(p[i]) && !is_digit(p[i]) && p[i] != '-')
			return false;
	}
	return true;
}

bool
cks_arn_parse(const char *arn, CksArn *out)
{
	const char *field[5];
	int			n = 0;
	size_t		total;

	if (arn == NULL || strncmp(arn, "arn:", 4) != 0)
		return false;
	total = strlen(arn);
	if (total > CKS_ARN_MAX_LEN || !cks_is_printable_token(arn))
		return false;

	/* field[i] points just after the i-th ':'; the resource may hold more */
	for (const char *p = arn; *p != '\0' && n < 5; p++)
	{
		if (*p == ':')
			field[n++] = p + 1;
	}
	if (n < 5)
		return false;

	out->partition = field[0];
	out->partition_len = field[1] - field[0] - 1;
	out->service = field[1];
	out->service_len = field[2] - field[1] - 1;
	out->region = field[2];
	out->region_len = field[3] - field[2] - 1;
	out->account = field[3];
	out->resource = field[4];

	return is_partition(out->partition, out->partition_len) &&
		is_service(out->service, out->service_len) &&
		(out->region_len == 0 ||
		 cks_is_region_name_n(out->region, out->region_len)) &&
		field[4] - field[3] - 1 == CKS_ACCOUNT_ID_LEN &&
		all_digits(out->account, CKS_ACCOUNT_ID_LEN) &&
		out->resource[0] != '\0';
}

/*
 * role/<path/>name: IAM's path ("/" or "/.../") of [\w+=,.@/-] and a name
 * of 1 to 64 [\w+=,.@-].  IAM roles are global: no region.
 */
bool
cks_is_role_arn(const char *arn)
{
	CksArn		parsed;
	const char *path;
	const char *name;

	if (!cks_arn_parse(arn, &parsed) ||
		parsed.service_len != 3 || strncmp(parsed.service, "iam", 3) != 0 ||
		parsed.region_len != 0 ||
		strncmp(parsed.resource, "role/", 5) != 0)
		return false;

	path = parsed.resource + 5;
	name = strrchr(path, '/');
	name = name ? name + 1 : path;
	return all_word_chars_or(path, name - path, "+=,.@/-") &&
		strstr(parsed.resource, "//") == NULL &&
		strlen(name) >= 1 && strlen(name) <= ROLE_NAME_MAX &&
		all_word_chars_or(name, strlen(name), "+=,.@-");
}

/* Replace every occurrence of placeholder in text by value; palloc'd. */
static char *
substitute(const char *text, const char *placeholder, const char *value)
{
	StringInfoData buf;
	const char *p = text;
	const char *hit;

	initStringInfo(&buf);
	while ((hit = strstr(p, placeholder)) != NULL)
	{
		appendBinaryStringInfo(&buf, p, hit - p);
		appendStringInfoString(&buf, value);
		p = hit + strlen(placeholder);
	}
	appendStringInfoString(&buf, p);
	return buf.data;
}

bool
cks_has_account_placeholder(const char *arn)
{
	return strstr(arn, CKS_ACCOUNT_PLACEHOLDER) != NULL;
}

char *
cks_role_arn_for_account(const char *arn_template, const char *account)
{
	return substitute(arn_template, CKS_ACCOUNT_PLACEHOLDER, account);
}

/*
 * The same grammar as a role ARN, checked on what STS will see: the
 * template with a sample account in place (the length limit included).
 */
bool
cks_is_role_arn_template(const char *arn)
{
	char	   *sample = cks_role_arn_for_account(arn, CKS_SAMPLE_ACCOUNT);
	bool		valid = cks_is_role_arn(sample);

	pfree(sample);
	return valid;
}

bool
cks_check_account_list(const char *value, const char **bad, size_t *bad_len)
{
	const char *cursor = value;
	const char *item;
	size_t		len;

	while (cks_list_next(&cursor, &item, &len))
	{
		if (len != CKS_ACCOUNT_ID_LEN || !all_digits(item, len))
		{
			*bad = item;
			*bad_len = len;
			return false;
		}
	}
	return true;
}

char *
cks_arn_account_id(const char *arn)
{
	CksArn		parsed;

	if (!cks_arn_parse(arn, &parsed))
		return NULL;
	return pnstrdup(parsed.account, CKS_ACCOUNT_ID_LEN);
}

bool
cks_is_account_id(const char *value)
{
	return strlen(value) == CKS_ACCOUNT_ID_LEN &&
		all_digits(value, CKS_ACCOUNT_ID_LEN);
}

bool
cks_is_external_id(const char *value)
{
	size_t		len = strlen(value);

	return len >= EXTERNAL_ID_MIN && len <= EXTERNAL_ID_MAX &&
		all_word_chars_or(value, len, "+=,.@:/-");
}

bool
cks_is_role_session_name(const char *value)
{
	size_t		len = strlen(value);

	return len >= ROLE_SESSION_NAME_MIN && len <= ROLE_SESSION_NAME_MAX &&
		all_word_chars_or(value, len, "+=,.@-");
}

bool
cks_profile_name_ok(const char *name)
{
	return name != NULL && name[0] != '\0' &&
		strlen(name) <= CKS_MAX_PROFILE_LEN &&
		cks_is_printable_token(name) && strpbrk(name, "[]") == NULL;
}

/*
 * Used at scan time for each region, and by the URL check with a sample
 * region, so both see the same URL.
 */
char *
cks_endpoint_for_region(const char *endpoint_template, const char *region)
{
	return substitute(endpoint_template, "{region}", region);
}

bool
cks_host_is_loopback(const char *host)
{
	char		bare[64];
	size_t		len = strlen(host);
	struct in_addr v4;
	struct in6_addr v6;

	if (pg_strcasecmp(host, "localhost") == 0)
		return true;
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
	{
		host++;
		len -= 2;
	}
	if (len >= sizeof(bare))
		return false;
	memcpy(bare, host, len);
	bare[len] = '\0';

	if (inet_pton(AF_INET, bare, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, bare, &v6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&v6) ||
			(IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
	return false;
}

/* The problems a URL can have before libcurl sees it. */
static CksUrlProblem
lexical_url_problem(const char *url)
{
	const char *authority;

	/* printable ASCII only: it becomes a Host header and a SigV4 input */
	for (const char *p = url; *p; p++)
	{
		if (is_space_or_control((unsigned char) *p) ||
			(unsigned char) *p >= 0x80)
			return CKS_URL_BAD_CHARACTER;
	}
	if (strchr(url, '{') != NULL || strchr(url, '}') != NULL)
		return CKS_URL_UNKNOWN_PLACEHOLDER;

	/*
	 * curl guesses at "https:/host" and takes "https:///host" for
	 * "https://host"; a URL must say "scheme://host" plainly.
	 */
	authority = strstr(url, "://");
	if (authority == NULL)
		return CKS_URL_BAD_SCHEME;
	if (authority[3] == '/' &&
		(pg_strncasecmp(url, "http://", 7) == 0 ||
		 pg_strncasecmp(url, "https://", 8) == 0))
		return CKS_URL_NO_HOST;

	/* an empty "?" or "#" is not reported by curl as a part */
	if (strchr(url, '#') != NULL)
		return CKS_URL_FRAGMENT;
	if (strchr(url, '?') != NULL)
		return CKS_URL_QUERY;
	return CKS_URL_OK;
}

/* True if the URL part is present (curl answers anything but "no such"). */
static bool
has_part(CURLU *h, CURLUPart what, CURLUcode absent)
{
	char	   *part = NULL;
	CURLUcode	rc = curl_url_get(h, what, &part, 0);

	curl_free(part);
	return rc != absent;
}

/* The problems of a URL libcurl has parsed. */
static CksUrlProblem
parsed_url_problem(CURLU *h, CksUrlUse use)
{
	char	   *scheme = NULL;
	char	   *host = NULL;
	char	   *path = NULL;
	CksUrlProblem problem = CKS_URL_OK;

	if (has_part(h, CURLUPART_USER, CURLUE_NO_USER) ||
		has_part(h, CURLUPART_PASSWORD, CURLUE_NO_PASSWORD))
		return CKS_URL_USERINFO;

	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		(strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		problem = CKS_URL_BAD_SCHEME;
	else if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
			 host[0] == '\0')
		problem = CKS_URL_NO_HOST;
	else if (use == CKS_URL_ENDPOINT && strcmp(scheme, "http") == 0 &&
			 !cks_host_is_loopback(host))
		problem = CKS_URL_HTTP_NOT_LOOPBACK;
	else if (use == CKS_URL_PROXY &&
			 curl_url_get(h, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
			 strcmp(path, "/") != 0 && path[0] != '\0')
		problem = CKS_URL_PATH;

	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	return problem;
}

CksUrlProblem
cks_url_problem(const char *url, CksUrlUse use, const char **curl_message)
{
	char	   *checked;
	CURLU	   *h;
	CURLUcode	rc;
	CksUrlProblem problem;

	*curl_message = NULL;
	checked = (use == CKS_URL_ENDPOINT) ?
		cks_endpoint_for_region(url, CKS_SAMPLE_REGION) : pstrdup(url);

	problem = lexical_url_problem(checked);
	if (problem == CKS_URL_OK)
	{
		h = curl_url();
		if (h == NULL)
		{
			pfree(checked);
			*curl_message = "out of memory";
			return CKS_URL_UNPARSABLE;
		}
		/* accept any scheme here so that ours is the message about it */
		rc = curl_url_set(h, CURLUPART_URL, checked, CURLU_NON_SUPPORT_SCHEME);
		if (rc == CURLUE_NO_HOST)
			problem = CKS_URL_NO_HOST;
		else if (rc != CURLUE_OK)
		{
			problem = CKS_URL_UNPARSABLE;
			*curl_message = curl_url_strerror(rc);
		}
		else
			problem = parsed_url_problem(h, use);
		curl_url_cleanup(h);
	}
	pfree(checked);
	return problem;
}

/*
 * Each element: a host name or domain (leading '.' allowed), an IPv4 or
 * IPv6 address, optionally a CIDR suffix, or "*" alone (libcurl's "every
 * host").  Elements are trimmed; none may be empty.
 */
bool
cks_is_no_proxy_list(const char *value)
{
	const char *cursor = value;
	const char *item;
	size_t		len;

	while (cks_list_next(&cursor, &item, &len))
	{
		if (len == 0)
			return false;
		if (len == 1 && item[0] == '*')
			continue;
		for (size_t i = 0; i < len; i++)
		{
			char		c = item[i];

			if (!is_lower(c) && !(c >= 'A' && c <= 'Z') && !is_digit(c) &&
				strchr(".-_:/[]", c) == NULL)
				return false;
		}
	}
	return true;
}

/* credential_source's words, in the order hints list them. */
static const struct
{
	const char *name;
	CksCredentialSource source;
}			source_names[] =
{
	{"instance", CKS_SOURCE_INSTANCE},
	{"container", CKS_SOURCE_CONTAINER},
	{"web_identity", CKS_SOURCE_WEB_IDENTITY},
	{"environment", CKS_SOURCE_ENVIRONMENT},
	{"chain", CKS_SOURCE_CHAIN},
};

bool
cks_credential_source_from_name(const char *name, CksCredentialSource *source)
{
	for (int i = 0; i < lengthof(source_names); i++)
	{
		if (strcmp(source_names[i].name, name) == 0)
		{
			*source = source_names[i].source;
			return true;
		}
	}
	return false;
}

const char *
cks_credential_source_name(CksCredentialSource source)
{
	for (int i = 0; i < lengthof(source_names); i++)
	{
		if (source_names[i].source == source)
			return source_names[i].name;
	}
	return "none";
}
