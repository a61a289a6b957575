/*-------------------------------------------------------------------------
 *
 * source_fetch.c
 *	  What each answer of a metadata service or of STS means for the
 *	  credential source that asked: the IMDSv2 token handshake and its
 *	  IMDSv1 fallback, the role name and credentials GETs, the container
 *	  endpoint's GET and the AssumeRoleWithWebIdentity POST.  Backend-free;
 *	  see source_fetch.h.
 *
 *	  The endpoint may be hostile or broken, so no answer is trusted to
 *	  come in the expected order: every step checks the state it needs
 *	  (a request never goes out with a missing header value), every loop
 *	  is bounded by a flag that only goes one way, and every answer is
 *	  wiped and freed on every path.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "source_fetch.h"

#include "aws_error.h"
#include "keyless.h"
#include "secrets.h"

/* Fetch a new IMDSv2 token this long before the old one's TTL ends. */
#define IMDS_TOKEN_MARGIN_SECS	60

/* An answer's body may hold credentials or a token: wipe it, free it all. */
static void
answer_free(CksFetchAnswer *a)
{
	if (a->body)
	{
		explicit_bzero(a->body, a->body_len);
		pfree(a->body);
	}
	if (a->request_id)
		pfree(a->request_id);
	memset(a, 0, sizeof(*a));
}

static bool
worth_retrying(const CksFetchAnswer *a)
{
	return a->status == 0 || a->status >= 500;
}

/*
 * Send req, again while there is no answer or a 5xx one, up to the
 * transport's attempts for its kind of request.  *answer is the last.
 */
static void
fetch_send(CksFetchTransport *t, const CksFetchRequest *req,
		   CksFetchAnswer *answer)
{
	int			max = req->to_sts ? t->sts_attempts : t->metadata_attempts;
	int			attempts = 0;

	for (;;)
	{
		memset(answer, 0, sizeof(*answer));
		t->send(t->arg, req, answer);
		attempts++;
		t->requests++;
		answer->error[sizeof(answer->error) - 1] = '\0';
		if (answer->body == NULL)
			answer->body_len = 0;
		if (!worth_retrying(answer) || attempts >= max)
			break;
		answer_free(answer);
	}
	answer->attempts = attempts;
}

char *
cks_url_origin(const char *url)
{
	const char *host = strstr(url, "://");
	const char *end;

	if (host == NULL)
		return pstrdup(url);
	end = strchr(host + 3, '/');
	return end ? pnstrdup(url, end - url) : pstrdup(url);
}

/*
 * No answer, or one that is not a success: *detail says which (never
 * the body), the answer is freed.
 */
static CksFetchStatus
answer_failed(const char *what, const char *url, CksFetchAnswer *a,
			  char **detail)
{
	char	   *origin = cks_url_origin(url);
	CksFetchStatus status;

	if (a->status == 0)
	{
		*detail = psprintf("Could not reach the %s at %s after %d attempt%s: %s.",
						   what, origin, a->attempts,
						   a->attempts == 1 ? "" : "s",
						   a->error[0] ? a->error : "no answer");
		status = CKS_FETCH_UNREACHABLE;
	}
	else
	{
		*detail = psprintf("The %s at %s answered HTTP %ld.",
						   what, origin, a->status);
		status = CKS_FETCH_REFUSED;
	}
	pfree(origin);
	answer_free(a);
	return status;
}

/* A 200 answer holding a JSON credentials document into *out. */
static CksFetchStatus
read_document(CksFetchAnswer *a, bool require_code, StsCredentials *out,
			  char **detail)
{
	char	   *problem = NULL;
	bool		ok;

	ok = cks_parse_credentials_document(a->body ? a->body : "", a->body_len,
										require_code, out, &problem);
	answer_free(a);
	if (ok)
		return CKS_FETCH_OK;
	*detail = psprintf("The credentials answer is malformed: %s.", problem);
	pfree(problem);
	return CKS_FETCH_MALFORMED;
}

void
cks_imds_session_forget(CksImdsSession *session)
{
	explicit_bzero(session->token, sizeof(session->token));
	session->refresh_at = 0;
}

/* One instance fetch in progress. */
typedef struct ImdsFetch
{
	CksFetchTransport *t;
	const char *endpoint;
	bool		v1_allowed;
	CksImdsSession *session;
	bool		v1;				/* IMDSv1 from here on: the token was
								 * refused and the fallback is allowed */
} ImdsFetch;

/* The answer to a refused token PUT (403, 404, 405): fall back or fail. */
static CksFetchStatus
token_refused(ImdsFetch *f, long status, char **detail)
{
	char	   *origin;

	if (f->v1_allowed)
	{
		f->v1 = true;
		return CKS_FETCH_OK;
	}
	origin = cks_url_origin(f->endpoint);
	*detail = psprintf("The instance metadata service at %s refused an IMDSv2 session token (HTTP %ld), and the IMDSv1 fallback is off (set AWS_EC2_METADATA_V1_DISABLED=false to allow it).",
					   origin, status);
	pfree(origin);
	return CKS_FETCH_REFUSED;
}

