/*-------------------------------------------------------------------------
 *
 * imds.c
 *	  The EC2 instance metadata service (IMDSv2) rules of credential_source
 *	  'instance': endpoint selection from the SDKs' environment variables,
 *	  timeouts, and checks on the token and role-name answers.  Backend-
 *	  free; see imds.h.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <errno.h>
#include <limits.h>
#include <strings.h>

#include "credentials/imds.h"

bool
imds_endpoint(CksGetenv env, char **endpoint, char **problem)
{
	const char *value = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	size_t		len;

	*endpoint = NULL;
	if (value == NULL || value[0] == '\0')
	{
		if (mode == NULL || mode[0] == '\0' || strcasecmp(mode, "IPv4") == 0)
			*endpoint = pstrdup(IMDS_ENDPOINT_IPV4);
		else if (strcasecmp(mode, "IPv6") == 0)
			*endpoint = pstrdup(IMDS_ENDPOINT_IPV6);
		else
			*problem = pstrdup("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is neither \"IPv4\" nor \"IPv6\"");
		return *endpoint != NULL;
	}

	if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
	{
		*problem = pstrdup("AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http:// or https:// URL");
		return false;
	}
	for (const char *p = value; *p; p++)
	{
		if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f ||
			*p == '?' || *p == '#')
		{
			*problem = pstrdup("AWS_EC2_METADATA_SERVICE_ENDPOINT contains a blank, a control character, '?' or '#'");
			return false;
		}
	}
	len = strlen(value);
	while (len > 0 && value[len - 1] == '/')
		len--;
	*endpoint = pnstrdup(value, len);
	return true;
}

bool
imds_disabled(CksGetenv env)
{
	const char *value = env("AWS_EC2_METADATA_DISABLED");

	return value != NULL && strcasecmp(value, "true") == 0;
}

bool
imds_v1_fallback_allowed(CksGetenv env)
{
	const char *value = env("AWS_EC2_METADATA_V1_DISABLED");

	return value != NULL && strcasecmp(value, "false") == 0;
}

/* A decimal integer in [low, high], else fallback. */
static long
env_number(CksGetenv env, const char *name, long low, long high,
		   long fallback)
{
	const char *value = env(name);
	char	   *end;
	long		n;

	if (value == NULL || value[0] == '\0')
		return fallback;
	errno = 0;
	n = strtol(value, &end, 10);
	if (errno != 0 || *end != '\0' || n < low || n > high)
		return fallback;
	return n;
}

void
metadata_timeouts(CksGetenv env, int *timeout_ms, int *attempts)
{
	*timeout_ms = (int) env_number(env, "AWS_METADATA_SERVICE_TIMEOUT", 1,
								   IMDS_MAX_TIMEOUT_MS / 1000,
								   IMDS_DEFAULT_TIMEOUT_MS / 1000) * 1000;
	*attempts = (int) env_number(env, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1,
								 IMDS_MAX_ATTEMPTS, IMDS_DEFAULT_ATTEMPTS);
}

const char *
imds_token_problem(const char *body, size_t len)
{
	if (body == NULL || len == 0)
		return "the token answer is empty";
	if (len > IMDS_MAX_TOKEN_LEN || strlen(body) != len)
		return "the token answer is not a token";
	return cks_credential_value_problem(body, IMDS_MAX_TOKEN_LEN) ?
		"the token answer is not a token" : NULL;
}

/* AWS's IAM name characters besides letters and digits. */
static bool
is_role_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') ||
		(c != '\0' && strchr("_+=,.@-", c) != NULL);
}

char *
imds_parse_role_name(const char *body, size_t len, char **problem)
{
	size_t		name_len = 0;

	*problem = NULL;
	while (name_len < len && body[name_len] != '\n' && body[name_len] != '\r')
		name_len++;
	if (name_len == 0)
	{
		*problem = pstrdup("the instance has no IAM role (instance profile)");
		return NULL;
	}
	if (name_len > IMDS_MAX_ROLE_NAME_LEN)
	{
		*problem = pstrdup("the role name answer is too long to be an IAM role name");
		return NULL;
	}
	for (size_t i = 0; i < name_len; i++)
	{
		if (!is_role_name_char((unsigned char) body[i]))
		{
			*problem = pstrdup("the role name answer is not an IAM role name");
			return NULL;
		}
	}
	return pnstrdup(body, name_len);
}
