/*-------------------------------------------------------------------------
 *
 * keyless.c
 *	  The parts of the keyless credential sources that need no backend:
 *	  option values, the chain's order, the checks on every fetched
 *	  credential, the metadata services' JSON credentials document and
 *	  token files.  See keyless.h.
 *
 *	  Everything read here comes from outside the database (a metadata
 *	  endpoint that may be spoofed, a file, the environment), so every
 *	  length is bounded, every value is checked before it can reach an
 *	  HTTP header, and secrets are wiped before their memory is released.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "credentials/bounded_read.h"
#include "credentials/keyless.h"
#include "aws/aws_json.h"
#include "aws/aws_names.h"
#include "aws/secrets.h"
#include "aws/parse_guard.h"

bool
cks_env_is_set(CksGetenv env, const char *name)
{
	const char *value = env(name);

	return value != NULL && value[0] != '\0';
}

CksCredentialSource
cks_chain_source(CksGetenv env)
{
	const char *disabled;

	if (cks_env_is_set(env, "AWS_ACCESS_KEY_ID"))
		return CKS_SOURCE_ENVIRONMENT;
	if (cks_env_is_set(env, "AWS_WEB_IDENTITY_TOKEN_FILE") &&
		cks_env_is_set(env, "AWS_ROLE_ARN"))
		return CKS_SOURCE_WEB_IDENTITY;
	if (cks_env_is_set(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
		cks_env_is_set(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI"))
		return CKS_SOURCE_CONTAINER;
	disabled = env("AWS_EC2_METADATA_DISABLED");
	if (disabled != NULL && strcasecmp(disabled, "true") == 0)
		return CKS_SOURCE_NONE;
	return CKS_SOURCE_INSTANCE;
}

const char *
cks_header_value_problem(const char *value, size_t max_len, bool spaces_ok)
{
	size_t		len;

	if (value == NULL || value[0] == '\0')
		return "is empty";
	len = strlen(value);
	if (len > max_len)
		return "is too long";
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) value[i];

		if (c < ' ' || c == 0x7f)
			return "contains a control character";
		if (c == ' ' && !spaces_ok)
			return "contains a space";
	}
	return NULL;
}

/*
 * Beyond the header rules, the character rule every credential obeys
 * (user mappings, STS answers): printable ASCII only.
 */
const char *
cks_credential_value_problem(const char *value, size_t max_len)
{
	const char *problem = cks_header_value_problem(value, max_len, false);

	if (problem == NULL && !cks_credential_chars_ok(value))
		problem = "contains a character that is not printable ASCII";
	return problem;
}

bool
cks_check_credentials(const StsCredentials *creds, bool allow_no_token,
					  char **problem)
{
	const char *what;

	if ((what = cks_credential_value_problem(creds->access_key_id,
											 CKS_MAX_ACCESS_KEY_ID_LEN)) != NULL)
		*problem = psprintf("the access key id %s", what);
	else if ((what = cks_credential_value_problem(creds->secret_access_key,
												  CKS_MAX_SECRET_KEY_LEN)) != NULL)
		*problem = psprintf("the secret access key %s", what);
	else if (creds->session_token == NULL && allow_no_token)
		return true;
	else if ((what = cks_credential_value_problem(creds->session_token,
												  CKS_MAX_SESSION_TOKEN_LEN)) != NULL)
		*problem = psprintf("the session token %s", what);
	else
		return true;
	return false;
}

