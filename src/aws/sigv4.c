/*-------------------------------------------------------------------------
 *
 * sigv4.c
 *	  AWS Signature Version 4, header flavour, for the KMS and STS requests
 *	  cks_fdw sends.
 *
 *	  AWS rejects a request whose signature it cannot reproduce byte for
 *	  byte, so every canonicalisation rule here follows the published
 *	  algorithm and is checked against AWS's own test vectors (aws-c-auth
 *	  suite) and against botocore (tests/unit/test_sigv4.c).  Hashing and
 *	  HMAC come from OpenSSL; this file only builds the strings.
 *
 *	  Client core: no backend needed.  It reports failure through its
 *	  return value, never through elog, and never puts a secret in any
 *	  string it returns.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/stringinfo.h"
#include "aws/secrets.h"
#include "aws/sigv4.h"

#define SIGV4_ALGORITHM		"AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR	"aws4_request"
#define SHA256_LEN			32

/* One header as it enters the canonical form: lower-cased, value folded. */
typedef struct CanonicalHeader
{
	char	   *name;
	char	   *value;
	int			position;		/* order of appearance, to keep duplicates
								 * in the order the caller gave them */
} CanonicalHeader;

/* One query parameter, already in its SigV4 encoding. */
typedef struct QueryParam
{
	char	   *key;
	char	   *value;
} QueryParam;

/*
 * RFC 3986 unreserved characters: the only ones SigV4 leaves unencoded.
 * Written out rather than using isalnum() so that the locale cannot change
 * what we sign.
 */
static bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') ||
		c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * SigV4's URI encoding: every byte but the unreserved ones becomes %XX with
 * upper-case hex.  AWS computes the same encoding on its side, so any
 * deviation (lower-case hex, '+' for space) breaks the signature.  The path
 * keeps its '/' separators; query keys and values do not.
 */
static void
append_uri_encoded(StringInfo buf, const char *data, size_t len,
				   bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) data[i];

		if (is_unreserved(c) || (keep_slash && c == '/'))
			appendStringInfoChar(buf, (char) c);
		else
		{
			appendStringInfoChar(buf, '%');
			appendStringInfoChar(buf, hex[c >> 4]);
			appendStringInfoChar(buf, hex[c & 0x0F]);
		}
	}
}

static int
hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Undo percent-encoding of one query key or value, so that a parameter the
 * caller already encoded (%E1%88%B4) and one it did not (raw UTF-8) reach
 * the same canonical form.  A '%' not followed by two hex digits is kept as
 * a literal '%' (and so signed as %25).  '+' is kept literally: SigV4 does
 * not treat it as a space.
 */
static void
append_percent_decoded(StringInfo buf, const char *data, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		int			hi,
					lo;

		if (data[i] == '%' && i + 2 < len &&
			(hi = hex_digit_value(data[i + 1])) >= 0 &&
			(lo = hex_digit_value(data[i + 2])) >= 0)
		{
			appendStringInfoChar(buf, (char) ((hi << 4) | lo));
			i += 3;
		}
		else
		{
			appendStringInfoChar(buf, data[i]);
			i++;
		}
	}
}

/*
 * Decode then re-encode one query component: the canonical form must not
 * depend on how the caller chose to escape it.
 */
static char *
canonical_query_component(const char *data, size_t len)
{
	StringInfoData decoded;
	StringInfoData encoded;

	initStringInfo(&decoded);
	append_percent_decoded(&decoded, data, len);
	initStringInfo(&encoded);
	append_uri_encoded(&encoded, decoded.data, decoded.len, false);
	pfree(decoded.data);
	return encoded.data;
}

/*
 * For every service but S3, AWS signs the path after removing "." and ".."
 * segments and empty segments (duplicate slashes), keeping a trailing slash
 * when the original path had one.  "/a//b/../c/" therefore signs as "/a/c/".
 */
