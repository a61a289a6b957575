/*-------------------------------------------------------------------------
 *
 * credential_sources.c
 *	  Fetching the server's own AWS credentials for credential_source
 *	  'instance', 'container', 'web_identity', 'environment' and 'chain',
 *	  and keeping them per backend until they near their expiry.
 *
 *	  The protocol rules (endpoints, documents, token files, the chain's
 *	  order) are backend-free in keyless.c, imds.c, container_creds.c and
 *	  sts.c; this file sends the requests (plain_http.c), decides what
 *	  each answer means, and turns failures into errors that name the
 *	  source.  The metadata services are on this machine or one hop away,
 *	  so their timeouts are short (imds.h): an unavailable source fails in
 *	  seconds, not at the 30-second KMS request timeout.
 *
 *	  Secrets (credentials, the IMDS session token, web identity and
 *	  container authorization tokens) never appear in a message and are
 *	  wiped before their memory is freed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "aws_names.h"
#include "container_creds.h"
#include "credential_sources.h"
#include "credentials.h"
#include "imds.h"
#include "plain_http.h"
#include "secrets.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* One source's credentials, in TopMemoryContext. */
typedef struct SourceCache
{
	StsCredentials creds;		/* access_key_id NULL: nothing cached */
	time_t		refresh_at;		/* 0: never (environment keys) */
} SourceCache;

static SourceCache source_cache[CKS_SOURCE_COUNT];

/* The IMDSv2 session token, reused until shortly before its TTL ends. */
static char *imds_token = NULL;
static time_t imds_token_refresh_at = 0;

#define IMDS_TOKEN_MARGIN_SECS	60
#define DEFAULT_WEB_IDENTITY_SESSION_NAME	"cks_fdw"

static const char *
server_env(const char *name)
{
	return getenv(name);
}

static const char *
source_hint(CksCredentialSource source)
{
	switch (source)
	{
		case CKS_SOURCE_INSTANCE:
			return "Attach an instance profile (IAM role) to the EC2 instance and allow IMDSv2, or set AWS_EC2_METADATA_SERVICE_ENDPOINT in the server's environment.";
		case CKS_SOURCE_CONTAINER:
			return "Run the server in an ECS task with a task role, or an EKS pod with Pod Identity, whose AWS_CONTAINER_* variables reach the server's environment.";
		case CKS_SOURCE_WEB_IDENTITY:
			return "Set AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN in the server's environment (EKS IRSA sets them in the pod), with a token file the server can read.";
		case CKS_SOURCE_ENVIRONMENT:
			return "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the server's environment and restart the server.";
		default:
			return "Set up one of the sources of the chain: environment keys, a web identity token file, a container credentials endpoint, or an EC2 instance profile.";
	}
}

/* ereport(ERROR) that names the source, with the detail given. */
pg_noreturn static void source_failed(CksCredentialSource source, int sqlstate,
									  const char *detail);

static void
source_failed(CksCredentialSource source, int sqlstate, const char *detail)
{
	size_t		len = strlen(detail);
	char	   *sentence = psprintf("%s%s", detail,
									len > 0 && detail[len - 1] == '.' ? "" : ".");

	/* the backend-free checks word their problems as clauses */
	sentence[0] = pg_toupper((unsigned char) sentence[0]);
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("could not get AWS credentials from credential_source \"%s\"",
					cks_credential_source_name(source)),
			 errdetail_internal("%s", sentence),
			 errhint("%s", source_hint(source))));
}

/* The endpoint's scheme://host[:port] alone: paths may name a task. */
static char *
url_origin(const char *url)
{
	const char *host = strstr(url, "://");
	const char *end;

	if (host == NULL)
		return pstrdup(url);
	end = strchr(host + 3, '/');
	return end ? pnstrdup(url, end - url) : pstrdup(url);
}

/* Detail for an answer that is not a success: never the body. */
static char *
answer_detail(const char *what, const char *url, const CksPlainResponse *r)
{
	char	   *origin = url_origin(url);

	if (r->status == 0)
		return psprintf("Could not reach the %s at %s after %d attempt%s: %s.",
						what, origin, r->attempts, r->attempts == 1 ? "" : "s",
						r->error);
	return psprintf("The %s at %s answered HTTP %ld.", what, origin, r->status);
}

/* A failed metadata answer (no answer, or not a 200): free it, error. */
pg_noreturn static void answer_failed(CksCredentialSource source,
									  const char *what, const char *url,
									  CksPlainResponse *r);

