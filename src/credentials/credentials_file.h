/*-------------------------------------------------------------------------
 *
 * credentials_file.h
 *	  The user-mapping options credentials_file and profile: AWS keys read
 *	  from a file in the AWS shared-credentials (INI) format, so that no
 *	  secret is ever part of an SQL statement (pg_stat_statements,
 *	  log_statement and pg_stat_activity keep statements word for word).
 *
 *	  Frontend-safe (no backend needed), so the unit runner tests it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_CREDENTIALS_FILE_H
#define CKS_CREDENTIALS_FILE_H

#include <stdbool.h>

/* A credentials file larger than this is refused (the AWS CLI's are tiny). */
#define CKS_MAX_CREDENTIALS_FILE_LEN	(64 * 1024)

/* The keys of one profile; palloc'd, session_token NULL when absent. */
typedef struct CksFileCredentials
{
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *session_token;
} CksFileCredentials;

/* Why a credentials file could not be used. */
typedef enum CksCredentialsFileProblem
{
	CKS_CREDFILE_OK = 0,
	CKS_CREDFILE_MISSING,		/* no such file */
	CKS_CREDFILE_UNSAFE,		/* not a regular file, not the server's OS
								 * user's, or group/world accessible */
	CKS_CREDFILE_UNREADABLE,	/* open or read failed, or too large */
	CKS_CREDFILE_BAD			/* no such profile, keys missing or bad */
} CksCredentialsFileProblem;

/*
 * The keys of [profile] in text (the file's contents).  Section and key
 * names match as the AWS CLI does (keys case-insensitively); blank lines
 * and lines starting with '#' or ';' are skipped; a value runs to the end
 * of its line, blanks around it trimmed.  On failure false, with *problem
 * (palloc'd) a clause that never quotes a value.
 */
extern bool cks_parse_shared_credentials(const char *text, const char *profile,
										 CksFileCredentials *out,
										 char **problem);

/*
 * Read path (at most CKS_MAX_CREDENTIALS_FILE_LEN bytes) and return the
 * keys of its [profile].  The file must be a regular file owned by the
 * process's effective user and neither group- nor world-accessible, as
 * libpq requires of .pgpass.  The buffer read is wiped before it is freed.
 * On failure *problem (palloc'd) says what, without any of the file's
 * contents.
 */
extern CksCredentialsFileProblem cks_read_credentials_file(const char *path,
														   const char *profile,
														   CksFileCredentials *out,
														   char **problem);

/* Wipe and free the strings of creds (NULL ones are fine). */
extern void cks_file_credentials_free(CksFileCredentials *creds);

#endif							/* CKS_CREDENTIALS_FILE_H */