static char *
normalize_path(const char *path)
{
	size_t		path_len = strlen(path);
	const char **segments;
	size_t	   *lengths;
	int			nsegments = 0;
	int			max_segments = 1;
	const char *p;
	StringInfoData buf;
	int			i;

	for (p = path; *p; p++)
		if (*p == '/')
			max_segments++;
	segments = palloc(sizeof(const char *) * max_segments);
	lengths = palloc(sizeof(size_t) * max_segments);

	p = path;
	while (*p)
	{
		const char *end = strchr(p, '/');
		size_t		len = end ? (size_t) (end - p) : strlen(p);

		/* empty and "." segments are dropped; ".." drops its parent */
		if (len == 2 && p[0] == '.' && p[1] == '.')
		{
			if (nsegments > 0)
				nsegments--;
		}
		else if (len > 0 && !(len == 1 && p[0] == '.'))
		{
			segments[nsegments] = p;
			lengths[nsegments] = len;
			nsegments++;
		}
		p += len;
		if (*p == '/')
			p++;
	}

	initStringInfo(&buf);
	for (i = 0; i < nsegments; i++)
	{
		appendStringInfoChar(&buf, '/');
		appendBinaryStringInfo(&buf, segments[i], (int) lengths[i]);
	}
	if (nsegments == 0 || (path_len > 0 && path[path_len - 1] == '/'))
		appendStringInfoChar(&buf, '/');

	pfree(segments);
	pfree(lengths);
	return buf.data;
}

/*
 * The canonical URI.  The path is URI-encoded once more even though it was
 * sent encoded: that double encoding is what AWS expects from every
 * service but S3, and it is what the aws-c-auth vectors check (a raw space
 * signs as %20, an encoded one would sign as %2520).  normalize_path only
 * decides whether dot segments and duplicate slashes are removed first.
 */
static void
append_canonical_uri(StringInfo buf, const char *path, bool normalize)
{
	char	   *effective;

	if (path == NULL || path[0] == '\0')
		path = "/";
	effective = normalize ? normalize_path(path) : pstrdup(path);
	append_uri_encoded(buf, effective, strlen(effective), true);
	pfree(effective);
}

static int
compare_query_params(const void *a, const void *b)
{
	const QueryParam *pa = (const QueryParam *) a;
	const QueryParam *pb = (const QueryParam *) b;
	int			cmp = strcmp(pa->key, pb->key);

	if (cmp != 0)
		return cmp;
	return strcmp(pa->value, pb->value);
}

/*
 * The canonical query string: parameters re-encoded, sorted by key then
 * value (byte order of the encoded form, as AWS sorts), joined with '&',
 * and "key=" for a parameter that has no value.  Empty pieces ("a=1&&b=2")
 * carry no parameter and are dropped.
 */
static void
append_canonical_query(StringInfo buf, const char *query)
{
	QueryParam *params;
	int			nparams = 0;
	int			max_params = 1;
	const char *p;
	int			i;

	if (query == NULL || query[0] == '\0')
		return;

	for (p = query; *p; p++)
		if (*p == '&')
			max_params++;
	params = palloc(sizeof(QueryParam) * max_params);

	p = query;
	while (*p)
	{
		const char *end = strchr(p, '&');
		size_t		len = end ? (size_t) (end - p) : strlen(p);

		if (len > 0)
		{
			const char *eq = memchr(p, '=', len);
			size_t		key_len = eq ? (size_t) (eq - p) : len;

			params[nparams].key = canonical_query_component(p, key_len);
			if (eq)
				params[nparams].value =
					canonical_query_component(eq + 1, len - key_len - 1);
			else
				params[nparams].value = pstrdup("");
			nparams++;
		}
		p += len;
		if (*p == '&')
			p++;
	}

	qsort(params, nparams, sizeof(QueryParam), compare_query_params);
	for (i = 0; i < nparams; i++)
	{
		if (i > 0)
			appendStringInfoChar(buf, '&');
		appendStringInfo(buf, "%s=%s", params[i].key, params[i].value);
		pfree(params[i].key);
		pfree(params[i].value);
	}
	pfree(params);
}

