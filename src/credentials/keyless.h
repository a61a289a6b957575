/*-------------------------------------------------------------------------
 *
 * keyless.h
 *	  What the credential sources that need no key in a user mapping have
 *	  in common (credential_source 'instance', 'container', 'web_identity',
 *	  'environment', 'chain'): the option's values, the AWS SDKs' order of
 *	  the chain, the checks every fetched credential passes before it can
 *	  reach a header, the JSON credentials document of the EC2 and ECS/EKS
 *	  metadata services, and bounded reading of token files.
 *
 *	  Frontend-safe (no backend needed), so it is unit-tested alone.  The
 *	  process environment is read through a CksGetenv function, which the
 *	  backend points at getenv() and the unit tests at a table.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_KEYLESS_H
#define CKS_KEYLESS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws/aws_names.h"		/* CksCredentialSource and its names */
#include "aws/secrets.h"
#include "aws/sts.h"

/* Bounds on what a source may hand us (AWS's own are far lower). */
#define CKS_MAX_ACCESS_KEY_ID_LEN	128
#define CKS_MAX_SECRET_KEY_LEN		1024
#define CKS_MAX_SESSION_TOKEN_LEN	16384
/* A credentials document is a few hundred bytes plus the token. */
#define CKS_MAX_CREDENTIALS_DOCUMENT	(64 * 1024)
/* AssumeRoleWithWebIdentity takes tokens of up to 20,000 characters. */
#define CKS_MAX_WEB_IDENTITY_TOKEN_LEN	20000
/* ECS / EKS Pod Identity authorization tokens are a few kB at most. */
#define CKS_MAX_AUTHORIZATION_TOKEN_LEN	16384

/* The environment lookup: getenv() in the backend, a table in tests. */
typedef const char *(*CksGetenv) (const char *name);

/*
 * Which source 'chain' uses, in the AWS SDKs' order: environment keys,
 * then web identity (token file and role both set), then the container
 * endpoint (either URI set), then the instance -- unless
 * AWS_EC2_METADATA_DISABLED is true, when there is none
 * (CKS_SOURCE_NONE).  A source that is set up but fails is not skipped,
 * as in the SDKs: its error is the answer.
 */
extern CksCredentialSource cks_chain_source(CksGetenv env);

/* A variable that is set to something other than the empty string. */
extern bool cks_env_is_set(CksGetenv env, const char *name);

/*
 * NULL if value can go into an HTTP header as a credential: not empty,
 * at most max_len bytes, no space or control character.  Otherwise a
 * static description of what is wrong (never quoting the value).
 */
extern const char *cks_credential_value_problem(const char *value,
												size_t max_len);

/* The same for other header values, which may hold inner spaces when
 * spaces_ok ("Bearer xyz"). */
extern const char *cks_header_value_problem(const char *value,
											size_t max_len, bool spaces_ok);

/*
 * Check the three strings of fetched credentials (the token may be NULL
 * when allow_no_token); false with *problem (palloc'd) naming the field.
 */
extern bool cks_check_credentials(const StsCredentials *creds,
								  bool allow_no_token, char **problem);

/*
 * The postmaster's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN, copied and checked; expiration 0 (they do not
 * expire as far as we know).  False with *problem when unset, half set
 * or malformed.
 */
extern bool cks_environment_credentials(CksGetenv env, StsCredentials *out,
										char **problem);

/*
 * The JSON credentials document of IMDS and of the ECS / EKS Pod Identity
 * endpoint: {"Code": "Success", "AccessKeyId", "SecretAccessKey",
 * "Token", "Expiration": "YYYY-MM-DDTHH:MM:SSZ", ...}.  IMDS always sends
 * Code (require_code); the container endpoints may not.  Every value is
 * checked; on false nothing is left allocated and *problem (palloc'd)
 * says what was wrong without quoting a secret.
 */
extern bool cks_parse_credentials_document(const char *body, size_t len,
										   bool require_code,
										   StsCredentials *out,
										   char **problem);

/*
 * Read a token file (web identity token, container authorization token):
 * a regular file of at most max_len bytes after trailing blanks and line
 * ends are cut, not empty, with no control character (nor space, unless
 * spaces_ok) inside.  Returns a
 * palloc'd string, or NULL with *problem (palloc'd) and *missing set when
 * the file does not exist.  The buffer is wiped on every failure.
 */
extern char *cks_read_token_file(const char *path, size_t max_len,
								 bool spaces_ok, char **problem,
								 bool *missing);

/* Temporary credentials are replaced this long before they expire. */
#define CKS_CREDENTIAL_REFRESH_MARGIN_SECS	300

/*
 * When to stop using temporary credentials that expire at 'expiration',
 * obtained at 'now': CKS_CREDENTIAL_REFRESH_MARGIN_SECS before they
 * expire, or, for credentials that came with less than that left,
 * halfway through what they had -- so short-lived ones are still reused
 * for a while rather than fetched again for every scan.  0 (never
 * expires) stays 0.
 */
extern time_t cks_credentials_refresh_at(time_t expiration, time_t now);

#endif							/* CKS_KEYLESS_H */
