/*-------------------------------------------------------------------------
 *
 * sts.c
 *	  The STS side of the wire, without the networking: AssumeRole and
 *	  GetCallerIdentity form bodies (AWS Query protocol), their XML
 *	  responses and error documents, and the account id inside an ARN.
 *
 *	  Form values are percent-encoded with libcurl; XML is read through
 *	  xml.c, which does the hardening (no network, no DTD, no NUL).  This
 *	  file needs no backend: failures go back through return values and
 *	  CksAwsError.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <ctype.h>
#include <time.h>

#include <curl/curl.h>
#include "lib/stringinfo.h"
#include "aws/parse_guard.h"
#include "aws/secrets.h"
#include "aws/sts.h"
#include "aws/xml.h"

#define STS_XML_NAMESPACE	"https://sts.amazonaws.com/doc/2011-06-15/"

/*
 * Append "&name=value" with value percent-encoded as RFC 3986 wants: only
 * ALPHA / DIGIT / "-" / "." / "_" / "~" stay as they are, which is what
 * curl_easy_escape does and what botocore sends (so ':' and '/' of an ARN
 * become %3A and %2F, a space %20, never '+').
 */
static void
append_form_param(StringInfo buf, const char *name, const char *value)
{
	char	   *escaped = curl_easy_escape(NULL, value, (int) strlen(value));

	/*
	 * Room first, also for a DurationSeconds after it: growing buf would
	 * leave a copy of the value in the old buffer.
	 */
	enlargeStringInfo(buf, strlen(name) + 2 + (escaped ? strlen(escaped) : 0) + 32);
	appendStringInfo(buf, "&%s=%s", name, escaped ? escaped : "");
	/* the value may be the web identity token */
	if (escaped)
		explicit_bzero(escaped, strlen(escaped));
	curl_free(escaped);
}

/*
 * "Action=<action>&Version=...&RoleArn=...&RoleSessionName=...", the start
 * that AssumeRole and AssumeRoleWithWebIdentity share.
 */
static void
start_role_body(StringInfo buf, const char *action, const char *role_arn,
				const char *role_session_name)
{
	initStringInfo(buf);
	appendStringInfo(buf, "Action=%s&Version=" STS_API_VERSION, action);
	append_form_param(buf, "RoleArn", role_arn);
	append_form_param(buf, "RoleSessionName", role_session_name);
}

static void
append_duration(StringInfo buf, int duration_seconds)
{
	if (duration_seconds > 0)
		appendStringInfo(buf, "&DurationSeconds=%d", duration_seconds);
}

/*
 * Parameters in the order of the AssumeRole input shape, as botocore sends
 * them, after the Action and Version every Query request starts with.
 */
char *
sts_assume_role_body(const StsAssumeRoleParams *params)
{
	StringInfoData buf;

	start_role_body(&buf, "AssumeRole", params->role_arn,
					params->role_session_name);
	if (params->external_id != NULL)
		append_form_param(&buf, "ExternalId", params->external_id);
	append_duration(&buf, params->duration_seconds);
	return buf.data;
}

/*
 * AssumeRoleWithWebIdentity is sent unsigned: the token is the
 * credential.  Parameters in the order of its input shape, like botocore.
 */
char *
sts_web_identity_body(const StsWebIdentityParams *params)
{
	StringInfoData buf;

	start_role_body(&buf, "AssumeRoleWithWebIdentity", params->role_arn,
					params->role_session_name);
	append_form_param(&buf, "WebIdentityToken", params->web_identity_token);
	append_duration(&buf, params->duration_seconds);
	return buf.data;
}

char *
sts_get_caller_identity_body(void)
{
	return pstrdup("Action=GetCallerIdentity&Version=" STS_API_VERSION);
}

static const CksXmlNamespace sts_namespace = {STS_XML_NAMESPACE, "STS"};

/*
 * Text of child 'name' of parent; NULL (with *problem naming it, after
 * 'where') when absent or empty.  The problem never quotes the value, so a
 * secret cannot leak through it.
 */
