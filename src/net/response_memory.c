/*-------------------------------------------------------------------------
 *
 * response_memory.c
 *	  One budget per backend for what endpoints make it hold: response
 *	  bodies and the parse results built from them (mem_budget.h counts,
 *	  http_response.c and parse_guard.c charge it).  This file gives it a
 *	  limit (cks_fdw.max_response_memory, superuser-only: it protects the
 *	  server, not a session), a home for the bodies, and the error.
 *
 *	  Bodies are allocated in one MemoryContext, "cks_fdw response
 *	  memory", a child of TopMemoryContext, so pg_backend_memory_contexts
 *	  shows them; json-c and libxml2 allocate their trees themselves, so
 *	  what those are counted at is shown in the context's ident.  The
 *	  allocator never throws (MCXT_ALLOC_NO_OOM, sizes far below
 *	  MaxAllocSize): it is called from inside curl's write callback.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "net/mem_budget.h"
#include "net/response_memory.h"
#include "utils/guc.h"
#include "utils/memutils.h"

static int	max_response_memory_kb = 256 * 1024;
static MemoryContext response_cxt = NULL;
static CksMemBudget budget;
static char ident[128];

static void *
alloc_body(size_t size)
{
	return MemoryContextAllocExtended(response_cxt, size, MCXT_ALLOC_NO_OOM);
}

static void
free_body(void *ptr)
{
	pfree(ptr);
}

/* Keep the ident in step; cheap, and safe inside a curl callback. */
static void
show_budget(const CksMemBudget *b)
{
	snprintf(ident, sizeof(ident),
			 "%zu of %zu bytes in use, %zu of them parse results",
			 b->used, b->limit, b->parsed);
}

/*
 * The parse guard calls this before any parser object exists, so
 * throwing is safe there.
 */
static void
refuse_parse(size_t need, size_t limit)
{
	cks_response_memory_exhausted(need);
}

static void
assign_max_response_memory(int newval, void *extra)
{
	budget.limit = (size_t) newval * 1024;
	if (response_cxt != NULL)
		show_budget(&budget);
}

void
cks_response_memory_initialize(void)
{
	DefineCustomIntVariable("cks_fdw.max_response_memory",
							"Most memory one backend spends on response bodies and their parse results.",
							"When it is spent, transfers wait until memory is given back; an answer that can never fit fails.",
							&max_response_memory_kb,
							256 * 1024, 1024, INT_MAX,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, assign_max_response_memory, NULL);
	response_cxt = AllocSetContextCreate(TopMemoryContext,
										 "cks_fdw response memory",
										 ALLOCSET_START_SMALL_SIZES);
	budget.limit = (size_t) max_response_memory_kb * 1024;
	budget.alloc = alloc_body;
	budget.free = free_body;
	budget.refuse = refuse_parse;
	budget.changed = show_budget;
	show_budget(&budget);
	MemoryContextSetIdentifier(response_cxt, ident);
	cks_budget_install(&budget);
}

void
cks_response_memory_exhausted(size_t need)
{
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("an answer does not fit in this backend's response memory"),
			 errdetail("It needs %zu bytes; cks_fdw.max_response_memory is %zu bytes, and %zu bytes are in use.",
					   need, budget.limit, budget.used),
			 errhint("Raise cks_fdw.max_response_memory (superuser), or lower max_concurrent_requests.")));
}
