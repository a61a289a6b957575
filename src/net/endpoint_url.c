/*-------------------------------------------------------------------------
 *
 * endpoint_url.c
 *	  Split an endpoint URL into the Host header value and the path that
 *	  SigV4 signs, with curl's own URL parser so that what is signed is
 *	  what curl sends.  Apart from http.c, which moves transfers: this
 *	  needs no transfer, and the signer's callers use it before one starts.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <curl/curl.h>

#include "net/endpoint_url.h"

/*
 * The port joins the host only when it is not the scheme's default,
 * because that is the Host header curl sends and so the one to sign.
 */
bool
cks_url_host_and_path(const char *url, char **host, char **path)
{
	CURLU	   *parsed = curl_url();
	char	   *hostname = NULL;
	char	   *port = NULL;
	char	   *urlpath = NULL;
	bool		ok = false;

	*host = *path = NULL;
	if (parsed == NULL)
		return false;
	if (curl_url_set(parsed, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(parsed, CURLUPART_HOST, &hostname, 0) == CURLUE_OK &&
		curl_url_get(parsed, CURLUPART_PATH, &urlpath, 0) == CURLUE_OK)
	{
		/* without CURLU_DEFAULT_PORT, curl returns only an explicit port */
		CURLUcode	port_rc = curl_url_get(parsed, CURLUPART_PORT, &port, 0);
		char	   *scheme = NULL;
		bool		default_port = true;

		if (port_rc == CURLUE_OK &&
			curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)
			default_port = (strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
				(strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0);
		curl_free(scheme);

		if (default_port)
			*host = strdup(hostname);
		else
		{
			size_t		len = strlen(hostname) + strlen(port) + 2;

			*host = malloc(len);
			if (*host)
				snprintf(*host, len, "%s:%s", hostname, port);
		}
		*path = strdup(urlpath[0] ? urlpath : "/");
		ok = (*host != NULL && *path != NULL);
	}
	curl_free(hostname);
	curl_free(port);
	curl_free(urlpath);
	curl_url_cleanup(parsed);
	if (!ok)
	{
		free(*host);
		free(*path);
		*host = *path = NULL;
	}
	return ok;
}
