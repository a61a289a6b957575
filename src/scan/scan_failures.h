/*-------------------------------------------------------------------------
 *
 * scan_failures.h
 *	  What a scan's failed request means (scan_failures.c), for the stages
 *	  above it (follow_ups.c, scan_accounts.c, extra_calls.c, scan.c).
 *	  Private to src/scan/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_FAILURES_H
#define CKS_SCAN_FAILURES_H

#include "scan/scan_types.h"

/* a failed stream: zero rows (not found), a WARNING, or an ERROR */
extern void cks_stream_failed(CksScan *scan, CksStream *stream);
/* the stream fails under on_error 'warn': Failed Regions, page dropped */
extern void cks_scan_record_failure(CksScan *scan, CksStream *stream,
									const CksCall *call);
/* one "[account/]region (code)" under Failed Regions, listed once */
extern void cks_scan_note_failure(CksScan *scan, const char *account,
								  const char *region, const CksCall *call);
/* refused as expired: renewed for the account, so ask again (true) */
extern bool cks_stream_renewed_credentials(CksScan *scan, CksStream *stream);
/* any request signed with 'signed_with' for stream 'index' refused as
 * expired: the credentials to ask again with, or NULL */
extern const SigV4Credentials *cks_scan_renewed_signer(CksScan *scan, int index,
													   const SigV4Credentials *signed_with);

#endif							/* CKS_SCAN_FAILURES_H */
