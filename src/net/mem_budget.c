/*-------------------------------------------------------------------------
 *
 * mem_budget.c
 *	  Counting what endpoints make a backend hold against one limit.  See
 *	  mem_budget.h.  Frontend-safe: malloc unless an allocator is
 *	  installed, and never throws.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <stdint.h>

#include "net/mem_budget.h"

static CksMemBudget unlimited = {.limit = SIZE_MAX};
static CksMemBudget *installed = NULL;

CksMemBudget *
cks_budget(void)
{
	return installed ? installed : &unlimited;
}

void
cks_budget_install(CksMemBudget *budget)
{
	installed = budget;
}

static void
note_change(CksMemBudget *budget)
{
	if (budget->used > budget->peak)
		budget->peak = budget->used;
	if (budget->changed)
		budget->changed(budget);
}

/* Written so that no sum can wrap around. */
bool
cks_budget_fits(const CksMemBudget *budget, size_t n, size_t keep_free)
{
	size_t		room;

	if (budget->used > budget->limit)
		return false;
	room = budget->limit - budget->used;
	return room >= keep_free && room - keep_free >= n;
}

bool
cks_budget_could_fit(const CksMemBudget *budget, size_t n)
{
	return n <= budget->limit;
}

bool
cks_budget_take(CksMemBudget *budget, size_t n, size_t keep_free)
{
	if (!cks_budget_fits(budget, n, keep_free))
		return false;
	budget->used += n;
	note_change(budget);
	return true;
}

/*
 * Parse results are built by libraries that cannot wait half-way, so they
 * are counted even past the limit; transfers then wait until they are
 * freed.  The caller has checked that they could ever fit.
 */
void
cks_budget_take_parsed(CksMemBudget *budget, size_t n)
{
	budget->used = (SIZE_MAX - budget->used < n) ? SIZE_MAX : budget->used + n;
	budget->parsed += n;
	note_change(budget);
}

void
cks_budget_give(CksMemBudget *budget, size_t n, bool parsed)
{
	budget->used = budget->used > n ? budget->used - n : 0;
	if (parsed)
		budget->parsed = budget->parsed > n ? budget->parsed - n : 0;
	note_change(budget);
}

void *
cks_budget_alloc(CksMemBudget *budget, size_t n, size_t keep_free)
{
	void	   *ptr;

	if (!cks_budget_take(budget, n, keep_free))
		return NULL;
	ptr = budget->alloc ? budget->alloc(n) : malloc(n);
	if (ptr == NULL)
		cks_budget_give(budget, n, false);
	return ptr;
}

void
cks_budget_free(CksMemBudget *budget, void *ptr, size_t n)
{
	if (ptr == NULL)
		return;
	if (budget->free)
		budget->free(ptr);
	else
		free(ptr);
	cks_budget_give(budget, n, false);
}

void
cks_budget_refuse(const CksMemBudget *budget, size_t need)
{
	if (budget->refuse)
		budget->refuse(need, budget->limit);
}
