/*-------------------------------------------------------------------------
 *
 * option_values.h
 *	  One function per kind of cks_fdw option: check the text of a DefElem
 *	  and return its value, or ereport (22023) with a message, and a hint
 *	  saying what a good value looks like.  Used through options.c's table.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_OPTION_VALUES_H
#define CKS_OPTION_VALUES_H

#include "postgres.h"

#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"

#include "aws/aws_names.h"

/* A plain decimal integer in [min, max]; the value is shown in the
 * message only when echo is true. */
extern int	cks_option_int(DefElem *def, int min, int max, bool echo);
/* A finite number, > 0 when positive, else >= 0. */
extern double cks_option_real(DefElem *def, bool positive);
/* on_error: true for 'warn', false for 'error'. */
extern bool cks_option_on_error_warn(DefElem *def);
/* The region list: List of palloc'd names, duplicates dropped. */
extern List *cks_option_region_list(DefElem *def);
/* An endpoint or proxy URL (never echoed: it may hold a password). */
extern char *cks_option_url(DefElem *def, CksUrlUse use);
extern char *cks_option_no_proxy(DefElem *def);
extern char *cks_option_ca_file(DefElem *def);
extern char *cks_option_profile(DefElem *def);
/* access_key_id, secret_access_key, session_token: never echoed. */
extern char *cks_option_credential(DefElem *def);
extern char *cks_option_role_arn(DefElem *def);
/* accounts: 12-digit ids, or "organization". */
extern char *cks_option_accounts(DefElem *def);
/* The distinct ids of a checked "accounts" value, in order (char *). */
extern List *cks_account_list(const char *value);
extern char *cks_option_external_id(DefElem *def);
extern char *cks_option_role_session_name(DefElem *def);
extern char *cks_option_column_name(DefElem *def);
extern char *cks_option_table(DefElem *def);
extern bool cks_option_key_manager_all(DefElem *def);
/* def sets the option to default_value (boolean: any spelling of it) */
extern bool cks_option_is_default(DefElem *def, const char *default_value,
								  bool boolean);
extern CksCredentialSource cks_option_credential_source(DefElem *def);

/*
 * Error context callback for checking option lists that may hold
 * credentials: the error keeps the statement (every value of the list,
 * secrets included) out of the server log's STATEMENT line.
 */
extern void cks_option_hide_statement(void *arg);

#endif							/* CKS_OPTION_VALUES_H */