static void
answer_failed(CksCredentialSource source, const char *what, const char *url,
			  CksPlainResponse *r)
{
	char	   *detail = answer_detail(what, url, r);
	int			sqlstate = r->status == 0 ?
		ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION :
		ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;

	cks_plain_response_free(r);
	source_failed(source, sqlstate, detail);
}

/* A metadata request: short timeouts, no CA file (http or system CAs). */
static void
metadata_request(const char *method, const char *url, const CksHeader *headers,
				 int nheaders, CksPlainResponse *response)
{
	CksPlainRequest req;
	int			timeout_ms;
	int			attempts;

	metadata_timeouts(server_env, &timeout_ms, &attempts);
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.method = method;
	req.headers = headers;
	req.nheaders = nheaders;
	req.connect_timeout_ms = timeout_ms;
	req.timeout_ms = 2 * timeout_ms;
	req.max_attempts = attempts;
	cks_plain_request(&req, response);
}

static void
forget_imds_token(void)
{
	if (imds_token)
		cks_secret_free(imds_token);
	imds_token = NULL;
	imds_token_refresh_at = 0;
}

/*
 * Get an IMDSv2 session token (PUT /latest/api/token), or keep the one we
 * have.  Returns false when IMDS refuses tokens and the IMDSv1 fallback
 * was asked for; errors otherwise.
 */
static bool
ensure_imds_token(const char *endpoint)
{
	CksHeader	ttl = {IMDS_TOKEN_TTL_HEADER, IMDS_TOKEN_TTL_VALUE};
	CksPlainResponse r;
	char	   *url;
	const char *problem;

	if (imds_token != NULL && time(NULL) < imds_token_refresh_at)
		return true;
	forget_imds_token();

	url = psprintf("%s%s", endpoint, IMDS_TOKEN_PATH);
	metadata_request("PUT", url, &ttl, 1, &r);
	if (r.status == 403 || r.status == 404 || r.status == 405)
	{
		long		status = r.status;

		cks_plain_response_free(&r);
		if (imds_v1_fallback_allowed(server_env))
			return false;
		source_failed(CKS_SOURCE_INSTANCE, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
					  psprintf("The instance metadata service at %s refused an IMDSv2 session token (HTTP %ld), and the IMDSv1 fallback is off (set AWS_EC2_METADATA_V1_DISABLED=false to allow it).",
							   url_origin(endpoint), status));
	}
	if (r.status != 200)
		answer_failed(CKS_SOURCE_INSTANCE, "instance metadata service", url, &r);
	problem = imds_token_problem(r.body, r.body_len);
	if (problem != NULL)
	{
		cks_plain_response_free(&r);
		source_failed(CKS_SOURCE_INSTANCE, ERRCODE_FDW_INVALID_DATA_TYPE,
					  psprintf("The instance metadata service's answer is malformed: %s.", problem));
	}
	imds_token = MemoryContextStrdup(TopMemoryContext, r.body);
	imds_token_refresh_at = time(NULL) + IMDS_TOKEN_TTL_SECONDS - IMDS_TOKEN_MARGIN_SECS;
	cks_plain_response_free(&r);
	return true;
}

/*
 * GET a metadata path with the session token.  A 401 means our token went
 * stale (IMDS restarted, the TTL was cut): fetch a new one and try once
 * more, as the SDKs do.  Any other failure is an error; the caller gets a
 * 200 answer.
 */
static void
imds_get(const char *endpoint, const char *path, bool use_token,
		 CksPlainResponse *r)
{
	char	   *url = psprintf("%s%s", endpoint, path);
	bool		refetched = false;

	for (;;)
	{
		CksHeader	token = {IMDS_TOKEN_HEADER, imds_token};

		metadata_request("GET", url, use_token ? &token : NULL,
						 use_token ? 1 : 0, r);
		if (r->status != 401 || !use_token || refetched)
			break;
		cks_plain_response_free(r);
		forget_imds_token();
		(void) ensure_imds_token(endpoint);
		refetched = true;
	}
	if (r->status == 200)
		return;
	if (r->status == 404 && strcmp(path, IMDS_CREDENTIALS_PATH) == 0)
	{
		cks_plain_response_free(r);
		source_failed(CKS_SOURCE_INSTANCE, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
					  "The instance has no IAM role (instance profile).");
	}
	answer_failed(CKS_SOURCE_INSTANCE, r->status == 401 ?
				  "instance metadata service (a new IMDSv2 session token was refused too)" :
				  "instance metadata service", url, r);
}