/*
 * Make sure the fetch can send its GETs: the session holds a fresh token
 * (kept, or fetched with PUT /latest/api/token), or the fetch has fallen
 * back to IMDSv1.
 */
static CksFetchStatus
imds_token(ImdsFetch *f, char **detail)
{
	CksHeader	ttl = {IMDS_TOKEN_TTL_HEADER, IMDS_TOKEN_TTL_VALUE};
	CksFetchRequest req;
	CksFetchAnswer a;
	CksFetchStatus status;
	const char *problem;
	char	   *url;

	if (f->v1 || (f->session->token[0] != '\0' &&
				  f->t->now < f->session->refresh_at))
		return CKS_FETCH_OK;
	cks_imds_session_forget(f->session);

	url = psprintf("%s%s", f->endpoint, IMDS_TOKEN_PATH);
	memset(&req, 0, sizeof(req));
	req.method = "PUT";
	req.url = url;
	req.headers = &ttl;
	req.nheaders = 1;
	fetch_send(f->t, &req, &a);
	if (a.status == 403 || a.status == 404 || a.status == 405)
	{
		long		refused = a.status;

		answer_free(&a);
		status = token_refused(f, refused, detail);
	}
	else if (a.status != 200)
		status = answer_failed("instance metadata service", url, &a, detail);
	else if ((problem = imds_token_problem(a.body, a.body_len)) != NULL)
	{
		answer_free(&a);
		*detail = psprintf("The instance metadata service's answer is malformed: %s.",
						   problem);
		status = CKS_FETCH_MALFORMED;
	}
	else
	{
		/* imds_token_problem bounds it by IMDS_MAX_TOKEN_LEN */
		memcpy(f->session->token, a.body, a.body_len + 1);
		f->session->refresh_at = f->t->now + IMDS_TOKEN_TTL_SECONDS -
			IMDS_TOKEN_MARGIN_SECS;
		answer_free(&a);
		status = CKS_FETCH_OK;
	}
	pfree(url);
	return status;
}

/* Which service refused a GET, for the detail. */
static const char *
refused_get_what(const ImdsFetch *f, long status, bool renewed)
{
	if (status != 401)
		return "instance metadata service";
	if (f->v1)
		return "instance metadata service (asked without a token, IMDSv1)";
	if (renewed)
		return "instance metadata service (a new IMDSv2 session token was refused too)";
	return "instance metadata service";
}

/*
 * GET a metadata path, with the token unless the fetch fell back to
 * IMDSv1.  A 401 to a tokened GET means the token went stale (IMDS
 * restarted, the TTL was cut): get a new one -- or the fallback -- and
 * send once more, as the SDKs do.  At most two GETs and one PUT; OK only
 * with a 200 answer in *a.
 */
static CksFetchStatus
imds_get(ImdsFetch *f, const char *path, CksFetchAnswer *a, char **detail)
{
	char	   *url = psprintf("%s%s", f->endpoint, path);
	bool		renewed = false;
	CksFetchStatus status;

	for (;;)
	{
		CksHeader	token = {IMDS_TOKEN_HEADER, f->session->token};
		CksFetchRequest req;

		memset(&req, 0, sizeof(req));
		req.method = "GET";
		req.url = url;
		req.headers = f->v1 ? NULL : &token;
		req.nheaders = f->v1 ? 0 : 1;
		fetch_send(f->t, &req, a);
		if (a->status != 401 || f->v1 || renewed)
			break;
		answer_free(a);
		cks_imds_session_forget(f->session);
		renewed = true;
		status = imds_token(f, detail);
		if (status != CKS_FETCH_OK)
		{
			pfree(url);
			return status;
		}
	}

	if (a->status == 200)
		status = CKS_FETCH_OK;
	else if (a->status == 404 && strcmp(path, IMDS_CREDENTIALS_PATH) == 0)
	{
		answer_free(a);
		*detail = pstrdup("The instance has no IAM role (instance profile).");
		status = CKS_FETCH_REFUSED;
	}
	else
		status = answer_failed(refused_get_what(f, a->status, renewed), url,
							   a, detail);
	pfree(url);
	return status;
}

CksFetchStatus
cks_fetch_instance(CksFetchTransport *t, const char *endpoint,
				   bool v1_allowed, CksImdsSession *session,
				   StsCredentials *out, char **detail)
{
	ImdsFetch	f = {t, endpoint, v1_allowed, session, false};
	CksFetchAnswer a;
	CksFetchStatus status;
	char	   *problem;
	char	   *role;
	char	   *path;

	memset(out, 0, sizeof(*out));
	*detail = NULL;
	status = imds_token(&f, detail);
	if (status == CKS_FETCH_OK)
		status = imds_get(&f, IMDS_CREDENTIALS_PATH, &a, detail);
	if (status != CKS_FETCH_OK)
		return status;

	role = imds_parse_role_name(a.body ? a.body : "", a.body_len, &problem);
	answer_free(&a);
	if (role == NULL)
	{
		*detail = psprintf("The instance metadata service's answer is not usable: %s.",
						   problem);
		pfree(problem);
		return CKS_FETCH_REFUSED;
	}
	path = psprintf("%s%s", IMDS_CREDENTIALS_PATH, role);
	pfree(role);
	status = imds_get(&f, path, &a, detail);
	pfree(path);
	if (status != CKS_FETCH_OK)
		return status;
	return read_document(&a, true, out, detail);
}