static char *
required_child_text(xmlNodePtr parent, const char *where, const char *name,
					char **problem)
{
	xmlNodePtr	child = cks_xml_find_child(parent, &sts_namespace, name);
	char	   *text;

	if (child == NULL)
	{
		*problem = psprintf("response has no <%s/%s> element", where, name);
		return NULL;
	}
	text = cks_xml_element_text(child);
	if (text == NULL)
		*problem = psprintf("response element <%s/%s> is empty", where, name);
	return text;
}

static bool
digits_at(const char *s, int count)
{
	int			i;

	for (i = 0; i < count; i++)
	{
		if (!isdigit((unsigned char) s[i]))
			return false;
	}
	return true;
}

static int
number_at(const char *s, int count)
{
	int			value = 0;
	int			i;

	for (i = 0; i < count; i++)
		value = value * 10 + (s[i] - '0');
	return value;
}

/*
 * Parse an ISO 8601 UTC timestamp as STS writes it,
 * "YYYY-MM-DDTHH:MM:SS[.fraction]Z", into a time_t.  The fraction is dropped
 * (rounding an expiry down is the safe direction).  Anything else, or a date
 * that does not exist, is refused: a wrong expiry would make us reuse dead
 * credentials or hammer STS.
 */
bool
aws_parse_iso8601_utc(const char *text, time_t *result)
{
	const char *p = text;
	struct tm	tm;
	struct tm	check;
	time_t		t;

	if (strlen(text) < 20 ||
		!digits_at(p, 4) || p[4] != '-' || !digits_at(p + 5, 2) ||
		p[7] != '-' || !digits_at(p + 8, 2) || p[10] != 'T' ||
		!digits_at(p + 11, 2) || p[13] != ':' || !digits_at(p + 14, 2) ||
		p[16] != ':' || !digits_at(p + 17, 2))
		return false;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = number_at(p, 4) - 1900;
	tm.tm_mon = number_at(p + 5, 2) - 1;
	tm.tm_mday = number_at(p + 8, 2);
	tm.tm_hour = number_at(p + 11, 2);
	tm.tm_min = number_at(p + 14, 2);
	tm.tm_sec = number_at(p + 17, 2);

	p += 19;
	if (*p == '.')
	{
		p++;
		if (!isdigit((unsigned char) *p))
			return false;
		while (isdigit((unsigned char) *p))
			p++;
	}
	if (strcmp(p, "Z") != 0)
		return false;

	/* timegm normalizes "February 30"; a round trip catches it */
	check = tm;
	t = timegm(&check);
	if (t == (time_t) -1 ||
		check.tm_year != tm.tm_year || check.tm_mon != tm.tm_mon ||
		check.tm_mday != tm.tm_mday || check.tm_hour != tm.tm_hour ||
		check.tm_min != tm.tm_min || check.tm_sec != tm.tm_sec)
		return false;

	*result = t;
	return true;
}

/*
 * ': "value"' for a message about a malformed (non-secret) value, when the
 * value is short printable ASCII; otherwise "" -- a long or binary value
 * would only garble the message (or be cut inside a UTF-8 sequence).
 * Returns a static buffer, overwritten by the next call.
 */
static const char *
quoted_value(const char *value)
{
	static char buf[80];
	const char *c;

	if (strlen(value) > 64)
		return "";
	for (c = value; *c != '\0'; c++)
	{
		if ((unsigned char) *c < 0x20 || (unsigned char) *c > 0x7e)
			return "";
	}
	snprintf(buf, sizeof(buf), ": \"%s\"", value);
	return buf;
}

static void
set_bad_response(CksAwsError *err, long http_status, char *message)
{
	err->kind = CKS_ERR_BAD_RESPONSE;
	err->http_status = http_status;
	err->code = NULL;
	err->message = message;
	err->request_id = NULL;
}