bool
cks_environment_credentials(CksGetenv env, StsCredentials *out,
							char **problem)
{
	bool		has_id = cks_env_is_set(env, "AWS_ACCESS_KEY_ID");
	bool		has_secret = cks_env_is_set(env, "AWS_SECRET_ACCESS_KEY");

	memset(out, 0, sizeof(*out));
	if (!has_id && !has_secret)
	{
		*problem = pstrdup("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set in the server's environment");
		return false;
	}
	if (!has_id || !has_secret)
	{
		*problem = psprintf("%s is set in the server's environment but %s is not",
							has_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
							has_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return false;
	}
	out->access_key_id = pstrdup(env("AWS_ACCESS_KEY_ID"));
	out->secret_access_key = pstrdup(env("AWS_SECRET_ACCESS_KEY"));
	if (cks_env_is_set(env, "AWS_SESSION_TOKEN"))
		out->session_token = pstrdup(env("AWS_SESSION_TOKEN"));
	out->expiration = 0;
	if (!cks_check_credentials(out, true, problem))
	{
		sts_credentials_free(out);
		return false;
	}
	return true;
}

/*
 * A string member of the document, or NULL when absent, null or of
 * another type (*wrong_type set then, so the message can say so).
 */
static const char *
document_string(struct json_object *root, const char *key, bool *wrong_type)
{
	struct json_object *member;

	*wrong_type = false;
	if (!json_object_object_get_ex(root, key, &member) || member == NULL)
		return NULL;
	if (!json_object_is_type(member, json_type_string))
	{
		*wrong_type = true;
		return NULL;
	}
	return json_object_get_string(member);
}

/*
 * The four fields the signer needs, read from a parsed document; a
 * palloc'd problem or NULL.  Only field names appear in problems.
 */
static char *
read_document_fields(struct json_object *root, bool require_code,
					 StsCredentials *out)
{
	static const char *const required[] =
	{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"};
	const char *values[lengthof(required)];
	const char *code;
	bool		wrong_type;

	code = document_string(root, "Code", &wrong_type);
	if (wrong_type || (require_code && code == NULL))
		return pstrdup("the credentials document has no string \"Code\"");
	if (code != NULL && strcmp(code, "Success") != 0)
		return pstrdup("the credentials document's \"Code\" is not \"Success\"");

	for (int i = 0; i < lengthof(required); i++)
	{
		values[i] = document_string(root, required[i], &wrong_type);
		if (values[i] == NULL)
			return psprintf("the credentials document has no string \"%s\"",
							required[i]);
	}
	if (!aws_parse_iso8601_utc(values[3], &out->expiration))
		return pstrdup("the credentials document's \"Expiration\" is not an ISO 8601 UTC timestamp");

	out->access_key_id = pstrdup(values[0]);
	out->secret_access_key = pstrdup(values[1]);
	out->session_token = pstrdup(values[2]);
	return NULL;
}

bool
cks_parse_credentials_document(const char *body, size_t len,
							   bool require_code, StsCredentials *out,
							   char **problem)
{
	struct json_object *root;
	char	   *check_problem;

	memset(out, 0, sizeof(*out));
	*problem = NULL;
	if (len > CKS_MAX_CREDENTIALS_DOCUMENT)
	{
		*problem = psprintf("the credentials document is larger than %d bytes",
							CKS_MAX_CREDENTIALS_DOCUMENT);
		return false;
	}
	root = cks_parse_secret_json(body, len, problem);
	if (root == NULL)
		return false;
	if (!json_object_is_type(root, json_type_object))
		*problem = pstrdup("the credentials document is not a JSON object");
	else
		*problem = read_document_fields(root, require_code, out);

	/*
	 * json-c's copy of the document holds the secrets too: wiped here;
	 * the body it came from is the caller's and is wiped there.
	 */
	aws_json_wipe_strings(root);
	json_object_put(root);
	if (*problem == NULL && !cks_check_credentials(out, false, &check_problem))
	{
		*problem = psprintf("in the credentials document, %s", check_problem);
		pfree(check_problem);
	}
	if (*problem != NULL)
	{
		sts_credentials_free(out);
		return false;
	}
	return true;
}

char *
cks_read_token_file(const char *path, size_t max_len, bool spaces_ok,
					char **problem, bool *missing)
{
	struct stat st;
	int			fd;
	char	   *buf;
	size_t		len = 0;
	bool		too_long;
	const char *bad;

	*problem = NULL;
	*missing = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);	/* Kubernetes
															 * mounts are
															 * symlinks */
	if (fd < 0)
	{
		*missing = (errno == ENOENT);
		*problem = psprintf("could not open it: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		close(fd);
		*problem = pstrdup("it is not a regular file");
		return NULL;
	}
	/* room for a line end after the longest token */
	buf = cks_read_bounded(fd, max_len + 2, &len, &too_long, problem);
	close(fd);
	if (too_long)
		*problem = psprintf("it is larger than %zu bytes", max_len + 2);
	if (buf == NULL)
		return NULL;

	/* a trailing line end is how most tools write such files */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
					   buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		buf[--len] = '\0';
	if (memchr(buf, '\0', len) != NULL)
		bad = "contains a NUL byte";
	else
		bad = cks_header_value_problem(buf, max_len, spaces_ok);
	if (bad != NULL)
	{
		*problem = psprintf("the token it holds %s", bad);
		explicit_bzero(buf, max_len + 4);
		pfree(buf);
		return NULL;
	}
	return buf;
}

time_t
cks_credentials_refresh_at(time_t expiration, time_t now)
{
	if (expiration == 0)
		return 0;
	if (expiration - now > CKS_CREDENTIAL_REFRESH_MARGIN_SECS)
		return expiration - CKS_CREDENTIAL_REFRESH_MARGIN_SECS;
	return now + (expiration - now) / 2;
}
