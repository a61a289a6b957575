/*-------------------------------------------------------------------------
 *
 * prefilter.h
 *	  The quals checked on a row before its extra calls (see prefilter.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_PREFILTER_H
#define CKS_PREFILTER_H

#include "postgres.h"

#include "nodes/execnodes.h"
#include "scan_state.h"

struct json_object;

/* Set state->prefilter from the plan's quals when extra calls are wanted. */
extern void cks_prefilter_init(ForeignScanState *node, CksScanState *state);

/* False for an entry the prefilter rejects (its extras are not fetched). */
extern bool cks_prefilter_passes(ForeignScanState *node, CksScanState *state,
								 struct json_object *entry,
								 const CksStream *stream);

#endif							/* CKS_PREFILTER_H */
