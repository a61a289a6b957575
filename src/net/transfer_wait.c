/*-------------------------------------------------------------------------
 *
 * transfer_wait.c
 *	  The backend's wait for HTTP transfers: one WaitEventSet with the
 *	  process latch, postmaster death and http.c's epoll set over curl's
 *	  sockets.
 *
 *	  Nothing here polls.  The sleep ends when a socket is ready, when curl's
 *	  own timer (connect and request timeouts, its internal kicks) or the
 *	  caller's deadline (a retry's backoff) is due, or when the latch is set
 *	  -- which is how query cancel, statement_timeout and termination reach
 *	  us, at once.  A backend blocked on a hung request therefore sleeps
 *	  until one of those happens, not in slices.
 *
 *	  The set is made once per backend, in TopMemoryContext, and kept: it
 *	  holds an epoll fd, and making one per wait would both risk leaking it
 *	  on an error and need an fd from the budget that a wide fan-out of
 *	  connections may just have spent.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "net/http.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "net/transfer_wait.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

static WaitEventSet *transfer_wait_set = NULL;

/*
 * Built on the first wait, after the first transfer created http.c's
 * epoll set.  An error half-way frees what was built, so nothing leaks.
 */
static WaitEventSet *
wait_set(void)
{
	WaitEventSet *set;

	if (transfer_wait_set != NULL)
		return transfer_wait_set;
	Assert(cks_http_wait_fd() >= 0);
#if PG_VERSION_NUM >= 170000
	set = CreateWaitEventSet(NULL, 3);
#else
	set = CreateWaitEventSet(TopMemoryContext, 3);
#endif
	PG_TRY();
	{
		AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
		AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
		AddWaitEventToSet(set, WL_SOCKET_READABLE, cks_http_wait_fd(), NULL, NULL);
	}
	PG_CATCH();
	{
		FreeWaitEventSet(set);
		PG_RE_THROW();
	}
	PG_END_TRY();
	transfer_wait_set = set;
	return set;
}

bool
cks_wait_for_transfers(long timeout_ms)
{
	long		curl_ms;
	WaitEvent	event;

	if (cks_http_wait_fd() < 0)
		return false;			/* no transfer was ever started */
	/* nothing gives response memory back while we sleep */
	if (cks_http_settle_memory(true))
		return true;
	curl_ms = cks_http_timeout_ms();
	if (curl_ms >= 0 && (timeout_ms < 0 || curl_ms < timeout_ms))
		timeout_ms = curl_ms;
	if (WaitEventSetWait(wait_set(), timeout_ms, &event, 1,
						 PG_WAIT_EXTENSION) == 1 &&
		(event.events & WL_LATCH_SET))
	{
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	return cks_http_wait(0);
}
