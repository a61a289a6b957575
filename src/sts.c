/*-------------------------------------------------------------------------
 *
 * sts.c
 *	  The STS side of the wire, without the networking: AssumeRole and
 *	  GetCallerIdentity form bodies (AWS Query protocol), their XML
 *	  responses and error documents, and the account id inside an ARN.
 *
 *	  Form values are percent-encoded with libcurl, XML is parsed with
 *	  libxml2.  The documents come from the network, so the parser never
 *	  loads anything and refuses any DTD before it is read (no entity
 *	  expansion, no "billion laughs").  This file needs no backend: failures
 *	  go back through return values and CksAwsError.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <ctype.h>
#include <limits.h>
#include <time.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lib/stringinfo.h"
#include "sts.h"

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

	appendStringInfo(buf, "&%s=%s", name, escaped ? escaped : "");
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

/* ----------------------------------------------------------------
 * XML parsing
 * ----------------------------------------------------------------
 */

/*
 * libxml2 wants xmlInitParser() before first use.  We never call
 * xmlCleanupParser(): other code in the backend may use libxml2 too.
 */
static void
ensure_xml_initialized(void)
{
	static bool initialized = false;

	if (!initialized)
	{
		xmlInitParser();
		initialized = true;
	}
}

/* Per-parse state the SAX hooks below can reach through ctxt->_private. */
typedef struct XmlParseGuard
{
	bool		saw_dtd;
} XmlParseGuard;

/*
 * Called by libxml2 when it meets <!DOCTYPE ...>, before any entity
 * declaration is read.  AWS never sends a DTD; one in a response can only
 * be an attack (entity expansion, external entities), so parsing stops
 * right here rather than trusting the parser's own limits.
 */
static void
refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *external_id,
		   const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr) ctx;
	XmlParseGuard *guard = (XmlParseGuard *) ctxt->_private;

	guard->saw_dtd = true;
	xmlStopParser(ctxt);
}

/*
 * Swallow libxml2's diagnostics: by default it prints them on stderr (the
 * server log).  We read the error back from the parser context instead and
 * put it in our own message.
 */
static void
ignore_xml_error(void *data, xmlErrorPtr error)
{
}

/*
 * The first line of libxml2's message for the last error.  Further lines,
 * when there are any, dump bytes of the input, which has no place in an
 * error message.
 */
static char *
xml_error_text(xmlParserCtxtPtr ctxt)
{
	xmlErrorPtr error = xmlCtxtGetLastError(ctxt);
	const char *message;
	size_t		len;

	if (error == NULL || error->message == NULL)
		return pstrdup("unknown error");
	message = error->message;
	len = strcspn(message, "\r\n");
	while (len > 0 && isspace((unsigned char) message[len - 1]))
		len--;
	return pnstrdup(message, len);
}

/*
 * Parse a response body into a document, or explain why not (*problem,
 * palloc'd).  The caller frees the document with xmlFreeDoc.
 *
 * XML_PARSE_NONET: never fetch anything.  No XML_PARSE_NOENT and no
 * XML_PARSE_DTDLOAD: entities are never substituted nor external subsets
 * loaded; and refuse_dtd stops the parse at any DOCTYPE anyway.
 */