/* Turn a 200 answer holding a credentials document into out, or error. */
static void
read_document(CksCredentialSource source, CksPlainResponse *r,
			  bool require_code, StsCredentials *out)
{
	char	   *problem;
	bool		ok = cks_parse_credentials_document(r->body, r->body_len,
												   require_code, out, &problem);

	cks_plain_response_free(r);
	if (!ok)
		source_failed(source, ERRCODE_FDW_INVALID_DATA_TYPE,
					  psprintf("The credentials answer is malformed: %s.", problem));
}

/*
 * IMDSv2: a session token, the role name, then the role's credentials
 * (.../security-credentials/<role>).
 */
static void
fetch_instance(StsCredentials *out)
{
	char	   *endpoint;
	char	   *problem;
	char	   *role;
	bool		use_token;
	CksPlainResponse r;

	if (imds_disabled(server_env))
		source_failed(CKS_SOURCE_INSTANCE, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
					  "AWS_EC2_METADATA_DISABLED is true in the server's environment.");
	if (!imds_endpoint(server_env, &endpoint, &problem))
		source_failed(CKS_SOURCE_INSTANCE, ERRCODE_INVALID_PARAMETER_VALUE, problem);

	use_token = ensure_imds_token(endpoint);
	imds_get(endpoint, IMDS_CREDENTIALS_PATH, use_token, &r);
	role = imds_parse_role_name(r.body, r.body_len, &problem);
	cks_plain_response_free(&r);
	if (role == NULL)
		source_failed(CKS_SOURCE_INSTANCE, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
					  psprintf("The instance metadata service's answer is not usable: %s.", problem));

	imds_get(endpoint, psprintf("%s%s", IMDS_CREDENTIALS_PATH, role),
			 use_token, &r);
	read_document(CKS_SOURCE_INSTANCE, &r, true, out);
}

/* ECS task role / EKS Pod Identity: one GET with the authorization token. */
static void
fetch_container(StsCredentials *out)
{
	char	   *url;
	char	   *problem;
	char	   *authorization;
	bool		missing_file;
	CksHeader	header;
	CksPlainResponse r;

	if (!container_credentials_url(server_env, &url, &problem))
		source_failed(CKS_SOURCE_CONTAINER, ERRCODE_INVALID_PARAMETER_VALUE,
					  problem);
	authorization = container_authorization(server_env, &problem, &missing_file);
	if (problem != NULL)
		source_failed(CKS_SOURCE_CONTAINER,
					  missing_file ? ERRCODE_UNDEFINED_FILE : ERRCODE_INVALID_PARAMETER_VALUE,
					  problem);

	header.name = "Authorization";
	header.value = authorization;
	/* the token is wiped however the request ends (cancel, timeout too) */
	PG_TRY();
	{
		metadata_request("GET", url, &header, authorization ? 1 : 0, &r);
	}
	PG_FINALLY();
	{
		cks_secret_free(authorization);
	}
	PG_END_TRY();
	if (r.status != 200)
		answer_failed(CKS_SOURCE_CONTAINER, "container credentials endpoint",
					  url, &r);
	read_document(CKS_SOURCE_CONTAINER, &r, false, out);
}

/* How much of a token is enough to recognise it quoted in a message. */
#define TOKEN_QUOTE_PREFIX	16

/*
 * The STS error of a failed AssumeRoleWithWebIdentity, sanitized and
 * bounded like every AWS error (aws_error_sanitize, which also redacts
 * the token), and withheld if it still quotes a piece of the token.
 */
static char *
web_identity_error_detail(const CksPlainResponse *r, const char *url,
						  const char *token)
{
	CksAwsError err;
	char	   *detail;
	const char *message;
	char		prefix[TOKEN_QUOTE_PREFIX + 1];
	const char *secrets[1];

	if (r->status == 0)
		return answer_detail("STS endpoint", url, r);
	memset(&err, 0, sizeof(err));
	sts_parse_error(r->status, r->request_id, r->body, r->body_len, &err);
	secrets[0] = token;
	aws_error_sanitize(&err, secrets, lengthof(secrets));
	snprintf(prefix, sizeof(prefix), "%s", token);
	message = err.message ? err.message : "(no message)";
	if (strstr(message, prefix) != NULL)
		message = "(withheld: it quotes the web identity token)";
	explicit_bzero(prefix, sizeof(prefix));
	detail = psprintf("AWS error %s: %s (HTTP %ld%s%s).",
					  err.code ? err.code : "(no code)", message,
					  r->status, err.request_id ? ", request id " : "",
					  err.request_id ? err.request_id : "");
	aws_error_free(&err);
	return detail;
}

/* What a web identity exchange holds that must not outlive it unwiped. */
typedef struct WebIdentitySecrets
{
	char	   *token;
	char	   *body;
} WebIdentitySecrets;

