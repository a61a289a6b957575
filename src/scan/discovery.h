/*-------------------------------------------------------------------------
 *
 * discovery.h
 *	  The discovery stage of a scan (discovery.c), driven by scan.c: the
 *	  pages of a listing that finds what an operation must be asked about
 *	  (the external key stores GetMetricData reads) become that
 *	  operation's streams.  Private to src/scan/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_DISCOVERY_H
#define CKS_SCAN_DISCOVERY_H

#include "scan/scan_types.h"

/* True when the stream is one of the scan's discovery listings. */
extern bool cks_discovery_stream(const CksScan *scan, const CksStream *stream);

/*
 * The discovery stream at 'index' has a page: add the streams asking about
 * the things it lists, and move the listing on.  Streams may be
 * reallocated: pointers into scan->streams are stale afterwards.
 */
extern void cks_discovery_take_page(CksScan *scan, int index);

#endif							/* CKS_SCAN_DISCOVERY_H */
