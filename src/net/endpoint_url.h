/*-------------------------------------------------------------------------
 *
 * endpoint_url.h
 *	  Reading an endpoint URL the way curl will send it: the Host header
 *	  value and the path that SigV4 signs.  Frontend-safe, no backend and
 *	  no transfer needed (unit-tested alone).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_ENDPOINT_URL_H
#define CKS_ENDPOINT_URL_H

#include <stdbool.h>

/*
 * Split an endpoint URL into the Host header value SigV4 signs (host, plus
 * ":port" when the port is not the scheme's default, as curl sends it) and
 * the path.  Writes malloc'd strings; false on a URL curl cannot parse.
 */
extern bool cks_url_host_and_path(const char *url, char **host, char **path);

#endif							/* CKS_ENDPOINT_URL_H */
