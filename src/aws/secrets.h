/*-------------------------------------------------------------------------
 *
 * secrets.h
 *	  Handling of secret strings (secret keys, session tokens) wherever
 *	  they pass: wiping before free, keeping them out of text that is
 *	  shown or logged, and refusing values that could inject HTTP headers.
 *
 *	  Frontend-safe (no backend needed), so the unit runner tests it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SECRETS_H
#define CKS_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

/* What a redacted secret is replaced with in shown text. */
#define CKS_REDACTED	"[redacted]"

/* Zero the bytes of s (up to its NUL); NULL is fine. */
extern void cks_secret_wipe(char *s);

/* Wipe s, then pfree it; NULL is fine. */
extern void cks_secret_free(char *s);

/*
 * Whether a credential value may go into an HTTP header and a signature:
 * not empty, and no space, control character (CR, LF, ...) or DEL.  The
 * same rule options.c applies to access_key_id, secret_access_key and
 * session_token in a user mapping.
 */
extern bool cks_credential_chars_ok(const char *value);

/* The shortest run of a secret's bytes that redaction recognises. */
#define CKS_SECRET_FRAGMENT_LEN	8

/*
 * A palloc'd copy of text in which every run of CKS_SECRET_FRAGMENT_LEN or
 * more bytes of a non-empty secret (NULL entries are skipped) -- as it is,
 * URL-encoded (either case of hex digits) or JSON-escaped -- is replaced
 * by CKS_REDACTED, touching runs by one marker; a run made only of digits
 * is not taken for a piece (account ids are digits).  A secret (or a form of
 * it) shorter than that is replaced where it occurs whole.  Linear in the
 * lengths of text and of the secrets.
 */
extern char *cks_redact_secrets(const char *text, const char *const *secrets,
								int nsecrets);

#endif							/* CKS_SECRETS_H */
