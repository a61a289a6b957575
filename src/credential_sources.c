/*-------------------------------------------------------------------------
 *
 * credential_sources.c
 *	  Fetching the server's own AWS credentials for credential_source
 *	  'instance', 'container', 'web_identity', 'environment' and 'chain',
 *	  and keeping them per backend until they near their expiry.
 *
 *	  The protocol rules (endpoints, documents, token files, the chain's
 *	  order) are backend-free in keyless.c, imds.c, container_creds.c and
 *	  sts.c, and so are the state machines that decide what each answer
 *	  means (source_fetch.c); this file reads the environment and the
 *	  token files, lends those machines a transport (plain_http.c), keeps
 *	  the credentials, and turns failures into errors that name the
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
#include "source_fetch.h"
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
static CksImdsSession imds_session;

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

/* The SQLSTATE of a failed fetch (source_fetch.h). */
static int
fetch_sqlstate(CksFetchStatus status)
{
	switch (status)
	{
		case CKS_FETCH_UNREACHABLE:
			return ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION;
		case CKS_FETCH_MALFORMED:
			return ERRCODE_FDW_INVALID_DATA_TYPE;
		default:
			return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
	}
}

/* Error out, naming the source, unless the fetch succeeded. */
static void
fetch_result(CksCredentialSource source, CksFetchStatus status, char *detail)
{
	if (status != CKS_FETCH_OK)
		source_failed(source, fetch_sqlstate(status), detail);
}

/* What the transport needs besides the request. */
typedef struct BackendTransport
{
	int			metadata_timeout_ms;	/* per attempt */
	const CksCallSettings *settings;	/* STS; NULL for metadata only */
} BackendTransport;

/*
 * The state machines' transport: one attempt through plain_http.c, with
 * the metadata services' short timeouts and no CA file or proxy (they
 * are on this machine or one hop away), or the server's STS settings.
 */
static void
backend_send(void *arg, const CksFetchRequest *req, CksFetchAnswer *answer)
{
	const BackendTransport *bt = arg;
	CksPlainRequest preq;
	CksPlainResponse r;

	memset(&preq, 0, sizeof(preq));
	preq.url = req->url;
	preq.method = req->method;
	preq.headers = req->headers;
	preq.nheaders = req->nheaders;
	preq.body = req->body;
	preq.body_len = req->body_len;
	preq.max_attempts = 1;		/* the state machine retries */
	if (req->to_sts)
	{
		preq.connect_timeout_ms = bt->settings->connect_timeout_ms;
		preq.timeout_ms = bt->settings->request_timeout_ms;
		preq.ca_file = bt->settings->ca_file;
		preq.proxy = bt->settings->proxy;
		preq.no_proxy = bt->settings->no_proxy;
	}
	else
	{
		preq.connect_timeout_ms = bt->metadata_timeout_ms;
		preq.timeout_ms = 2 * bt->metadata_timeout_ms;
	}
	cks_plain_request(&preq, &r);
	answer->status = r.status;
	answer->body = r.body;
	answer->body_len = r.body_len;
	answer->request_id = r.request_id;
	memcpy(answer->error, r.error, Min(sizeof(answer->error), sizeof(r.error)));
	answer->error[sizeof(answer->error) - 1] = '\0';
}

/* A transport with the environment's metadata timeouts and attempts. */
static void
backend_transport(CksFetchTransport *t, BackendTransport *bt,
				  const CksCallSettings *settings)
{
	memset(t, 0, sizeof(*t));
	memset(bt, 0, sizeof(*bt));
	metadata_timeouts(server_env, &bt->metadata_timeout_ms,
					  &t->metadata_attempts);
	bt->settings = settings;
	t->sts_attempts = settings ? settings->max_attempts : 1;
	t->send = backend_send;
	t->arg = bt;
	t->now = time(NULL);
}

/*
 * IMDSv2 (or IMDSv1 when the token is refused and the environment allows
 * it): a session token, the role name, then the role's credentials.
 */
