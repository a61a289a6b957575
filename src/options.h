/*-------------------------------------------------------------------------
 *
 * options.h
 *	  The options users set on cks_fdw objects: which are valid where, how
 *	  they are checked at CREATE/ALTER time, and how a scan reads them.
 *	  postgres_fdw's option.c is the model.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_OPTIONS_H
#define CKS_OPTIONS_H

#include "postgres.h"

#include "foreign/foreign.h"
#include "keyless.h"
#include "nodes/pg_list.h"

/* Defaults of the interface page (../shared/design/interface.md). */
#define CKS_DEFAULT_ENDPOINT		"https://kms.{region}.amazonaws.com"
#define CKS_DEFAULT_STS_ENDPOINT	"https://sts.{region}.amazonaws.com"
#define CKS_DEFAULT_CONNECT_TIMEOUT_MS	5000
#define CKS_DEFAULT_REQUEST_TIMEOUT_MS	30000
#define CKS_DEFAULT_MAX_ATTEMPTS	3
#define CKS_DEFAULT_PAGE_SIZE		1000
#define CKS_DEFAULT_ESTIMATED_ROWS	50
#define CKS_DEFAULT_REQUEST_COST	1000.0
#define CKS_DEFAULT_ROLE_SESSION_NAME	"cks_fdw"
#define CKS_DEFAULT_DURATION_SECONDS	3600

/*
 * Everything a scan needs from the server, with the foreign table's
 * overrides of the tuning options already applied.  palloc'd in the
 * caller's context.
 */
typedef struct CksScanOptions
{
	List	   *regions;		/* char *, in the order the user listed them,
								 * duplicates removed */
	char	   *endpoint;		/* URL template; may contain {region} */
	char	   *sts_endpoint;	/* URL template; may contain {region} */
	int			connect_timeout_ms;
	int			request_timeout_ms;
	int			max_attempts;
	int			page_size;
	char	   *ca_file;		/* NULL: system bundle */
	bool		on_error_warn;	/* on_error 'warn' */
	bool		async_capable;
	double		estimated_rows; /* key stores per region, for the planner */
	double		request_cost;	/* planner cost of one request */
} CksScanOptions;

/* A user mapping's credentials.  Never log, print or EXPLAIN these. */
typedef struct CksUserOptions
{
	char	   *access_key_id;	/* NULL when neither key is set */
	char	   *secret_access_key;
	char	   *session_token;
	char	   *role_arn;		/* NULL: no AssumeRole */
	char	   *external_id;
	char	   *role_session_name;	/* defaulted */
	int			duration_seconds;	/* defaulted */
	CksCredentialSource credential_source;	/* CKS_SOURCE_NONE: the keys */
} CksUserOptions;

/* Read a server's options, then the table's overrides (table may be
 * InvalidOid to read the server alone). */
extern void cks_get_scan_options(Oid serverid, Oid foreigntableid,
								 CksScanOptions *opts);

extern void cks_get_user_options(UserMapping *user, CksUserOptions *opts);

/* Remote name of a foreign table column: its column_name option, or the
 * attribute name.  palloc'd. */
extern char *cks_column_remote_name(Oid relid, AttrNumber attnum);

/* Split and check a region list ("us-east-1, eu-west-1"); errors with
 * ERRCODE_FDW_INVALID_OPTION_NAME-style ereport on a malformed one. */
extern List *cks_parse_region_list(const char *value);

/* Substitute {region} in an endpoint template; palloc'd. */
extern char *cks_endpoint_for_region(const char *endpoint_template,
									 const char *region);

#endif							/* CKS_OPTIONS_H */
