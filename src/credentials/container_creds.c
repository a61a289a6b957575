/*-------------------------------------------------------------------------
 *
 * container_creds.c
 *	  Rules of credential_source 'container' (ECS task roles, EKS Pod
 *	  Identity): the URL from the SDKs' environment variables, the hosts a
 *	  plain-http URL may reach, and the authorization token.  Backend-free;
 *	  see container_creds.h.
 *
 *	  The host rule is the SDKs': the answer holds credentials, so over
 *	  plain http it may only come from this machine or from the agents'
 *	  fixed link-local addresses, never across a network.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <arpa/inet.h>
#include <strings.h>

#include <curl/curl.h>

#include "credentials/container_creds.h"

bool
container_host_allowed(const char *host)
{
	static const char *const agents[] = {
		"169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "localhost",
		"[::1]"
	};
	struct in_addr v4;

	for (int i = 0; i < lengthof(agents); i++)
	{
		if (strcasecmp(host, agents[i]) == 0)
			return true;
	}
	/* 127.0.0.0/8, written as a dotted quad */
	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	return false;
}

/* Split a URL with libcurl's parser; scheme and host are malloc'd by curl. */
static bool
url_scheme_and_host(const char *url, char **scheme, char **host)
{
	CURLU	   *h = curl_url();
	bool		ok;

	*scheme = *host = NULL;
	if (h == NULL)
		return false;
	ok = curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(h, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
		curl_url_get(h, CURLUPART_HOST, host, 0) == CURLUE_OK;
	curl_url_cleanup(h);
	return ok;
}

/* The checks on AWS_CONTAINER_CREDENTIALS_FULL_URI; a palloc'd problem. */
static char *
full_uri_problem(const char *url)
{
	char	   *scheme;
	char	   *host;
	char	   *problem = NULL;

	for (const char *p = url; *p; p++)
	{
		if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f)
			return pstrdup("AWS_CONTAINER_CREDENTIALS_FULL_URI contains a blank or a control character");
	}
	if (!url_scheme_and_host(url, &scheme, &host))
		problem = pstrdup("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a valid URL");
	else if (strcmp(scheme, "https") == 0)
		problem = NULL;
	else if (strcmp(scheme, "http") != 0)
		problem = pstrdup("AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http:// or https:// URL");
	else if (!container_host_allowed(host))
		problem = pstrdup("AWS_CONTAINER_CREDENTIALS_FULL_URI uses http:// to a host other than a loopback address, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23]");
	curl_free(scheme);
	curl_free(host);
	return problem;
}

bool
container_credentials_url(CksGetenv env, char **url, char **problem)
{
	const char *relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");

	*url = NULL;
	*problem = NULL;
	if (relative != NULL && relative[0] != '\0')
	{
		if (relative[0] != '/')
			*problem = pstrdup("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI does not start with '/'");
		else
		{
			*url = psprintf("%s%s", ECS_CREDENTIALS_HOST, relative);
			*problem = full_uri_problem(*url);
		}
	}
	else if (full != NULL && full[0] != '\0')
	{
		*problem = full_uri_problem(full);
		if (*problem == NULL)
			*url = pstrdup(full);
	}
	else
		*problem = pstrdup("neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set in the server's environment");

	if (*problem != NULL && *url != NULL)
	{
		pfree(*url);
		*url = NULL;
	}
	return *problem == NULL;
}

char *
container_authorization(CksGetenv env, char **problem, bool *missing_file)
{
	const char *file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *token = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *bad;
	char	   *read_problem;
	char	   *value;

	*problem = NULL;
	*missing_file = false;
	if (file != NULL && file[0] != '\0')
	{
		value = cks_read_token_file(file, CKS_MAX_AUTHORIZATION_TOKEN_LEN,
									true, &read_problem, missing_file);
		if (value == NULL)
			*problem = psprintf("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \"%s\": %s",
								file, read_problem);
		return value;
	}
	if (token == NULL || token[0] == '\0')
		return NULL;
	bad = cks_header_value_problem(token, CKS_MAX_AUTHORIZATION_TOKEN_LEN,
								   true);
	if (bad != NULL)
	{
		*problem = psprintf("AWS_CONTAINER_AUTHORIZATION_TOKEN %s", bad);
		return NULL;
	}
	return pstrdup(token);
}
