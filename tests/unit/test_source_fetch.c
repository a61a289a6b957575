/*-------------------------------------------------------------------------
 *
 * test_source_fetch.c
 *	  Unit tests of the credential sources' state machines
 *	  (src/source_fetch.c): every answer sequence a source can be driven
 *	  through, played to its end against a scripted transport.
 *
 *	  The answers are the ten of ANSWER_NAMES: a 200 with the body the
 *	  request asks for, a 200 with garbage, a 200 with nothing, 401, 403,
 *	  404, 405, 500, a timeout and a closed connection.  explore() plays a
 *	  sequence; whenever the source asks for one answer more than the
 *	  sequence has, each of the ten is tried in turn as the next one, so
 *	  every reachable sequence is played (a tree search, bounded because
 *	  the machines are: a sequence longer than CKS_FETCH_MAX_REQUESTS is a
 *	  failure).  After each run the promises of source_fetch.h are
 *	  checked: credentials or a failure with a detail, a failure kind that
 *	  fits the last answer, no request with a missing header value (the
 *	  issue 19 crash: a tokened GET after a refused token PUT), the
 *	  newest token on every tokened GET, no secret in the detail.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "source_fetch.h"
#include "unit.h"

enum
{
	A_GOOD, A_GARBAGE, A_EMPTY, A_401, A_403, A_404, A_405, A_500,
	A_TIMEOUT, A_CLOSED, N_ANSWERS
};

static const char *const ANSWER_NAMES[N_ANSWERS] = {
	"200", "200-garbage", "200-empty", "401", "403", "404", "405", "500",
	"timeout", "closed"
};

#define ENDPOINT		"http://127.0.0.1:1338"
#define CONTAINER_URL	"http://127.0.0.1:1338/v2/credentials/task-0001"
#define STS_URL			"http://127.0.0.1:1338"
#define ROLE_NAME		"cks-fetch-role"
#define KEY_ID			"ASIAFETCHTEST0000001"
#define SECRET_KEY		"fetch/test/secret/AAAAAAAAAAAAAAAAAAAAAAAA"
#define SESSION_TOKEN	"IQoJb3JpZ2luX2VjEFETCHTESTSESSIONTOKEN0123456789"
#define WEB_TOKEN		"eyJhbGciOiJSUzI1NiJ9.fetchtestwebidentitytoken.sig"
#define AUTH_TOKEN		"cks-fetch-test-authorization-token"
#define OLD_TOKEN		"AQAEAOLDSESSIONTOKENxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=="
#define MAX_SEQUENCE	64

typedef enum
{
	SRC_INSTANCE, SRC_CONTAINER, SRC_WEB_IDENTITY
} Source;

/* One configuration of a source: the sequences are played against it. */
typedef struct Config
{
	Source		source;
	int			attempts;		/* per request, metadata and STS */
	bool		v1_allowed;
	int			session;		/* 0: no token, 1: fresh, 2: past its TTL */
	bool		authorization;	/* container: send one */
} Config;

/* The scripted transport's state during one run. */
typedef struct Script
{
	const Config *config;
	int			answers[MAX_SEQUENCE];
	int			nanswers;
	int			used;			/* answers consumed */
	bool		wanted_more;	/* asked past the end of answers */
	int			tokens_issued;
	char		token[64];		/* the newest token a 200 PUT gave */
	int			last;			/* the last answer given */
	char		problem[256];	/* the first broken promise of a request */
} Script;

static int	sequences_played;
static int	runs_failed;

/* The newest token's text: a fresh one for each 200 PUT. */
static void
issue_token(Script *s)
{
	snprintf(s->token, sizeof(s->token),
			 "AQAEATOKEN%04dxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx==", ++s->tokens_issued);
}

