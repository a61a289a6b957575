/*-------------------------------------------------------------------------
 *
 * fuzz_fetch.c
 *	  libFuzzer target for the credential sources' state machines
 *	  (src/source_fetch.c): the instance metadata service (IMDSv2 and its
 *	  IMDSv1 fallback), the container endpoint and AssumeRoleWithWebIdentity,
 *	  each driven through a transport that answers with what the input
 *	  says -- any status, any body, no answer -- in any order.
 *
 *	  Input: one configuration byte (source, IMDSv1 allowed, a session
 *	  token held, attempts per request, an authorization token), then
 *	  answers: a kind byte (its low nibble picks the status from STATUSES,
 *	  0 meaning no answer; its high nibble 0 asks for the body a well-
 *	  behaved service would send, anything else for a body from the input:
 *	  two length bytes, then the bytes).  Past the end of the input every
 *	  request gets no answer.
 *
 *	  Promises checked (broken_promise aborts, libFuzzer keeps the input):
 *	  the fetch ends within CKS_FETCH_MAX_REQUESTS; no request carries a
 *	  header without a value, nor a token other than the newest one a
 *	  200 PUT gave; success means credentials fit for headers and no
 *	  detail, failure a detail sentence, no leftovers, and a kind that fits
 *	  the last answer; no detail quotes the tokens the fetch holds, and a
 *	  metadata source's detail quotes nothing of any answer.  ASan and UBSan
 *	  catch the rest (and LeakSanitizer an answer left unfreed).
 *
 *	  Built as frontend code by "make fuzz"; run by tests/suites/fuzz.sh.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <stdint.h>

#include "fuzz_common.h"
#include "keyless.h"
#include "source_fetch.h"

#define ENDPOINT		"http://127.0.0.1:1338"
#define CONTAINER_URL	"http://127.0.0.1:1338/v2/credentials/task"
#define WEB_TOKEN		"eyJhbGciOiJSUzI1NiJ9.fuzzwebidentitytoken.sig"
#define AUTH_TOKEN		"cks-fuzz-authorization-token"
#define OLD_TOKEN		"AQAEAFUZZOLDSESSIONTOKENxxxxxxxxxxxxxxxxxxxxxxx=="
#define GOOD_TOKEN		"AQAEAFUZZNEWSESSIONTOKENyyyyyyyyyyyyyyyyyyyyyyy=="

static const long STATUSES[16] = {
	200, 200, 401, 403, 404, 405, 500, 503, 400, 301, 204, 0, 0, 429, 299, 100
};

typedef struct Fuzzed
{
	const uint8_t *data;
	size_t		size;
	size_t		pos;
	int			source;			/* 0 instance, 1 container, 2 web identity */
	int			requests;
	long		last_status;
	bool		last_answered;	/* the last request got a status */
	char		newest[IMDS_MAX_TOKEN_LEN + 1];	/* the token GETs must carry */
} Fuzzed;

static int
next_byte(Fuzzed *f)
{
	return f->pos < f->size ? f->data[f->pos++] : -1;
}

/* The body a well-behaved service answers this request with. */
static char *
good_body(const CksFetchRequest *req)
{
	const char *creds = strstr(req->url, "/security-credentials/");

	if (strcmp(req->method, "PUT") == 0)
		return pstrdup(GOOD_TOKEN);
	if (strcmp(req->method, "POST") == 0)
		return pstrdup("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
					   "<AssumeRoleWithWebIdentityResult><Credentials>"
					   "<AccessKeyId>ASIAFUZZ000000000001</AccessKeyId>"
					   "<SecretAccessKey>fuzz/secret/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</SecretAccessKey>"
					   "<SessionToken>IQoJb3JpZ2luFUZZSESSIONTOKEN</SessionToken>"
					   "<Expiration>2099-01-01T00:00:00Z</Expiration>"
					   "</Credentials></AssumeRoleWithWebIdentityResult>"
					   "</AssumeRoleWithWebIdentityResponse>");
	if (creds != NULL && creds[strlen("/security-credentials/")] == '\0')
		return pstrdup("cks-fuzz-role\n");
	return psprintf("{%s\"AccessKeyId\": \"ASIAFUZZ000000000001\", "
					"\"SecretAccessKey\": \"fuzz/secret/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", "
					"\"Token\": \"IQoJb3JpZ2luFUZZSESSIONTOKEN\", "
					"\"Expiration\": \"2099-01-01T00:00:00Z\"}",
					creds ? "\"Code\": \"Success\", " : "");
}

/* What every request must be, whatever came before. */
static void
check_request(Fuzzed *f, const CksFetchRequest *req)
{
	if (req->url == NULL || req->method == NULL ||
		(req->nheaders > 0 && req->headers == NULL))
		broken_promise("fuzz_fetch", "a request without a URL, method or headers");
	for (int i = 0; i < req->nheaders; i++)
	{
		const CksHeader *h = &req->headers[i];

		if (h->name == NULL || h->value == NULL ||
			cks_header_value_problem(h->value, 65536, true) != NULL)
			broken_promise("fuzz_fetch", "a header without a usable value");
		if (strcmp(h->name, IMDS_TOKEN_HEADER) == 0 &&
			strcmp(h->value, f->newest) != 0)
			broken_promise("fuzz_fetch", "a tokened GET without the newest token");
	}
}

