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

#include "aws_names.h"

/*
 * Everything a scan needs from the server, with the foreign table's
 * overrides of the tuning options already applied, over the defaults of
 * the interface page (../shared/design/interface.md), which options.c's
 * table states.  palloc'd in the caller's context.
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
	char	   *proxy;			/* NULL: no proxy, whatever the environment
								 * of the server says */
	char	   *no_proxy;		/* hosts that bypass proxy; NULL: none */
	char	   *accounts;		/* ids, or "organization"; NULL: the user
								 * mapping's own account */
	char	   *organizations_endpoint; /* ListAccounts for 'organization' */
	char	   *cloudhsm_endpoint;	/* URL template; may contain {region} */
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
} CksUserOptions;

/* Read a server's options, then the table's overrides (table may be
 * InvalidOid to read the server alone). */
extern void cks_get_scan_options(Oid serverid, Oid foreigntableid,
								 CksScanOptions *opts);

extern void cks_get_user_options(UserMapping *user, CksUserOptions *opts);

/*
 * The name of the mapping's credential_source ("instance", ...), or NULL
 * when it signs with its keys.  Reads no secret.
 */
extern const char *cks_user_credential_source(UserMapping *user);

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