/* The body a well-behaved service answers this request with. */
static char *
good_body(Script *s, const CksFetchRequest *req)
{
	const char *creds = strstr(req->url, "/security-credentials/");

	if (strcmp(req->method, "PUT") == 0)
	{
		issue_token(s);
		return pstrdup(s->token);
	}
	if (strcmp(req->method, "POST") == 0)
		return pstrdup("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
					   "<AssumeRoleWithWebIdentityResult><Credentials>"
					   "<AccessKeyId>" KEY_ID "</AccessKeyId>"
					   "<SecretAccessKey>" SECRET_KEY "</SecretAccessKey>"
					   "<SessionToken>" SESSION_TOKEN "</SessionToken>"
					   "<Expiration>2099-01-01T00:00:00Z</Expiration>"
					   "</Credentials></AssumeRoleWithWebIdentityResult>"
					   "</AssumeRoleWithWebIdentityResponse>");
	if (creds != NULL && creds[strlen("/security-credentials/")] == '\0')
		return pstrdup(ROLE_NAME "\n");
	return psprintf("{%s\"AccessKeyId\": \"" KEY_ID "\", "
					"\"SecretAccessKey\": \"" SECRET_KEY "\", "
					"\"Token\": \"" SESSION_TOKEN "\", "
					"\"Expiration\": \"2099-01-01T00:00:00Z\"}",
					creds ? "\"Code\": \"Success\", " : "");
}

/* An error body: STS's quotes the web identity token, to be redacted. */
static char *
error_body(const CksFetchRequest *req, long status)
{
	if (strcmp(req->method, "POST") == 0)
		return psprintf("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
						"<Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
						"<Message>HTTP %ld for token " WEB_TOKEN "</Message></Error>"
						"<RequestId>req-0001</RequestId></ErrorResponse>", status);
	return psprintf("HTTP %ld for " SECRET_KEY, status);
}

static void
broken(Script *s, const char *what)
{
	if (s->problem[0] == '\0')
		snprintf(s->problem, sizeof(s->problem), "request %d: %s", s->used, what);
}

/* What every request must be, whatever came before it. */
static void
check_request(Script *s, const CksFetchRequest *req)
{
	const char *base = s->config->source == SRC_CONTAINER ? CONTAINER_URL :
		s->config->source == SRC_WEB_IDENTITY ? STS_URL : ENDPOINT;

	if (req->url == NULL || strncmp(req->url, base, strlen(base)) != 0)
		broken(s, "a request to another URL");
	if (req->nheaders < 0 || (req->nheaders > 0 && req->headers == NULL))
		broken(s, "a header count without headers");
	for (int i = 0; i < req->nheaders; i++)
	{
		const CksHeader *h = &req->headers[i];

		if (h->name == NULL || h->value == NULL || h->value[0] == '\0')
		{
			broken(s, "a header without a value");
			return;
		}
		if (strcmp(h->name, IMDS_TOKEN_HEADER) == 0 &&
			strcmp(h->value, s->token) != 0)
			broken(s, "a tokened GET without the newest token");
		if (strcmp(h->name, "Authorization") == 0 &&
			strcmp(h->value, AUTH_TOKEN) != 0)
			broken(s, "another Authorization");
	}
	if ((req->body != NULL) != (strcmp(req->method, "POST") == 0))
		broken(s, "a body on a GET or PUT, or a POST without one");
}

/* The scripted transport: the next answer, or "closed" past the end. */
static void
script_send(void *arg, const CksFetchRequest *req, CksFetchAnswer *answer)
{
	Script	   *s = arg;
	int			kind = A_CLOSED;

	check_request(s, req);
	if (s->used < s->nanswers)
		kind = s->answers[s->used];
	else
		s->wanted_more = true;
	s->used++;
	s->last = kind;
	switch (kind)
	{
		case A_GOOD:
			answer->status = 200;
			answer->body = good_body(s, req);
			break;
		case A_GARBAGE:
			answer->status = 200;
			answer->body = pstrdup("<html>\r\n\tnot it\x01 " SECRET_KEY "</html>");
			break;
		case A_EMPTY:
			answer->status = 200;
			answer->body = pstrdup("");
			break;
		case A_TIMEOUT:
			snprintf(answer->error, sizeof(answer->error),
					 "Operation timed out after 1000 milliseconds with 0 bytes received");
			return;
		case A_CLOSED:
			snprintf(answer->error, sizeof(answer->error),
					 "Empty reply from server");
			return;
		default:
			answer->status = kind == A_401 ? 401 : kind == A_403 ? 403 :
				kind == A_404 ? 404 : kind == A_405 ? 405 : 500;
			answer->body = error_body(req, answer->status);
			break;
	}
	answer->body_len = strlen(answer->body);
	answer->request_id = pstrdup("req-0001");
}