void
sts_credentials_free(StsCredentials *creds)
{
	cks_secret_free(creds->access_key_id);
	cks_secret_free(creds->secret_access_key);
	cks_secret_free(creds->session_token);
	explicit_bzero(creds, sizeof(*creds));
}

/*
 * The three values go verbatim into the headers and the signature of every
 * request made with them: a CR or LF would inject headers of the
 * endpoint's choosing, so they obey the rule user-mapping credentials
 * obey.  The problem never quotes the value.
 */
static char *
check_credential_chars(const StsCredentials *creds, const char *where)
{
	if (!cks_credential_chars_ok(creds->access_key_id))
		return psprintf("response element <%s/AccessKeyId> contains a space or a control character", where);
	if (!cks_credential_chars_ok(creds->secret_access_key))
		return psprintf("response element <%s/SecretAccessKey> contains a space or a control character", where);
	if (!cks_credential_chars_ok(creds->session_token))
		return psprintf("response element <%s/SessionToken> contains a space or a control character", where);
	return NULL;
}

/*
 * Read the four Credentials fields; returns a palloc'd problem or NULL.
 * On a problem whatever was read is freed (secrets included).
 */
static char *
read_credentials(xmlNodePtr credentials, const char *where, StsCredentials *out)
{
	char	   *problem = NULL;
	char	   *expiration;

	out->access_key_id = required_child_text(credentials, where,
											 "AccessKeyId", &problem);
	if (problem == NULL)
		out->secret_access_key = required_child_text(credentials, where,
													 "SecretAccessKey",
													 &problem);
	if (problem == NULL)
		out->session_token = required_child_text(credentials, where,
												 "SessionToken", &problem);
	if (problem == NULL)
		problem = check_credential_chars(out, where);
	if (problem == NULL)
	{
		expiration = required_child_text(credentials, where, "Expiration",
										 &problem);
		if (problem == NULL)
		{
			if (!aws_parse_iso8601_utc(expiration, &out->expiration))
				problem = psprintf("response element <%s/Expiration> is not an ISO 8601 UTC timestamp%s",
								   where, quoted_value(expiration));
			pfree(expiration);
		}
	}

	if (problem != NULL)
		sts_credentials_free(out);
	return problem;
}

/*
 * AssumeRole and AssumeRoleWithWebIdentity answer with the same
 * Credentials element, under <Action>Response/<Action>Result.
 */
static bool
parse_credentials_response(const char *body, size_t len, long http_status,
						   const char *const *path, const char *where,
						   StsCredentials *out, CksAwsError *err)
{
	xmlDocPtr	doc;
	xmlNodePtr	credentials;
	char	   *problem;

	memset(out, 0, sizeof(*out));
	doc = cks_parse_xml(body, len, &problem);
	if (doc == NULL)
	{
		set_bad_response(err, http_status, problem);
		return false;
	}

	credentials = cks_xml_find_path(doc, &sts_namespace, path, 3, &problem);
	if (credentials != NULL)
		problem = read_credentials(credentials, where, out);
	/* the document's text nodes hold the secret key and the token */
	cks_xml_wipe_text(doc);
	cks_parse_xml_free(doc);

	if (problem != NULL)
	{
		set_bad_response(err, http_status, problem);
		return false;
	}
	return true;
}

bool
sts_parse_assume_role_response(const char *body, size_t len,
							   long http_status, StsCredentials *out,
							   CksAwsError *err)
{
	static const char *const path[] =
	{"AssumeRoleResponse", "AssumeRoleResult", "Credentials"};

	return parse_credentials_response(body, len, http_status, path,
									  "AssumeRoleResponse/AssumeRoleResult/Credentials",
									  out, err);
}

bool
sts_parse_web_identity_response(const char *body, size_t len,
								long http_status, StsCredentials *out,
								CksAwsError *err)
{
	static const char *const path[] =
	{"AssumeRoleWithWebIdentityResponse", "AssumeRoleWithWebIdentityResult",
	"Credentials"};

	return parse_credentials_response(body, len, http_status, path,
									  "AssumeRoleWithWebIdentityResponse/AssumeRoleWithWebIdentityResult/Credentials",
									  out, err);
}

