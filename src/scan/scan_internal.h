/*-------------------------------------------------------------------------
 *
 * scan_internal.h
 *	  What scan.c (streams, waiting), follow_ups.c (the expansion stage),
 *	  scan_failures.c and scan_accounts.c (the credential stage) share;
 *	  not for other callers, which use scan.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_INTERNAL_H
#define CKS_SCAN_INTERNAL_H

#include "scan/scan.h"

/* scan.c */
extern bool cks_stream_waits_for_page(const CksStream *stream);
extern int	cks_scan_requests_in_flight(CksScan *scan);
extern char *cks_stream_describe(const CksStream *stream);
extern char *cks_describe_place(const char *account_id, bool name_account,
								const char *region);
/* the stream's page is used up: ask for the next one, or end it */
extern void cks_stream_page_consumed(CksScan *scan, CksStream *stream);

/* scan_failures.c */
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

/* scan_accounts.c */
extern void cks_scan_defer_streams(CksScan *scan, const CksStreamSet *set);
extern bool cks_scan_account_in_flight(const CksScanAccount *account);
extern int	cks_scan_accounts_in_flight(CksScan *scan);
/* start accounts' credential calls, up to the scan's cap */
extern void cks_scan_accounts_start(CksScan *scan);
/* true while an account's streams are still held back */
extern bool cks_scan_accounts_waiting(CksScan *scan);
extern void cks_scan_account_answered(CksScan *scan, CksScanAccount *account);
extern void cks_scan_accounts_release(CksScan *scan);

/* follow_ups.c */
extern void cks_follow_ups_start(CksScan *scan);
extern void cks_follow_up_answered(CksScan *scan, CksFollowUp *follow_up);
extern void cks_follow_up_failed(CksScan *scan, CksFollowUp *follow_up);
extern CksFollowUp *cks_follow_up_with_entry(CksScan *scan);
extern void cks_follow_up_release(CksFollowUp *follow_up);

#endif							/* CKS_SCAN_INTERNAL_H */