/* The sequence, for messages: "401 403 200". */
static char *
describe(const Script *s, const char *what)
{
	char		buf[1024];
	size_t		used = 0;

	used += snprintf(buf, sizeof(buf), "source %d attempts %d v1 %d session %d auth %d: %s; answers:",
					 s->config->source, s->config->attempts,
					 s->config->v1_allowed, s->config->session,
					 s->config->authorization, what);
	for (int i = 0; i < s->used && used < sizeof(buf) - 16; i++)
		used += snprintf(buf + used, sizeof(buf) - used, " %s",
						 ANSWER_NAMES[i < s->nanswers ? s->answers[i] : A_CLOSED]);
	return pstrdup(buf);
}

static void
fail_run(const Script *s, const char *what)
{
	char	   *text = describe(s, what);

	/* one line per broken promise is plenty; count the rest */
	if (runs_failed++ < 20)
		unit_check(false, __FILE__, __LINE__, "state machine promise", text);
	pfree(text);
}

/* Whether text quotes any of the secrets in play. */
static bool
quotes_secret(const char *text, const Script *s)
{
	return strstr(text, SECRET_KEY) || strstr(text, SESSION_TOKEN) ||
		strstr(text, WEB_TOKEN) || strstr(text, AUTH_TOKEN) ||
		(s->token[0] && strstr(text, s->token)) || strstr(text, OLD_TOKEN);
}

/* The promises of source_fetch.h about the end of a fetch. */
static void
check_outcome(Script *s, CksFetchStatus status, const StsCredentials *out,
			  const char *detail, int requests, const CksImdsSession *session)
{
	bool		no_answer = s->last == A_TIMEOUT || s->last == A_CLOSED;

	if (s->problem[0])
		fail_run(s, s->problem);
	if (requests != s->used ||
		requests > CKS_FETCH_MAX_REQUESTS(s->config->attempts))
		fail_run(s, "more requests than the bound, or miscounted");
	if (status == CKS_FETCH_OK)
	{
		if (detail != NULL || out->access_key_id == NULL ||
			strcmp(out->access_key_id, KEY_ID) != 0 ||
			strcmp(out->secret_access_key, SECRET_KEY) != 0 ||
			strcmp(out->session_token, SESSION_TOKEN) != 0 ||
			s->last != A_GOOD)
			fail_run(s, "success without the credentials of a 200");
	}
	else if (status < CKS_FETCH_UNREACHABLE || status > CKS_FETCH_MALFORMED ||
			 detail == NULL || detail[0] == '\0' ||
			 detail[strlen(detail) - 1] != '.' ||
			 out->access_key_id || out->secret_access_key || out->session_token)
		fail_run(s, "a failure without a detail sentence, or with leftovers");
	else if ((status == CKS_FETCH_UNREACHABLE) != no_answer ||
			 (status == CKS_FETCH_MALFORMED &&
			  s->last != A_GOOD && s->last != A_GARBAGE && s->last != A_EMPTY))
		fail_run(s, "a failure kind that does not fit the last answer");
	else if (quotes_secret(detail, s))
		fail_run(s, "a detail that quotes a secret");
	if (session && session->token[0] && strcmp(session->token, s->token) != 0)
		fail_run(s, "a session token nobody issued last");
}

/* Play one sequence; true when the source asked for more answers. */
static bool
play(const Config *config, const int *answers, int nanswers)
{
	Script		s;
	CksFetchTransport t;
	CksImdsSession session;
	StsCredentials out;
	char	   *detail = NULL;
	CksFetchStatus status;

	memset(&s, 0, sizeof(s));
	s.config = config;
	memcpy(s.answers, answers, nanswers * sizeof(int));
	s.nanswers = nanswers;
	memset(&t, 0, sizeof(t));
	t.send = script_send;
	t.arg = &s;
	t.metadata_attempts = t.sts_attempts = config->attempts;
	t.now = 1000000;
	memset(&session, 0, sizeof(session));
	if (config->session)
	{
		strcpy(session.token, OLD_TOKEN);
		strcpy(s.token, OLD_TOKEN);
		session.refresh_at = config->session == 1 ? t.now + 100 : t.now - 1;
	}

	if (config->source == SRC_INSTANCE)
		status = cks_fetch_instance(&t, ENDPOINT, config->v1_allowed, &session,
									&out, &detail);
	else if (config->source == SRC_CONTAINER)
		status = cks_fetch_container(&t, CONTAINER_URL,
									 config->authorization ? AUTH_TOKEN : NULL,
									 &out, &detail);
	else
		status = cks_fetch_web_identity(&t, STS_URL,
										"Action=AssumeRoleWithWebIdentity&WebIdentityToken=" WEB_TOKEN,
										WEB_TOKEN, &out, &detail);
	sequences_played++;
	check_outcome(&s, status, &out, detail,  t.requests,
				  config->source == SRC_INSTANCE ? &session : NULL);
	sts_credentials_free(&out);
	if (detail)
		pfree(detail);
	return s.wanted_more;
}