static void
fetch_instance(StsCredentials *out)
{
	char	   *endpoint;
	char	   *problem;
	char	   *detail;
	CksFetchTransport t;
	BackendTransport bt;
	CksFetchStatus status;

	if (imds_disabled(server_env))
		source_failed(CKS_SOURCE_INSTANCE, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
					  "AWS_EC2_METADATA_DISABLED is true in the server's environment.");
	if (!imds_endpoint(server_env, &endpoint, &problem))
		source_failed(CKS_SOURCE_INSTANCE, ERRCODE_INVALID_PARAMETER_VALUE, problem);

	backend_transport(&t, &bt, NULL);
	status = cks_fetch_instance(&t, endpoint,
								imds_v1_fallback_allowed(server_env),
								&imds_session, out, &detail);
	fetch_result(CKS_SOURCE_INSTANCE, status, detail);
}

/* What a fetch holds that must not outlive it unwiped. */
typedef struct FetchSecrets
{
	char	   *token;			/* web identity or authorization token */
	char	   *body;			/* the request body that carries it */
} FetchSecrets;

/* Memory-context reset callback: wipe the token and the request body. */
static void
wipe_fetch_secrets(void *arg)
{
	FetchSecrets *secrets = (FetchSecrets *) arg;

	cks_secret_wipe(secrets->token);
	cks_secret_wipe(secrets->body);
}

/*
 * A context for a token and the body that carries it, under the current
 * one: whichever way the fetch ends (done, error, query cancel,
 * statement_timeout), deleting or resetting it wipes them first.
 */
static MemoryContext
secrets_context(FetchSecrets **secrets)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "cks_fdw credential source token",
											  ALLOCSET_SMALL_SIZES);
	MemoryContextCallback *callback = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));

	*secrets = MemoryContextAllocZero(cxt, sizeof(FetchSecrets));
	callback->func = wipe_fetch_secrets;
	callback->arg = *secrets;
	MemoryContextRegisterResetCallback(cxt, callback);
	return cxt;
}

/* ECS task role / EKS Pod Identity: one GET with the authorization token. */
static void
fetch_container(StsCredentials *out)
{
	char	   *url;
	char	   *problem;
	char	   *detail;
	bool		missing_file;
	FetchSecrets *secrets;
	MemoryContext secrets_cxt;
	MemoryContext old;
	CksFetchTransport t;
	BackendTransport bt;
	CksFetchStatus status;

	if (!container_credentials_url(server_env, &url, &problem))
		source_failed(CKS_SOURCE_CONTAINER, ERRCODE_INVALID_PARAMETER_VALUE,
					  problem);
	secrets_cxt = secrets_context(&secrets);
	old = MemoryContextSwitchTo(secrets_cxt);
	secrets->token = container_authorization(server_env, &problem, &missing_file);
	MemoryContextSwitchTo(old);
	if (problem != NULL)
	{
		problem = pstrdup(problem);
		MemoryContextDelete(secrets_cxt);
		source_failed(CKS_SOURCE_CONTAINER,
					  missing_file ? ERRCODE_UNDEFINED_FILE : ERRCODE_INVALID_PARAMETER_VALUE,
					  problem);
	}

	backend_transport(&t, &bt, NULL);
	status = cks_fetch_container(&t, url, secrets->token, out, &detail);
	MemoryContextDelete(secrets_cxt);
	fetch_result(CKS_SOURCE_CONTAINER, status, detail);
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
	char	   *detail;
	bool		missing;
	FetchSecrets *secrets;
	MemoryContext secrets_cxt;
	MemoryContext old;
	CksFetchTransport t;
	BackendTransport bt;
	CksFetchStatus status;

	params.role_arn = web_identity_role();
	path = server_env("AWS_WEB_IDENTITY_TOKEN_FILE");
	params.role_session_name = session && session[0] ? session : DEFAULT_WEB_IDENTITY_SESSION_NAME;
	params.duration_seconds = 0;

	secrets_cxt = secrets_context(&secrets);
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
		detail = psprintf("AWS_WEB_IDENTITY_TOKEN_FILE \"%s\": %s.", path, problem);
		MemoryContextDelete(secrets_cxt);
		source_failed(CKS_SOURCE_WEB_IDENTITY,
					  missing ? ERRCODE_UNDEFINED_FILE : ERRCODE_INVALID_PARAMETER_VALUE,
					  detail);
	}

	backend_transport(&t, &bt, ctx->settings);
	status = cks_fetch_web_identity(&t, ctx->sts_url, secrets->body,
									secrets->token, out, &detail);
	MemoryContextDelete(secrets_cxt);
	if (ctx->sts_requests)
		*ctx->sts_requests += t.requests;
	fetch_result(CKS_SOURCE_WEB_IDENTITY, status, detail);
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