CksFetchStatus
cks_fetch_container(CksFetchTransport *t, const char *url,
					const char *authorization, StsCredentials *out,
					char **detail)
{
	CksHeader	header = {"Authorization", authorization};
	CksFetchRequest req;
	CksFetchAnswer a;

	memset(out, 0, sizeof(*out));
	*detail = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.headers = authorization ? &header : NULL;
	req.nheaders = authorization ? 1 : 0;
	fetch_send(t, &req, &a);
	if (a.status != 200)
		return answer_failed("container credentials endpoint", url, &a, detail);
	return read_document(&a, false, out, detail);
}

/* How much of a token is enough to recognise it quoted in a message. */
#define TOKEN_QUOTE_PREFIX	16
/* The longest problem or AWS message a detail shows. */
#define MAX_SHOWN_TEXT		1024

/* Whether text quotes the start of the token (a hostile STS has it). */
static bool
quotes_token(const char *text, const char *token)
{
	char		prefix[TOKEN_QUOTE_PREFIX + 1];
	bool		quotes;

	snprintf(prefix, sizeof(prefix), "%s", token ? token : "");
	quotes = prefix[0] != '\0' && strstr(text, prefix) != NULL;
	explicit_bzero(prefix, sizeof(prefix));
	return quotes;
}

/*
 * A problem with STS's answer, made fit to show (aws_text_sanitize:
 * bounded, control characters escaped, the token redacted), and withheld
 * if it still quotes the start of the token: the XML parser's complaint
 * may repeat an element name, which a hostile endpoint may make the
 * token.  palloc'd.
 */
static char *
shown_problem(const char *problem, const char *token)
{
	const char *secrets[1];
	char	   *shown;

	secrets[0] = token;
	shown = aws_text_sanitize(problem, MAX_SHOWN_TEXT, secrets, lengthof(secrets));
	if (quotes_token(shown, token))
	{
		cks_secret_free(shown);
		shown = pstrdup("(withheld: it quotes the web identity token)");
	}
	return shown;
}

/*
 * The STS error of a refused AssumeRoleWithWebIdentity, sanitized and
 * bounded like every AWS error, the token kept out.
 */
static char *
web_identity_error_detail(const CksFetchAnswer *a, const char *token)
{
	CksAwsError err;
	char	   *text;
	char	   *withheld;
	char	   *detail;
	const char *secrets[1];

	memset(&err, 0, sizeof(err));
	sts_parse_error(a->status, a->request_id, a->body ? a->body : "",
					a->body_len, &err);
	secrets[0] = token;
	aws_error_sanitize(&err, secrets, lengthof(secrets));
	text = psprintf("AWS error %s: %s (HTTP %ld%s%s).",
					err.code ? err.code : "(no code)",
					err.message ? err.message : "(no message)",
					a->status, err.request_id ? ", request id " : "",
					err.request_id ? err.request_id : "");
	withheld = psprintf("AWS error (withheld: it quotes the web identity token) (HTTP %ld).",
						a->status);
	/* the fields are sanitized already: withhold, do not escape again */
	if (quotes_token(text, token))
	{
		detail = withheld;
		cks_secret_free(text);
	}
	else
	{
		detail = text;
		pfree(withheld);
	}
	aws_error_free(&err);
	return detail;
}

CksFetchStatus
cks_fetch_web_identity(CksFetchTransport *t, const char *sts_url,
					   const char *body, const char *token,
					   StsCredentials *out, char **detail)
{
	CksHeader	content_type = {"Content-Type", STS_CONTENT_TYPE};
	CksFetchRequest req;
	CksFetchAnswer a;
	CksAwsError err;
	char	   *problem = NULL;

	memset(out, 0, sizeof(*out));
	*detail = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = sts_url;
	req.headers = &content_type;
	req.nheaders = 1;
	req.body = body;
	req.body_len = strlen(body);
	req.to_sts = true;
	fetch_send(t, &req, &a);
	if (a.status == 0)
		return answer_failed("STS endpoint", sts_url, &a, detail);
	if (a.status < 200 || a.status >= 300)
	{
		*detail = web_identity_error_detail(&a, token);
		answer_free(&a);
		return CKS_FETCH_REFUSED;
	}

	memset(&err, 0, sizeof(err));
	if (!sts_parse_web_identity_response(a.body ? a.body : "", a.body_len,
										 a.status, out, &err))
		problem = shown_problem(err.message ? err.message : "it cannot be parsed",
								token);
	else if (!cks_check_credentials(out, false, &problem))
		sts_credentials_free(out);
	aws_error_free(&err);
	answer_free(&a);
	if (problem == NULL)
		return CKS_FETCH_OK;
	*detail = psprintf("STS AssumeRoleWithWebIdentity returned a malformed response: %s.",
					   problem);
	pfree(problem);
	return CKS_FETCH_MALFORMED;
}