static xmlDocPtr
parse_xml_body(const char *body, size_t len, char **problem)
{
	xmlParserCtxtPtr ctxt;
	XmlParseGuard guard = {false};
	xmlDocPtr	doc;
	const char *nul;

	*problem = NULL;
	if (body == NULL || len == 0)
	{
		*problem = pstrdup("response body is empty");
		return NULL;
	}
	if (len > (size_t) INT_MAX)
	{
		*problem = psprintf("response body is too large to parse (%zu bytes)",
							len);
		return NULL;
	}

	/*
	 * libxml2 takes a NUL byte in a memory buffer for the end of the input
	 * and would accept a well-formed prefix.  XML has no NUL character, so
	 * such a body is not XML.
	 */
	nul = memchr(body, '\0', len);
	if (nul != NULL)
	{
		*problem = psprintf("response body is not well-formed XML: NUL byte at offset %zu",
							(size_t) (nul - body));
		return NULL;
	}

	ensure_xml_initialized();
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
	{
		*problem = pstrdup("out of memory creating an XML parser");
		return NULL;
	}
	ctxt->_private = &guard;
	ctxt->sax->internalSubset = refuse_dtd;
	ctxt->sax->serror = ignore_xml_error;

	doc = xmlCtxtReadMemory(ctxt, body, (int) len, NULL, NULL,
							XML_PARSE_NONET | XML_PARSE_NOERROR |
							XML_PARSE_NOWARNING);

	if (guard.saw_dtd)
		*problem = pstrdup("response body contains a DTD, which is refused");
	else if (doc == NULL)
	{
		char	   *reason = xml_error_text(ctxt);

		*problem = psprintf("response body is not well-formed XML: %s",
							reason);
		pfree(reason);
	}
	if (*problem != NULL && doc != NULL)
	{
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

/*
 * Whether node is element 'name' of the STS namespace.  Documents without a
 * namespace are accepted too (some STS-compatible endpoints omit it), but an
 * element of another namespace is not the one we are looking for.
 */
static bool
is_sts_element(xmlNodePtr node, const char *name)
{
	if (node->type != XML_ELEMENT_NODE ||
		xmlStrcmp(node->name, (const xmlChar *) name) != 0)
		return false;
	return node->ns == NULL || node->ns->href == NULL ||
		xmlStrcmp(node->ns->href, (const xmlChar *) STS_XML_NAMESPACE) == 0;
}

/* First child element 'name' of parent, or NULL. */
static xmlNodePtr
find_child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr	child;

	for (child = parent->children; child != NULL; child = child->next)
	{
		if (is_sts_element(child, name))
			return child;
	}
	return NULL;
}

/*
 * Follow a path of element names below the root, which must itself be
 * path[0].  On failure returns NULL and *problem (palloc'd) names the first
 * element that is missing, as a slash-separated path.
 */
static xmlNodePtr
find_path(xmlDocPtr doc, const char *const *path, int depth, char **problem)
{
	xmlNodePtr	node = xmlDocGetRootElement(doc);
	StringInfoData where;
	int			i;

	*problem = NULL;
	if (node == NULL || !is_sts_element(node, path[0]))
	{
		if (node != NULL &&
			xmlStrcmp(node->name, (const xmlChar *) path[0]) == 0)
			*problem = psprintf("response root element <%s> is not in the STS namespace",
								path[0]);
		else if (node != NULL)
			*problem = psprintf("response root element is <%s>, expected <%s>",
								(const char *) node->name, path[0]);
		else
			*problem = psprintf("response has no <%s> element", path[0]);
		return NULL;
	}

	initStringInfo(&where);
	appendStringInfoString(&where, path[0]);
	for (i = 1; i < depth; i++)
	{
		appendStringInfo(&where, "/%s", path[i]);
		node = find_child(node, path[i]);
		if (node == NULL)
		{
			*problem = psprintf("response has no <%s> element", where.data);
			break;
		}
	}
	pfree(where.data);
	return node;
}

/*
 * Text content of an element with surrounding whitespace dropped (AWS's own
 * documentation examples wrap long tokens over several indented lines);
 * NULL when the element is empty, since none of the values we read can
 * legitimately be.  palloc'd.
 */
static char *
element_text(xmlNodePtr node)
{
	xmlChar    *content = xmlNodeGetContent(node);
	const char *start;
	const char *end;
	char	   *text = NULL;

	if (content == NULL)
		return NULL;
	start = (const char *) content;
	end = start + strlen(start);
	while (start < end && isspace((unsigned char) *start))
		start++;
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	if (end > start)
		text = pnstrdup(start, end - start);
	xmlFree(content);
	return text;
}

/*
 * Text of child 'name' of parent; NULL (with *problem naming it, after
 * 'where') when absent or empty.  The problem never quotes the value, so a
 * secret cannot leak through it.
 */
static char *
required_child_text(xmlNodePtr parent, const char *where, const char *name,
					char **problem)
{
	xmlNodePtr	child = find_child(parent, name);
	char	   *text;

	if (child == NULL)
	{
		*problem = psprintf("response has no <%s/%s> element", where, name);
		return NULL;
	}
	text = element_text(child);
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
	if (creds->access_key_id)
		pfree(creds->access_key_id);
	if (creds->secret_access_key)
		pfree(creds->secret_access_key);
	if (creds->session_token)
		pfree(creds->session_token);
	memset(creds, 0, sizeof(*creds));
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
	doc = parse_xml_body(body, len, &problem);
	if (doc == NULL)
	{
		set_bad_response(err, http_status, problem);
		return false;
	}

	credentials = find_path(doc, path, 3, &problem);
	if (credentials != NULL)
		problem = read_credentials(credentials, where, out);
	xmlFreeDoc(doc);

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
	doc = parse_xml_body(body, len, &problem);
	if (doc == NULL)
	{
		set_bad_response(err, http_status, problem);
		return false;
	}

	result = find_path(doc, path, lengthof(path), &problem);
	if (result != NULL)
		account = required_child_text(result,
									  "GetCallerIdentityResponse/GetCallerIdentityResult",
									  "Account", &problem);
	xmlFreeDoc(doc);

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

	doc = empty ? NULL : parse_xml_body(body, len, &problem);
	if (problem != NULL)
		pfree(problem);
	if (doc != NULL)
	{
		error = find_path(doc, path, lengthof(path), &problem);
		if (problem != NULL)
			pfree(problem);
		request_id_node = find_child(xmlDocGetRootElement(doc), "RequestId");
	}
	if (error != NULL)
	{
		xmlNodePtr	node;

		if ((node = find_child(error, "Code")) != NULL)
			code = element_text(node);
		if ((node = find_child(error, "Message")) != NULL)
			message = element_text(node);
	}
	if (request_id_node != NULL)
		request_id = element_text(request_id_node);
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
		xmlFreeDoc(doc);
}

/*
 * arn:partition:service:region:account-id:resource.  The resource may
 * itself contain ':' (arn:aws:iam::123456789012:role/x is fine, and so is
 * ...:function:name:alias), so only the first five separators count.  The
 * partition must look like an AWS one ("aws", "aws-cn", "aws-us-gov",
 * "aws-iso-b", ...).
 */
char *
arn_account_id(const char *arn)
{
	const char *field[5];
	const char *p;
	int			n = 0;
	const char *partition_end;
	const char *c;

	if (arn == NULL || strncmp(arn, "arn:", 4) != 0)
		return NULL;

	/* field[i] points just after the i-th ':' */
	for (p = arn; *p != '\0' && n < 5; p++)
	{
		if (*p == ':')
			field[n++] = p + 1;
	}
	if (n < 5)
		return NULL;

	/* partition: "aws" or "aws-" followed by lower-case letters, digits, '-' */
	partition_end = field[1] - 1;
	if (partition_end - field[0] < 3 || strncmp(field[0], "aws", 3) != 0)
		return NULL;
	if (partition_end - field[0] > 3)
	{
		if (field[0][3] != '-' || partition_end - field[0] == 4)
			return NULL;
		for (c = field[0] + 4; c < partition_end; c++)
		{
			if (!(islower((unsigned char) *c) || isdigit((unsigned char) *c) ||
				  *c == '-'))
				return NULL;
		}
	}

	/* service must be present; region may be empty (IAM, S3) */
	if (field[2] - field[1] < 2)
		return NULL;
	/* account: exactly 12 digits, followed by a non-empty resource */
	if (field[4] - field[3] != 13 || !digits_at(field[3], 12) ||
		field[4][0] == '\0')
		return NULL;

	return pnstrdup(field[3], 12);
}