static bool
is_header_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * A header value as SigV4 signs it: leading and trailing whitespace
 * removed and every inner run of whitespace, line breaks of a folded
 * multi-line value included, reduced to one space.  Proxies may re-fold
 * whitespace, so AWS signs the value with whitespace normalised.
 */
static char *
fold_header_value(const char *value)
{
	StringInfoData buf;
	const char *p = value ? value : "";
	bool		pending_space = false;

	initStringInfo(&buf);
	while (*p && is_header_space(*p))
		p++;
	for (; *p; p++)
	{
		if (is_header_space(*p))
			pending_space = true;
		else
		{
			if (pending_space)
				appendStringInfoChar(&buf, ' ');
			pending_space = false;
			appendStringInfoChar(&buf, *p);
		}
	}
	return buf.data;
}

static char *
lower_case_copy(const char *name)
{
	char	   *copy = pstrdup(name);
	char	   *p;

	for (p = copy; *p; p++)
		*p = (char) pg_ascii_tolower((unsigned char) *p);
	return copy;
}

/*
 * Sort by name, then by order of appearance: qsort is not stable, and a
 * duplicated header's values must be joined in the order they were given.
 */
static int
compare_headers(const void *a, const void *b)
{
	const CanonicalHeader *ha = (const CanonicalHeader *) a;
	const CanonicalHeader *hb = (const CanonicalHeader *) b;
	int			cmp = strcmp(ha->name, hb->name);

	if (cmp != 0)
		return cmp;
	return ha->position - hb->position;
}

/*
 * Canonical headers block and signed-headers list, built together because
 * they must list exactly the same names.  X-Amz-Date, and the session
 * token when there is one, are signed alongside the caller's headers: AWS
 * requires the date to be signed, and a signed token cannot be swapped by
 * whoever sees the request.
 */
static void
build_canonical_headers(const SigV4Request *req, const char *amz_date,
						const char *session_token,
						StringInfo canonical, StringInfo signed_names)
{
	int			max_headers = req->nheaders + 2;
	CanonicalHeader *headers = palloc(sizeof(CanonicalHeader) * max_headers);
	int			nheaders = 0;
	int			i;

	for (i = 0; i < req->nheaders; i++)
	{
		headers[nheaders].name = lower_case_copy(req->headers[i].name);
		headers[nheaders].value = fold_header_value(req->headers[i].value);
		headers[nheaders].position = nheaders;
		nheaders++;
	}
	headers[nheaders].name = pstrdup("x-amz-date");
	headers[nheaders].value = pstrdup(amz_date);
	headers[nheaders].position = nheaders;
	nheaders++;
	if (session_token != NULL)
	{
		headers[nheaders].name = pstrdup("x-amz-security-token");
		headers[nheaders].value = fold_header_value(session_token);
		headers[nheaders].position = nheaders;
		nheaders++;
	}

	qsort(headers, nheaders, sizeof(CanonicalHeader), compare_headers);

	for (i = 0; i < nheaders; i++)
	{
		bool		same_as_previous = (i > 0 &&
										strcmp(headers[i].name,
											   headers[i - 1].name) == 0);

		if (same_as_previous)
			appendStringInfo(canonical, ",%s", headers[i].value);
		else
		{
			if (i > 0)
			{
				appendStringInfoChar(canonical, '\n');
				appendStringInfoChar(signed_names, ';');
			}
			appendStringInfo(canonical, "%s:%s", headers[i].name,
							 headers[i].value);
			appendStringInfoString(signed_names, headers[i].name);
		}
	}
	appendStringInfoChar(canonical, '\n');

	/* one of the values is the session token */
	for (i = 0; i < nheaders; i++)
	{
		pfree(headers[i].name);
		cks_secret_free(headers[i].value);
	}
	pfree(headers);
}

