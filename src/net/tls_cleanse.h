/*-------------------------------------------------------------------------
 *
 * tls_cleanse.h
 *	  Internal to the HTTP client (http.c): has OpenSSL wipe the
 *	  plaintext it keeps of what a TLS connection received (answers that
 *	  carry credentials).  Frontend-safe.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_TLS_CLEANSE_H
#define CKS_TLS_CLEANSE_H

#include <curl/curl.h>

/*
 * Ask for the cleansing on this easy handle's new TLS connections.  Never
 * fails a request: without an OpenSSL-built libcurl it does nothing.
 */
extern CURLcode cks_tls_cleanse_setopt(CURL *easy);

#endif							/* CKS_TLS_CLEANSE_H */
