/*-------------------------------------------------------------------------
 *
 * scan_accounts.h
 *	  The credential stage of a scan (scan_accounts.c), driven by scan.c.
 *	  It hands a stream set back up once its account's credentials are
 *	  known; scan.c adds the streams.  Private to src/scan/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_ACCOUNTS_H
#define CKS_SCAN_ACCOUNTS_H

#include "scan/scan_types.h"

/* hold the set back for its account; returns it with credentials when
 * they are cached (add its streams now), else NULL */
extern CksStreamSet *cks_scan_defer_streams(CksScan *scan,
											const CksStreamSet *set);
/* start accounts' credential calls, up to the scan's cap */
extern void cks_scan_accounts_start(CksScan *scan);
/* true while an account's streams are still held back */
extern bool cks_scan_accounts_waiting(CksScan *scan);
/* the account's call ended: the set to add its streams from, or NULL */
extern CksStreamSet *cks_scan_account_answered(CksScan *scan,
											   CksScanAccount *account);
extern void cks_scan_accounts_release(CksScan *scan);

#endif							/* CKS_SCAN_ACCOUNTS_H */
