/*-------------------------------------------------------------------------
 *
 * prefilter.c
 *	  Which rows are worth the extra calls (key_extras.c): a row built from
 *	  the entry alone is checked against the scan's quals that read none
 *	  of the extra columns (custom_key_store_id = X, key_state, dates ...),
 *	  and only a row that passes gets its GetKeyLastUsage, ListResourceTags
 *	  and aliases.  The executor checks every qual again on the full row,
 *	  so this only saves calls; it never changes a result.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "executor/executor.h"
#include "nodes/pathnodes.h"
#include "optimizer/optimizer.h"
#include "prefilter.h"

/*
 * The scan's quals that read only the entry's own columns: checked on a
 * row built without extras, so that the extra calls (GetKeyLastUsage, ...)
 * are made only for rows the query keeps.  The executor checks every qual
 * again on the full row.  NULL when no extra call is wanted.
 */
void
cks_prefilter_init(ForeignScanState *node, CksScanState *state)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	List	   *quals = NIL;
	ListCell   *lc;

	if (!state->extras.any)
		return;
	foreach(lc, plan->scan.plan.qual)
	{
		Bitmapset  *attnos = NULL;
		bool		reads_extra = false;
		int			x = -1;

		pull_varattnos(lfirst(lc), plan->scan.scanrelid, &attnos);
		while ((x = bms_next_member(attnos, x)) >= 0)
		{
			int			attno = x + FirstLowInvalidHeapAttributeNumber;
			int			column = attno > 0 ? state->rows.column_of_att[attno - 1] : -1;

			/* a whole-row or system column reads everything: not checked */
			if (attno <= 0 || (column >= 0 && state->kind->columns[column].extra))
				reads_extra = true;
		}
		if (!reads_extra)
			quals = lappend(quals, lfirst(lc));
	}
	if (quals == NIL)
		return;
	state->prefilter = ExecInitQual(quals, (PlanState *) node);
	state->prefilter_cxt = CreateExprContext(node->ss.ps.state);
}

/* False for an entry the prefilter rejects (its extras are not fetched). */
bool
cks_prefilter_passes(ForeignScanState *node, CksScanState *state,
				 struct json_object *entry, const CksStream *stream)
{
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	ExprContext *econtext = state->prefilter_cxt;
	MemoryContext old;
	bool		pass;

	if (state->prefilter == NULL)
		return true;
	ResetExprContext(econtext);
	old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	ExecClearTuple(slot);
	cks_build_row(&state->rows, entry, NULL, stream->region, stream->account_id,
				  slot->tts_values, slot->tts_isnull);
	ExecStoreVirtualTuple(slot);
	econtext->ecxt_scantuple = slot;
	pass = ExecQual(state->prefilter, econtext);
	MemoryContextSwitchTo(old);
	ExecClearTuple(slot);
	return pass;
}