/* An upper bound on the length of the canonical headers block. */
static int
canonical_headers_room(const SigV4Request *req, const char *session_token)
{
	size_t		room = 64 + (session_token ? strlen(session_token) + 32 : 0);
	int			i;

	for (i = 0; i < req->nheaders; i++)
		room += strlen(req->headers[i].name) + strlen(req->headers[i].value) + 4;
	return (int) room;
}

static void
hex_encode_lower(const unsigned char *data, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t		i;

	for (i = 0; i < len; i++)
	{
		out[2 * i] = hex[data[i] >> 4];
		out[2 * i + 1] = hex[data[i] & 0x0F];
	}
	out[2 * len] = '\0';
}

/*
 * SHA-256 through OpenSSL's EVP interface, which honours the configured
 * providers (FIPS included).  False when OpenSSL refuses, e.g. SHA-256 is
 * unavailable under the loaded providers.
 */
static bool
sha256(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	unsigned int out_len = 0;

	if (EVP_Digest(data, len, out, &out_len, EVP_sha256(), NULL) != 1)
		return false;
	return out_len == SHA256_LEN;
}

static bool
hmac_sha256(const unsigned char *key, size_t key_len,
			const char *data, size_t data_len,
			unsigned char out[SHA256_LEN])
{
	unsigned int out_len = 0;

	if (HMAC(EVP_sha256(), key, (int) key_len,
			 (const unsigned char *) data, data_len, out, &out_len) == NULL)
		return false;
	return out_len == SHA256_LEN;
}

void
sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char digest[SHA256_LEN];

	if (!sha256(data ? data : "", len, digest))
	{
		out[0] = '\0';
		return;
	}
	hex_encode_lower(digest, SHA256_LEN, out);
}

/*
 * The signing key: the secret is never used directly but chained through
 * date, region and service, so a leaked signing key is only good for one
 * day, region and service.  Every intermediate key is wiped: together with
 * the date and scope, any of them would let someone sign requests.
 */
static bool
derive_signing_key(const char *secret_access_key, const char *date8,
				   const char *region, const char *service,
				   unsigned char signing_key[SHA256_LEN])
{
	size_t		secret_len = strlen(secret_access_key);
	size_t		seed_len = 4 + secret_len;
	unsigned char *seed = palloc(seed_len + 1);
	unsigned char k_date[SHA256_LEN];
	unsigned char k_region[SHA256_LEN];
	unsigned char k_service[SHA256_LEN];
	bool		ok;

	memcpy(seed, "AWS4", 4);
	memcpy(seed + 4, secret_access_key, secret_len);

	ok = hmac_sha256(seed, seed_len, date8, strlen(date8), k_date) &&
		hmac_sha256(k_date, SHA256_LEN, region, strlen(region), k_region) &&
		hmac_sha256(k_region, SHA256_LEN, service, strlen(service),
					k_service) &&
		hmac_sha256(k_service, SHA256_LEN, SIGV4_TERMINATOR,
					strlen(SIGV4_TERMINATOR), signing_key);

	OPENSSL_cleanse(seed, seed_len);
	OPENSSL_cleanse(k_date, sizeof(k_date));
	OPENSSL_cleanse(k_region, sizeof(k_region));
	OPENSSL_cleanse(k_service, sizeof(k_service));
	pfree(seed);
	if (!ok)
		OPENSSL_cleanse(signing_key, SHA256_LEN);
	return ok;
}

/*
 * 'when' as SigV4's basic ISO-8601 timestamp.  False for a time gmtime
 * cannot represent or a year that does not fit the four-digit format.
 */
static bool
format_amz_date(time_t when, char out[17])
{
	struct tm	tm;

	if (gmtime_r(&when, &tm) == NULL ||
		tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return false;
	return strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) == 16;
}