/* Memory-context reset callback: wipe the token and the request body. */
static void
wipe_web_identity_secrets(void *arg)
{
	WebIdentitySecrets *secrets = (WebIdentitySecrets *) arg;

	cks_secret_wipe(secrets->token);
	cks_secret_wipe(secrets->body);
}

/*
 * A context for the token and the body that carries it, under the current
 * one: whichever way the exchange ends (done, error, query cancel,
 * statement_timeout), deleting or resetting it wipes them first.
 */
static MemoryContext
web_identity_context(WebIdentitySecrets **secrets)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "cks_fdw web identity token",
											  ALLOCSET_SMALL_SIZES);
	MemoryContextCallback *callback = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));

	*secrets = MemoryContextAllocZero(cxt, sizeof(WebIdentitySecrets));
	callback->func = wipe_web_identity_secrets;
	callback->arg = *secrets;
	MemoryContextRegisterResetCallback(cxt, callback);
	return cxt;
}

/* AWS_ROLE_ARN, checked enough to go into a request. */
static const char *
web_identity_role(void)
{
	const char *role = server_env("AWS_ROLE_ARN");
	char	   *account;

	if (!cks_env_is_set(server_env, "AWS_WEB_IDENTITY_TOKEN_FILE") ||
		!cks_env_is_set(server_env, "AWS_ROLE_ARN"))
		source_failed(CKS_SOURCE_WEB_IDENTITY, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
					  "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN must both be set in the server's environment.");
	account = cks_arn_account_id(role);
	if (account == NULL || strlen(role) > 2048)
		source_failed(CKS_SOURCE_WEB_IDENTITY, ERRCODE_INVALID_PARAMETER_VALUE,
					  "AWS_ROLE_ARN in the server's environment is not a role ARN.");
	pfree(account);
	return role;
}

/*
 * EKS IRSA and other OIDC federations: the token file's JWT, exchanged for
 * the role's credentials with an unsigned AssumeRoleWithWebIdentity.  The
 * file is read on every fetch because the kubelet rotates it.
 */
static void
fetch_web_identity(const CksSourceContext *ctx, StsCredentials *out)
{
	StsWebIdentityParams params;
	const char *path;
	const char *session = server_env("AWS_ROLE_SESSION_NAME");
	char	   *problem;
	bool		missing;
	CksHeader	content_type = {"Content-Type", STS_CONTENT_TYPE};
	CksPlainRequest req;
	CksPlainResponse r;
	CksAwsError err;
	WebIdentitySecrets *secrets;
	MemoryContext secrets_cxt = web_identity_context(&secrets);
	MemoryContext old;

	params.role_arn = web_identity_role();
	path = server_env("AWS_WEB_IDENTITY_TOKEN_FILE");
	params.role_session_name = session && session[0] ? session : DEFAULT_WEB_IDENTITY_SESSION_NAME;
	params.duration_seconds = 0;

	old = MemoryContextSwitchTo(secrets_cxt);
	secrets->token = cks_read_token_file(path, CKS_MAX_WEB_IDENTITY_TOKEN_LEN,
										 false, &problem, &missing);
	if (secrets->token != NULL)
	{
		params.web_identity_token = secrets->token;
		secrets->body = sts_web_identity_body(&params);
	}
	MemoryContextSwitchTo(old);
	if (secrets->token == NULL)
	{
		char	   *detail = psprintf("AWS_WEB_IDENTITY_TOKEN_FILE \"%s\": %s.",
									  path, problem);

		MemoryContextDelete(secrets_cxt);
		source_failed(CKS_SOURCE_WEB_IDENTITY,
					  missing ? ERRCODE_UNDEFINED_FILE : ERRCODE_INVALID_PARAMETER_VALUE,
					  detail);
	}

	memset(&req, 0, sizeof(req));
	req.url = ctx->sts_url;
	req.method = "POST";
	req.headers = &content_type;
	req.nheaders = 1;
	req.body = secrets->body;
	req.body_len = strlen(secrets->body);
	req.connect_timeout_ms = ctx->settings->connect_timeout_ms;
	req.timeout_ms = ctx->settings->request_timeout_ms;
	req.max_attempts = ctx->settings->max_attempts;
	req.ca_file = ctx->settings->ca_file;
	req.proxy = ctx->settings->proxy;
	req.no_proxy = ctx->settings->no_proxy;
	cks_plain_request(&req, &r);
	if (ctx->sts_requests)
		*ctx->sts_requests += r.attempts;

	if (r.status < 200 || r.status >= 300)
	{
		char	   *detail = web_identity_error_detail(&r, ctx->sts_url,
													   secrets->token);
		int			sqlstate = r.status == 0 ?
			ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION :
			ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;

		cks_plain_response_free(&r);
		MemoryContextDelete(secrets_cxt);
		source_failed(CKS_SOURCE_WEB_IDENTITY, sqlstate, detail);
	}
	MemoryContextDelete(secrets_cxt);
	memset(&err, 0, sizeof(err));
	if (!sts_parse_web_identity_response(r.body, r.body_len, r.status, out, &err) ||
		!cks_check_credentials(out, false, &problem))
	{
		if (err.message)
			problem = err.message;
		cks_plain_response_free(&r);
		sts_credentials_free(out);
		source_failed(CKS_SOURCE_WEB_IDENTITY, ERRCODE_FDW_INVALID_DATA_TYPE,
					  psprintf("STS AssumeRoleWithWebIdentity returned a malformed response: %s.", problem));
	}
	cks_plain_response_free(&r);
}