/* The transport: the next answer of the input. */
static void
fuzzed_send(void *arg, const CksFetchRequest *req, CksFetchAnswer *answer)
{
	Fuzzed	   *f = arg;
	int			kind = next_byte(f);
	size_t		len;

	check_request(f, req);
	f->requests++;
	if (kind < 0 || STATUSES[kind & 15] == 0)
	{
		snprintf(answer->error, sizeof(answer->error), "%s",
				 kind < 0 ? "Empty reply from server" : "Operation timed out");
		f->last_answered = false;
		return;
	}
	answer->status = STATUSES[kind & 15];
	if ((kind >> 4) == 0)
	{
		answer->body = good_body(req);
		len = strlen(answer->body);
	}
	else
	{
		int			hi = next_byte(f);
		int			lo = next_byte(f);

		len = (size_t) (hi < 0 ? 0 : hi) << 8 | (lo < 0 ? 0 : lo);
		if (len > f->size - f->pos)
			len = f->size - f->pos;
		answer->body = palloc(len + 1);
		memcpy(answer->body, f->data + f->pos, len);
		answer->body[len] = '\0';
		f->pos += len;
	}
	answer->body_len = len;
	f->last_answered = true;
	f->last_status = answer->status;
	/* a 200 PUT with a usable token: the GETs that follow must carry it */
	if (strcmp(req->method, "PUT") == 0 && answer->status == 200 &&
		imds_token_problem(answer->body, answer->body_len) == NULL)
		memcpy(f->newest, answer->body, answer->body_len + 1);
}

/* A success status for the source: 200, or any 2xx for STS. */
static bool
success_status(const Fuzzed *f)
{
	return f->last_answered &&
		(f->last_status == 200 ||
		 (f->source == 2 && f->last_status >= 200 && f->last_status < 300));
}

static void
check_outcome(const Fuzzed *f, int attempts, CksFetchStatus status,
			  const StsCredentials *out, const char *detail)
{
	if (f->requests > CKS_FETCH_MAX_REQUESTS(attempts))
		broken_promise("fuzz_fetch", "more requests than the bound");
	if (status == CKS_FETCH_OK)
	{
		char	   *problem;

		if (detail != NULL || !success_status(f))
			broken_promise("fuzz_fetch", "success without a 200, or with a detail");
		if (!cks_check_credentials(out, false, &problem))
			broken_promise("fuzz_fetch", "accepted credentials unfit for a header");
		return;
	}
	if (detail == NULL || detail[0] == '\0' ||
		detail[strlen(detail) - 1] != '.' ||
		out->access_key_id || out->secret_access_key || out->session_token)
		broken_promise("fuzz_fetch", "a failure without a detail, or with leftovers");
	if ((status == CKS_FETCH_UNREACHABLE) == f->last_answered ||
		(status == CKS_FETCH_MALFORMED && !success_status(f)))
		broken_promise("fuzz_fetch", "a failure kind that does not fit the last answer");
	/* the token the fetch holds, even where an answer quotes it */
	if (strstr(detail, f->source == 0 ? OLD_TOKEN :
			   f->source == 1 ? AUTH_TOKEN : WEB_TOKEN))
		broken_promise("fuzz_fetch", psprintf("a detail that quotes a secret: %s", detail));
	/* the metadata sources quote no answer at all */
	if (f->source != 2 &&
		(strstr(detail, GOOD_TOKEN) || strstr(detail, "fuzz/secret/") ||
		 strstr(detail, "FUZZSESSIONTOKEN")))
		broken_promise("fuzz_fetch", "a metadata detail that quotes an answer");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Fuzzed		f;
	CksFetchTransport t;
	CksImdsSession session;
	StsCredentials out;
	char	   *detail = NULL;
	CksFetchStatus status;
	int			config;

	memset(&f, 0, sizeof(f));
	f.data = data;
	f.size = size;
	config = next_byte(&f);
	if (config < 0)
		return 0;
	f.source = (config & 3) % 3;
	memset(&t, 0, sizeof(t));
	t.send = fuzzed_send;
	t.arg = &f;
	t.metadata_attempts = t.sts_attempts = 1 + ((config >> 5) & 1);
	t.now = 1000000;
	memset(&session, 0, sizeof(session));
	if ((config >> 3) & 3)
	{
		strcpy(session.token, OLD_TOKEN);
		strcpy(f.newest, OLD_TOKEN);
		session.refresh_at = ((config >> 3) & 3) == 1 ? t.now + 100 : t.now - 1;
	}

	if (f.source == 0)
		status = cks_fetch_instance(&t, ENDPOINT, (config >> 2) & 1, &session,
									&out, &detail);
	else if (f.source == 1)
		status = cks_fetch_container(&t, CONTAINER_URL,
									 (config >> 6) & 1 ? AUTH_TOKEN : NULL,
									 &out, &detail);
	else
		status = cks_fetch_web_identity(&t, ENDPOINT,
										"Action=AssumeRoleWithWebIdentity&WebIdentityToken=" WEB_TOKEN,
										WEB_TOKEN, &out, &detail);
	if (t.requests != f.requests)
		broken_promise("fuzz_fetch", "requests miscounted");
	check_outcome(&f, t.metadata_attempts, status, &out, detail);
	sts_credentials_free(&out);
	if (detail)
		pfree(detail);
	return 0;
}
