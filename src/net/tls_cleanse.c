/*-------------------------------------------------------------------------
 *
 * tls_cleanse.c
 *	  Has OpenSSL wipe the plaintext it keeps of a TLS connection's
 *	  received records.
 *
 *	  OpenSSL decrypts a record in place in the connection's read buffer
 *	  and leaves the plaintext there; it frees the buffer as it is, once
 *	  read (libcurl sets SSL_MODE_RELEASE_BUFFERS) or when the connection
 *	  ends.  The last answer on a connection to STS or a credential
 *	  endpoint is a secret access key and a session token, so that copy
 *	  would outlive every buffer of ours that we wipe, in the buffer or in
 *	  freed memory.  SSL_OP_CLEANSE_PLAINTEXT (OpenSSL 3.0) wipes each
 *	  record once it is handed over and the read buffer before it is
 *	  freed.  What OpenSSL sends is encrypted in place in its write
 *	  buffer, so that buffer holds ciphertext once a record is out.
 *
 *	  The option is set on the SSL_CTX libcurl makes for each new
 *	  connection (CURLOPT_SSL_CTX_FUNCTION), which libcurl does for the
 *	  endpoint's TLS and for an https:// proxy's alike: the callback is
 *	  one per easy handle, not per connection filter.  Setting it
 *	  process-wide instead (CRYPTO_set_mem_functions) would change
 *	  PostgreSQL's own SSL too, and cannot be done once OpenSSL has
 *	  allocated anything.
 *
 *	  libcurl hands the callback its TLS library's context: an SSL_CTX
 *	  only when that library is OpenSSL (wolfSSL and mbedTLS pass their
 *	  own types).  So the callback is installed only when libcurl reports
 *	  OpenSSL 3 or later, and the OpenSSL this library runs with is 3 or
 *	  later (one process loads one libssl.so.3).  With any other libcurl
 *	  (GnuTLS, NSS) nothing is set and the plaintext stays as that
 *	  library leaves it (doc/security.md).
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "net/tls_cleanse.h"

/* -1 not yet known, else whether the callback may be installed */
static int	cleanse_available = -1;

/*
 * libcurl's TLS library as curl_version_info names it: "OpenSSL/3.0.19".
 * (A libcurl built with several TLS libraries writes the ones not in use
 * in parentheses, so the prefix is OpenSSL only when OpenSSL is used.)
 */
static bool
curl_uses_openssl3(void)
{
	const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
	const char *v = info ? info->ssl_version : NULL;

	if (v == NULL || strncmp(v, "OpenSSL/", 8) != 0)
		return false;
	return atoi(v + 8) >= 3;
}

/* Whether libcurl's TLS is OpenSSL 3.0 or later, the same library as ours. */
static bool
cleanse_is_available(void)
{
	if (cleanse_available < 0)
	{
#ifdef SSL_OP_CLEANSE_PLAINTEXT
		cleanse_available = curl_uses_openssl3() &&
			OpenSSL_version_num() >= 0x30000000L;
#else
		cleanse_available = 0;
#endif
	}
	return cleanse_available == 1;
}

#ifdef SSL_OP_CLEANSE_PLAINTEXT
/*
 * Called by libcurl with each new connection's SSL_CTX, before the SSL
 * object is made from it, so the option reaches the connection.
 */
static CURLcode
set_cleanse_plaintext(CURL *easy, void *ssl_ctx, void *arg)
{
	(void) SSL_CTX_set_options((SSL_CTX *) ssl_ctx, SSL_OP_CLEANSE_PLAINTEXT);
	return CURLE_OK;
}
#endif

/*
 * A libcurl that cannot call the callback (CURLE_NOT_BUILT_IN,
 * CURLE_UNKNOWN_OPTION) still makes the request: the cleansing is a
 * hardening of memory, not a condition of talking to AWS.
 */
CURLcode
cks_tls_cleanse_setopt(CURL *easy)
{
#ifdef SSL_OP_CLEANSE_PLAINTEXT
	CURLcode	rc;

	if (!cleanse_is_available())
		return CURLE_OK;
	rc = curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, set_cleanse_plaintext);
	if (rc == CURLE_NOT_BUILT_IN || rc == CURLE_UNKNOWN_OPTION)
		return CURLE_OK;
	return rc;
#else
	return CURLE_OK;
#endif
}
