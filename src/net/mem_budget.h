/*-------------------------------------------------------------------------
 *
 * mem_budget.h
 *	  The backend's one budget for what endpoints make it hold: response
 *	  bodies (http_response.c) and the parse results built from them
 *	  (parse_guard.c).  Per backend, not per response: the 16 MiB cap of
 *	  one body says nothing about a fan-out of a thousand of them.
 *
 *	  A plain accounting object, frontend-safe: the backend installs one
 *	  with its allocator (a MemoryContext, so that the bodies show in
 *	  pg_backend_memory_contexts), its limit (cks_fdw.max_response_memory)
 *	  and a refusal that throws (response_memory.c); unit tests and fuzz
 *	  targets install their own.  Nothing here throws: the refusal hook is
 *	  called only where the caller says throwing is safe.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_MEM_BUDGET_H
#define CKS_MEM_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct CksMemBudget
{
	size_t		limit;			/* bytes; SIZE_MAX: no limit */
	size_t		used;			/* bodies and parse results held now */
	size_t		peak;			/* the most 'used' has been */
	size_t		parsed;			/* of 'used': parse results */
	/* where bodies live; NULL: malloc/free.  alloc never throws. */
	void	   *(*alloc) (size_t size);
	void		(*free) (void *ptr);
	/* told about a request that can never fit; may throw (see callers) */
	void		(*refuse) (size_t need, size_t limit);
	/* told after every change of 'used' (the backend shows it) */
	void		(*changed) (const struct CksMemBudget *budget);
} CksMemBudget;

/* The budget in use: the one installed, else an unlimited malloc one. */
extern CksMemBudget *cks_budget(void);

/* Install a budget (NULL: back to the unlimited default). */
extern void cks_budget_install(CksMemBudget *budget);

/* Whether n more bytes fit while 'keep_free' bytes stay unspent. */
extern bool cks_budget_fits(const CksMemBudget *budget, size_t n,
							size_t keep_free);

/* Whether n bytes could ever fit, with nothing else held. */
extern bool cks_budget_could_fit(const CksMemBudget *budget, size_t n);

/* Count n bytes if they fit (keeping keep_free unspent); else false. */
extern bool cks_budget_take(CksMemBudget *budget, size_t n, size_t keep_free);

/* Count n bytes of parse results, whether or not they fit. */
extern void cks_budget_take_parsed(CksMemBudget *budget, size_t n);

/* Give n bytes back (of a body, or of parse results with 'parsed'). */
extern void cks_budget_give(CksMemBudget *budget, size_t n, bool parsed);

/*
 * A body buffer of n bytes, counted, when it fits (keeping keep_free
 * unspent) and memory is there; else NULL.  Never throws.
 */
extern void *cks_budget_alloc(CksMemBudget *budget, size_t n,
							  size_t keep_free);

/* Free a buffer from cks_budget_alloc of n bytes (NULL: nothing). */
extern void cks_budget_free(CksMemBudget *budget, void *ptr, size_t n);

/* Call the refusal hook (if any) for a request that can never fit. */
extern void cks_budget_refuse(const CksMemBudget *budget, size_t need);

#endif							/* CKS_MEM_BUDGET_H */
