/*-------------------------------------------------------------------------
 *
 * scan_state.h
 *	  The executor-side state of a cks_fdw foreign scan, shared by the FDW
 *	  callbacks (cks_fdw.c) and the start of each (re)scan (scan_start.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_STATE_H
#define CKS_SCAN_STATE_H

#include "postgres.h"

#include "credentials/credential_context.h"
#include "net/async_wait.h"
#include "foreign/foreign.h"
#include "nodes/execnodes.h"
#include "options.h"
#include "rows.h"
#include "scan/key_extras.h"
#include "scan/scan.h"
#include "table_kinds.h"

/* Executor-side state (ForeignScanState.fdw_state). */
typedef struct CksScanState
{
	const CksTableKind *kind;
	CksScanOptions opts;
	UserMapping *user;
	CksRowBuilder rows;
	List	   *pushed_targets;
	List	   *pushed_is_array;
	List	   *value_states;	/* ExprState per pushed value */
	bool		started;
	bool		mapping_read;	/* cred is set up (once a query) */
	CksCredentialContext cred;	/* the mapping's options, read once; its
								 * role_arn may hold {account} */
	char	   *account_id;		/* the mapping's own, without a role */
	SigV4Credentials *credentials;	/* base keys, without a role */
	const CksCredentialCalls *credential_calls; /* with a role */
	int			accounts_called;	/* after pruning, last (re)scan */
	CksScan		scan;
	CksExtras	extras;			/* extra calls (key_extras.c) */
	ExprState  *prefilter;		/* the quals that read no extra column,
								 * checked before the extra calls */
	ExprContext *prefilter_cxt; /* its own, reset per row checked */
	int			sts_requests;	/* blocking STS and Organizations calls */

	/* asynchronous execution (an Append over several servers) */
	bool		nowait;			/* Iterate must not block */
	bool		would_block;	/* ... and had nothing ready */
	CksWaitSet	wait_set;
} CksScanState;

/*
 * Everything that depends on parameter values, at the first row of each
 * (re)scan: which accounts, regions and values, and what signs.
 */
extern void cks_start_scan(ForeignScanState *node, CksScanState *state);

/* CksScan.renew_credentials for a foreign scan (arg: the node). */
extern const SigV4Credentials *cks_renew_scan_credentials(void *arg,
														  const CksStream *stream);

#endif							/* CKS_SCAN_STATE_H */
