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
#include "nodes/pg_list.h"

#include "aws/aws_names.h"
#include "net/http.h"			/* CksTransport */

/*
 * Everything a scan needs from the server, with the foreign table's
 * overrides of the tuning options already applied, over the defaults
 * that options.c's cks_options[] table states.  palloc'd in the caller's
 * context.
 */
typedef struct CksScanOptions
{
	List	   *regions;		/* char *, in the order the user listed them,
								 * duplicates removed */
	char	   *endpoint;		/* URL template; may contain {region} */
	char	   *sts_endpoint;	/* URL template; may contain {region} */
	CksTransport transport;		/* connect_timeout_ms, request_timeout_ms,
								 * max_attempts, ca_file, proxy, no_proxy */
	int			page_size;
	char	   *accounts;		/* ids, or "organization"; NULL: the user
								 * mapping's own account */
	char	   *organizations_endpoint; /* ListAccounts for 'organization' */
	char	   *cloudhsm_endpoint;	/* URL template; may contain {region} */
	char	   *cloudwatch_endpoint;	/* URL template; may contain {region} */
	int			max_concurrent_requests;	/* the backend's cap; 0: derived
											 * from its fd budget */
	char	   *request_quotas; /* 'Operation=rate,...'; NULL: AWS's */
	bool		on_error_warn;	/* on_error 'warn' */
	bool		async_capable;
	double		estimated_rows; /* key stores per region, for the planner */
	double		request_cost;	/* planner cost of one request */
	char	   *table;			/* the table option: the kind a foreign
								 * table reads; NULL: custom_key_stores */
	bool		all_key_managers;	/* keys: key_manager 'ALL' (default
									 * 'CUSTOMER': customer managed only) */
	bool		show_sensitive; /* the table shows the fields AWS marks
								 * sensitive (superuser-only) */
} CksScanOptions;

/* A user mapping's credentials.  Never log, print or EXPLAIN these. */
typedef struct CksUserOptions
{
	char	   *access_key_id;	/* NULL when neither key is set */
	char	   *secret_access_key;
	char	   *session_token;
	char	   *role_arn;		/* NULL: no AssumeRole; may hold {account} */
	char	   *external_id;
	char	   *role_session_name;	/* defaulted */
	int			duration_seconds;	/* defaulted */
	CksCredentialSource credential_source;	/* CKS_SOURCE_NONE: the keys */
	char	   *credentials_file;	/* NULL: keys from the options */
	char	   *profile;		/* NULL: "default" */
} CksUserOptions;

/* Read a server's options, then the table's overrides (table may be
 * InvalidOid to read the server alone). */
extern void cks_get_scan_options(Oid serverid, Oid foreigntableid,
								 CksScanOptions *opts);

extern void cks_get_user_options(UserMapping *user, CksUserOptions *opts);

/* Remote name of a foreign table column: its column_name option, or the
 * attribute name.  palloc'd. */
extern char *cks_column_remote_name(Oid relid, AttrNumber attnum);

/* The endpoint template held by the server option named endpoint_option
 * (a service descriptor's endpoint_option). */
extern const char *cks_service_endpoint(const CksScanOptions *opts,
										const char *endpoint_option);

/* A foreign table's "table" option (the remote table it reads), or NULL. */
extern char *cks_table_kind_option(Oid relid);

#endif							/* CKS_OPTIONS_H */
