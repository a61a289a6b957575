/*-------------------------------------------------------------------------
 *
 * response_memory.h
 *	  The backend side of the response memory budget (mem_budget.h): the
 *	  superuser setting cks_fdw.max_response_memory, the memory context
 *	  the bodies live in ("cks_fdw response memory", seen in
 *	  pg_backend_memory_contexts with the parse results counted in its
 *	  ident), and the error for an answer that can never fit.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_RESPONSE_MEMORY_H
#define CKS_RESPONSE_MEMORY_H

#include <stddef.h>

#include "compat.h"

/* Define the setting and install the budget; called from _PG_init. */
extern void cks_response_memory_initialize(void);

/*
 * ERROR out_of_memory (53200) for an answer that needs 'need' bytes of a
 * budget it does not fit in, with a hint naming the setting.
 */
pg_noreturn extern void cks_response_memory_exhausted(size_t need);

#endif							/* CKS_RESPONSE_MEMORY_H */