/*
 * The canonical request (method, URI, query, headers, signed header names,
 * payload hash) into *canonical, and the signed header names into
 * *signed_names for the Authorization header.  Apart from sigv4_sign so
 * that the one place the session token is copied into growing buffers
 * stays short enough to check that they never grow.
 */
static void
build_canonical_request(const SigV4Request *req, const char *amz_date,
						const char *session_token, const char *payload_hash,
						StringInfo canonical, StringInfo signed_names)
{
	StringInfoData headers_block;

	/*
	 * The headers block and the canonical request hold the session token:
	 * both are sized up front, because growing a StringInfo would leave a
	 * piece of it in the buffer it leaves behind.
	 */
	initStringInfo(&headers_block);
	enlargeStringInfo(&headers_block, canonical_headers_room(req, session_token));
	initStringInfo(signed_names);
	build_canonical_headers(req, amz_date, session_token,
							&headers_block, signed_names);

	initStringInfo(canonical);
	/* a byte of path or query becomes at most "%25XX" (encoded twice) */
	enlargeStringInfo(canonical, strlen(req->method) + 5 * strlen(req->path) +
					  (req->query ? 5 * strlen(req->query) : 0) +
					  headers_block.len + signed_names->len + 64 + 8);
	appendStringInfo(canonical, "%s\n", req->method);
	append_canonical_uri(canonical, req->path, req->normalize_path);
	appendStringInfoChar(canonical, '\n');
	append_canonical_query(canonical, req->query);
	appendStringInfoChar(canonical, '\n');
	appendStringInfo(canonical, "%s\n%s\n%s",
					 headers_block.data, signed_names->data, payload_hash);
	cks_secret_free(headers_block.data);
}

/*
 * Sign req.  Returns false, with out->signature empty and the strings
 * NULL, only when OpenSSL fails or 'when' cannot be formatted; the caller
 * must then not send the request.
 */
bool
sigv4_sign(const SigV4Request *req,
		   const SigV4Credentials *creds,
		   const char *region,
		   const char *service,
		   time_t when,
		   SigV4Signature *out)
{
	StringInfoData canonical;
	StringInfoData signed_names;
	StringInfoData to_sign;
	char		payload_hash[65];
	char		request_hash[65];
	char		date8[9];
	char	   *scope;
	unsigned char signing_key[SHA256_LEN];
	unsigned char signature[SHA256_LEN];
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (!format_amz_date(when, out->amz_date))
		return false;
	memcpy(date8, out->amz_date, 8);
	date8[8] = '\0';

	sigv4_sha256_hex(req->body, req->body_len, payload_hash);
	if (payload_hash[0] == '\0')
		return false;

	build_canonical_request(req, out->amz_date, creds->session_token,
							payload_hash, &canonical, &signed_names);
	sigv4_sha256_hex(canonical.data, canonical.len, request_hash);
	scope = psprintf("%s/%s/%s/%s", date8, region, service, SIGV4_TERMINATOR);

	initStringInfo(&to_sign);
	appendStringInfo(&to_sign, "%s\n%s\n%s\n%s",
					 SIGV4_ALGORITHM, out->amz_date, scope, request_hash);

	ok = request_hash[0] != '\0' &&
		derive_signing_key(creds->secret_access_key, date8, region, service,
						   signing_key) &&
		hmac_sha256(signing_key, SHA256_LEN, to_sign.data, to_sign.len,
					signature);
	OPENSSL_cleanse(signing_key, sizeof(signing_key));

	if (!ok)
	{
		cks_secret_free(canonical.data);
		pfree(to_sign.data);
		pfree(signed_names.data);
		pfree(scope);
		return false;
	}

	hex_encode_lower(signature, SHA256_LEN, out->signature);
	out->canonical_request = canonical.data;
	out->string_to_sign = to_sign.data;
	out->authorization = psprintf("%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
								  SIGV4_ALGORITHM, creds->access_key_id, scope,
								  signed_names.data, out->signature);
	pfree(signed_names.data);
	pfree(scope);
	return true;
}
