/*-------------------------------------------------------------------------
 *
 * async_wait.h
 *	  One pollable fd per asynchronous scan, for the executor's Append:
 *	  its timer, and for one scan of the Append an epoll set over http.c's
 *	  socket set plus that timer.
 *
 *	  Linux only (epoll, timerfd).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_ASYNC_WAIT_H
#define CKS_ASYNC_WAIT_H

#include "postgres.h"

#include "nodes/execnodes.h"

typedef struct CksWaitSet
{
	int			epoll_fd;		/* the watcher's only: timer_fd + http.c's set */
	int			timer_fd;		/* re-armed at every prepare */
	bool		watching_http;	/* http.c's set is in epoll_fd */
	bool		callback_registered;	/* close_at_reset is on the context */
	AsyncRequest *request;		/* the Append's request it last waited for */
} CksWaitSet;

extern void cks_wait_set_init(CksWaitSet *set);

/*
 * Arm the timer for wakeup_ms (0: at once; -1: never) and return the fd to
 * wait on for 'request': readable when the timer ends and, for the one
 * scan of the Append that watches the transfers, on socket activity of any
 * transfer.  The first call creates the fds and ties them to 'cxt', so an
 * error that ends the query closes them even without cks_wait_set_close.
 */
extern int	cks_wait_set_prepare(CksWaitSet *set, AsyncRequest *request,
								 MemoryContext cxt, long wakeup_ms);

/* Consume a timer expiry so the fd does not stay readable. */
extern void cks_wait_set_drain(CksWaitSet *set);

extern void cks_wait_set_close(CksWaitSet *set);

/* How many fds the scans' wait sets hold now (counted as external fds). */
extern int	cks_wait_set_fds_held(void);

#endif							/* CKS_ASYNC_WAIT_H */