/* Play answers, then every extension of it the source asks for. */
static void
explore(const Config *config, int *answers, int nanswers)
{
	if (!play(config, answers, nanswers))
		return;
	if (nanswers >= MAX_SEQUENCE - 1 ||
		nanswers > CKS_FETCH_MAX_REQUESTS(config->attempts))
		return;					/* check_outcome has reported it */
	for (int next = 0; next < N_ANSWERS; next++)
	{
		answers[nanswers] = next;
		explore(config, answers, nanswers + 1);
	}
}

/* Every sequence, every configuration. */
static void
test_every_sequence(void)
{
	int			answers[MAX_SEQUENCE];
	Config		c;
	int			before;

	for (int attempts = 1; attempts <= 2; attempts++)
	{
		memset(&c, 0, sizeof(c));
		c.attempts = attempts;
		c.source = SRC_INSTANCE;
		for (int v1 = 0; v1 <= 1; v1++)
			for (int session = 0; session <= 2; session++)
			{
				/* with retries, the richest start only: a fresh token that
				 * may go stale, and the fallback allowed */
				if (attempts > 1 && !(v1 && session == 1))
					continue;
				c.v1_allowed = v1;
				c.session = session;
				explore(&c, answers, 0);
			}
		c.source = SRC_CONTAINER;
		c.session = 0;
		for (int auth = 0; auth <= 1; auth++)
		{
			c.authorization = auth;
			explore(&c, answers, 0);
		}
		c.source = SRC_WEB_IDENTITY;
		explore(&c, answers, 0);
	}
	before = sequences_played;
	CHECK(before > 10000);
	CHECK(runs_failed == 0);
	printf("source_fetch: %d answer sequences played\n", sequences_played);
}

/*
 * The sequence of issue 19, named: a fresh token, a GET refused with 401,
 * the new token's PUT refused with 403 (also 404, 405), IMDSv1 allowed.
 * The fetch goes on without a token, and gets the credentials.
 */
static void
test_refused_token_falls_back(void)
{
	static const int refusals[] = {A_403, A_404, A_405};
	Config		c = {SRC_INSTANCE, 1, true, 1, false};

	for (int i = 0; i < lengthof(refusals); i++)
	{
		int			answers[] = {A_401, refusals[i], A_GOOD, A_GOOD};
		int			failed_before = runs_failed;

		CHECK(!play(&c, answers, lengthof(answers)));
		CHECK(runs_failed == failed_before);
	}
	/* the same without the fallback: a refusal naming the setting */
	{
		int			answers[] = {A_401, A_403};
		Script		s = {0};
		CksFetchTransport t = {script_send, &s, 1, 1, 1000000, 0};
		CksImdsSession session;
		StsCredentials out;
		char	   *detail;

		s.config = &c;
		memcpy(s.answers, answers, sizeof(answers));
		s.nanswers = lengthof(answers);
		strcpy(session.token, OLD_TOKEN);
		strcpy(s.token, OLD_TOKEN);
		session.refresh_at = t.now + 100;
		CHECK(cks_fetch_instance(&t, ENDPOINT, false, &session, &out,
								 &detail) == CKS_FETCH_REFUSED);
		CHECK(strstr(detail, "AWS_EC2_METADATA_V1_DISABLED=false") != NULL);
		CHECK(session.token[0] == '\0');
		CHECK(s.used == 2);
		pfree(detail);
	}
}

static void
test_url_origin(void)
{
	char	   *origin = cks_url_origin("http://127.0.0.1:9/v2/credentials/x");

	CHECK_STR(origin, "http://127.0.0.1:9");
	pfree(origin);
	origin = cks_url_origin("https://sts.amazonaws.com");
	CHECK_STR(origin, "https://sts.amazonaws.com");
	pfree(origin);
}

void
run_source_fetch_tests(void)
{
	test_url_origin();
	test_refused_token_falls_back();
	test_every_sequence();
}
