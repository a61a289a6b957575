/*-------------------------------------------------------------------------
 *
 * follow_ups.h
 *	  The expansion stage of a scan (follow_ups.c), driven by scan.c.
 *	  Private to src/scan/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_FOLLOW_UPS_H
#define CKS_SCAN_FOLLOW_UPS_H

#include "scan/scan_types.h"

extern void cks_follow_ups_start(CksScan *scan);
extern void cks_follow_up_answered(CksScan *scan, CksFollowUp *follow_up);
extern void cks_follow_up_failed(CksScan *scan, CksFollowUp *follow_up);
extern CksFollowUp *cks_follow_up_with_entry(CksScan *scan);
extern void cks_follow_up_release(CksFollowUp *follow_up);

#endif							/* CKS_SCAN_FOLLOW_UPS_H */
