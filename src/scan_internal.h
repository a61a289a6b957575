/*-------------------------------------------------------------------------
 *
 * scan_internal.h
 *	  What scan.c (streams, waiting) and follow_ups.c (the expansion stage)
 *	  share; not for other callers, which use scan.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_INTERNAL_H
#define CKS_SCAN_INTERNAL_H

#include "scan.h"

/* scan.c */
extern bool cks_stream_waits_for_page(const CksStream *stream);
extern int	cks_scan_requests_in_flight(CksScan *scan);
extern char *cks_stream_describe(const CksStream *stream);
/* the stream fails under on_error 'warn': Failed Regions, page dropped */
extern void cks_scan_record_failure(CksScan *scan, CksStream *stream,
									const CksCall *call);
/* the stream's page is used up: ask for the next one, or end it */
extern void cks_stream_page_consumed(CksScan *scan, CksStream *stream);

/* follow_ups.c */
extern void cks_follow_ups_start(CksScan *scan);
extern void cks_follow_up_answered(CksScan *scan, CksFollowUp *follow_up);
extern void cks_follow_up_failed(CksScan *scan, CksFollowUp *follow_up);
extern CksFollowUp *cks_follow_up_with_entry(CksScan *scan);
extern void cks_follow_up_release(CksFollowUp *follow_up);

#endif							/* CKS_SCAN_INTERNAL_H */