static void
fetch_environment(StsCredentials *out)
{
	char	   *problem;

	if (!cks_environment_credentials(server_env, out, &problem))
		source_failed(CKS_SOURCE_ENVIRONMENT, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
					  psprintf("%s.", problem));
}

/* The source 'chain' stands for right now; errors when there is none. */
static CksCredentialSource
resolve(CksCredentialSource source)
{
	if (source != CKS_SOURCE_CHAIN)
		return source;
	source = cks_chain_source(server_env);
	if (source == CKS_SOURCE_NONE)
		source_failed(CKS_SOURCE_CHAIN, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
					  "No AWS_* credential variables are set in the server's environment and AWS_EC2_METADATA_DISABLED is true.");
	return source;
}

/*
 * Fetch in the caller's memory context (so that an error leaves nothing
 * behind in TopMemoryContext), then keep a copy there in place of the
 * wiped old one.
 */
static void
refresh(CksCredentialSource source, const CksSourceContext *ctx)
{
	SourceCache *cache = &source_cache[source];
	StsCredentials fresh;

	switch (source)
	{
		case CKS_SOURCE_INSTANCE:
			fetch_instance(&fresh);
			break;
		case CKS_SOURCE_CONTAINER:
			fetch_container(&fresh);
			break;
		case CKS_SOURCE_WEB_IDENTITY:
			fetch_web_identity(ctx, &fresh);
			break;
		case CKS_SOURCE_ENVIRONMENT:
			fetch_environment(&fresh);
			break;
		default:
			elog(ERROR, "unexpected credential source %d", (int) source);
	}

	if (fresh.expiration != 0 && fresh.expiration <= time(NULL))
	{
		char	   *when = pstrdup(timestamptz_to_str(time_t_to_timestamptz(fresh.expiration)));

		sts_credentials_free(&fresh);
		source_failed(source, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
					  psprintf("The credentials it handed out expired at %s.", when));
	}

	sts_credentials_free(&cache->creds);
	cache->creds.access_key_id = MemoryContextStrdup(TopMemoryContext, fresh.access_key_id);
	cache->creds.secret_access_key = MemoryContextStrdup(TopMemoryContext, fresh.secret_access_key);
	cache->creds.session_token = fresh.session_token ?
		MemoryContextStrdup(TopMemoryContext, fresh.session_token) : NULL;
	cache->creds.expiration = fresh.expiration;
	cache->refresh_at = cks_credentials_refresh_at(fresh.expiration, time(NULL));
	sts_credentials_free(&fresh);
}

static bool
is_fresh(const SourceCache *cache)
{
	return cache->creds.access_key_id != NULL &&
		(cache->refresh_at == 0 || time(NULL) < cache->refresh_at);
}

void
cks_source_credentials(CksCredentialSource source, const CksSourceContext *ctx,
					   StsCredentials *out)
{
	SourceCache *cache;

	source = resolve(source);
	cache = &source_cache[source];
	if (!is_fresh(cache))
		refresh(source, ctx);
	out->access_key_id = pstrdup(cache->creds.access_key_id);
	out->secret_access_key = pstrdup(cache->creds.secret_access_key);
	out->session_token = cache->creds.session_token ?
		pstrdup(cache->creds.session_token) : NULL;
	out->expiration = cache->creds.expiration;
}

void
cks_source_forget(CksCredentialSource source)
{
	if (source == CKS_SOURCE_CHAIN)
		source = cks_chain_source(server_env);
	if (source <= CKS_SOURCE_NONE || source >= CKS_SOURCE_COUNT)
		return;
	sts_credentials_free(&source_cache[source].creds);
	source_cache[source].refresh_at = 0;
}