static bool
is_account_id(const char *text)
{
	return strlen(text) == 12 && digits_at(text, 12);
}

bool
sts_parse_caller_identity_response(const char *body, size_t len,
								   long http_status, char **account_id,
								   CksAwsError *err)
{
	static const char *const path[] =
	{"GetCallerIdentityResponse", "GetCallerIdentityResult"};
	xmlDocPtr	doc;
	xmlNodePtr	result;
	char	   *problem;
	char	   *account = NULL;

	*account_id = NULL;
	doc = cks_parse_xml(body, len, &problem);
	if (doc == NULL)
	{
		set_bad_response(err, http_status, problem);
		return false;
	}

	result = cks_xml_find_path(doc, &sts_namespace, path, lengthof(path), &problem);
	if (result != NULL)
		account = required_child_text(result,
									  "GetCallerIdentityResponse/GetCallerIdentityResult",
									  "Account", &problem);
	cks_parse_xml_free(doc);

	if (problem == NULL && !is_account_id(account))
		problem = psprintf("response element <GetCallerIdentityResponse/GetCallerIdentityResult/Account> is not a 12-digit account id%s",
						   quoted_value(account));
	if (problem != NULL)
	{
		if (account != NULL)
			pfree(account);
		set_bad_response(err, http_status, problem);
		return false;
	}
	*account_id = account;
	return true;
}

/*
 * Error documents may come from STS or from whatever stands in front of it
 * (a proxy's HTML page, an empty 503), so without a <Code> we report the
 * status and the kind of body, never the body itself.
 */
void
sts_parse_error(long http_status, const char *request_id_header,
				const char *body, size_t len, CksAwsError *err)
{
	static const char *const path[] = {"ErrorResponse", "Error"};
	xmlDocPtr	doc;
	xmlNodePtr	error = NULL;
	xmlNodePtr	request_id_node = NULL;
	char	   *problem = NULL;
	char	   *code = NULL;
	char	   *message = NULL;
	char	   *request_id = NULL;
	bool		empty = true;
	size_t		i;

	for (i = 0; body != NULL && i < len; i++)
	{
		if (!isspace((unsigned char) body[i]))
		{
			empty = false;
			break;
		}
	}

	doc = empty ? NULL : cks_parse_xml(body, len, &problem);
	if (problem != NULL)
		pfree(problem);
	if (doc != NULL)
	{
		error = cks_xml_find_path(doc, &sts_namespace, path, lengthof(path), &problem);
		if (problem != NULL)
			pfree(problem);
		request_id_node = cks_xml_find_child(xmlDocGetRootElement(doc), &sts_namespace, "RequestId");
	}
	if (error != NULL)
	{
		xmlNodePtr	node;

		if ((node = cks_xml_find_child(error, &sts_namespace, "Code")) != NULL)
			code = cks_xml_element_text(node);
		if ((node = cks_xml_find_child(error, &sts_namespace, "Message")) != NULL)
			message = cks_xml_element_text(node);
	}
	if (request_id_node != NULL)
		request_id = cks_xml_element_text(request_id_node);
	if (request_id == NULL && request_id_header != NULL)
		request_id = pstrdup(request_id_header);

	err->http_status = http_status;
	err->request_id = request_id;
	err->code = code;
	if (code != NULL)
	{
		err->kind = CKS_ERR_AWS;
		err->message = message;
	}
	else
	{
		err->kind = CKS_ERR_BAD_RESPONSE;
		err->message = aws_error_without_code(http_status,
											  empty ? "an empty body" :
											  doc == NULL ? "a non-XML body" :
											  error == NULL ?
											  "an XML body that is not an STS error response" : NULL,
											  message);
		if (message != NULL)
			pfree(message);
	}

	if (doc != NULL)
		cks_parse_xml_free(doc);
}
