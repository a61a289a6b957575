/*-------------------------------------------------------------------------
 *
 * async_wait.h
 *	  One pollable fd per asynchronous scan, for the executor's Append:
 *	  an epoll set over the sockets libcurl is using plus a timer.
 *
 *	  Linux only (epoll, timerfd).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_ASYNC_WAIT_H
#define CKS_ASYNC_WAIT_H

#include "postgres.h"

typedef struct CksWaitSet
{
	int			epoll_fd;		/* rebuilt at every prepare */
	int			timer_fd;		/* created once, re-armed at every prepare */
} CksWaitSet;

extern void cks_wait_set_init(CksWaitSet *set);

/*
 * Rebuild the epoll set over libcurl's current sockets, arm the timer for
 * wakeup_ms (0: at once; -1: never), and return the fd to wait on.  The
 * first call ties the fds to 'cxt', so an error that ends the query closes
 * them even without cks_wait_set_close.
 */
extern int	cks_wait_set_prepare(CksWaitSet *set, MemoryContext cxt,
								 long wakeup_ms);

/* Consume a timer expiry so the fd does not stay readable. */
extern void cks_wait_set_drain(CksWaitSet *set);

extern void cks_wait_set_close(CksWaitSet *set);

#endif							/* CKS_ASYNC_WAIT_H */
