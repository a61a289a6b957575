/*-------------------------------------------------------------------------
 *
 * http.h
 *	  The HTTP client: libcurl's multi interface, shared by every request a
 *	  backend makes, so that transfers to several endpoints run at once and
 *	  connections stay alive across pages and queries.
 *
 *	  Frontend-safe.  Nothing here throws while curl is running: response
 *	  bodies live in memory counted against the backend's response memory
 *	  budget (mem_budget.h; in a backend, a MemoryContext allocated from
 *	  without ever throwing), and the only way out of a wait besides
 *	  returning is the interrupt hook, which is called between curl calls
 *	  (never inside a curl callback).
 *
 *	  When the budget is spent, a transfer whose body must grow is paused
 *	  (curl stops reading its socket) until memory is given back; the
 *	  oldest unfinished transfer may use memory the others leave free for
 *	  it, so one of them can always finish.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_HTTP_H
#define CKS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http_response.h"

/*
 * One HTTP header as the caller will send it.  The transport's type: the
 * signer (aws/sigv4.h) fills and signs these, the transport never needs
 * the signer.
 */
typedef struct CksHeader
{
	const char *name;
	const char *value;
} CksHeader;

/*
 * How a server's requests travel, set once from its options and embedded
 * as one value wherever a request is described (call settings, plain
 * requests, the transfer itself).
 */
typedef struct CksTransport
{
	int			connect_timeout_ms;
	int			request_timeout_ms; /* the whole attempt */
	int			max_attempts;	/* for the retrying caller; >= 1 */
	const char *ca_file;		/* NULL: the system bundle */
	const char *proxy;			/* NULL: no proxy, whatever the environment
								 * (http_proxy, https_proxy, all_proxy) says */
	const char *no_proxy;		/* hosts that bypass proxy; NULL: none */
} CksTransport;

typedef struct CksHttpRequest
{
	const char *url;
	const char *method;			/* "POST"; "GET" and "PUT" may have no body */
	const CksHeader *headers;	/* sent as given (Host comes from the URL) */
	int			nheaders;
	const char *body;			/* NULL: none (GET, PUT only) */
	size_t		body_len;
	CksTransport transport;
	const void *owner;			/* tag for cks_http_release_owner() */
} CksHttpRequest;

/*
 * Callers hold a transfer by its id, never by pointer: a transfer can be
 * released behind its caller's back (its owner went away, the transaction
 * aborted), and an id that is never reused then simply finds nothing.
 * 0 is no transfer.
 */
typedef uint64_t CksHttpId;

/* Called first on every cks_http_wait and on every pass of its loop;
 * may longjmp. */
typedef void (*CksHttpInterruptHook) (void);

extern void cks_http_set_interrupt_hook(CksHttpInterruptHook hook);

/*
 * Start a transfer.  Returns 0 when curl cannot even set it up, with the
 * reason in errbuf (size 256).
 */
extern CksHttpId cks_http_start(const CksHttpRequest *req, char *errbuf);

/* The live transfer with this id, or NULL once it has been released. */
extern CksHttpTransfer *cks_http_find(CksHttpId id);

/*
 * Move every transfer forward, waiting up to timeout_ms for one of them to
 * finish.  Returns true if at least one transfer finished.  The interrupt
 * hook runs first on every call, even one that returns at once.  A backend
 * calls it with 0 after its own wait on cks_http_wait_fd() and its latch.
 */
extern bool cks_http_wait(int timeout_ms);

extern bool cks_http_is_done(const CksHttpTransfer *transfer);
extern const CksHttpResponse *cks_http_response(const CksHttpTransfer *transfer);

/* Detach a transfer from the multi handle and free it with its response;
 * nothing happens when it is already gone. */
extern void cks_http_release(CksHttpId id);

/* Drop every transfer started with this owner tag (its owner is ending). */
extern void cks_http_release_owner(const void *owner);

/* Drop every transfer (the transaction is aborting). */
extern void cks_http_release_all(void);

/*
 * Let transfers that wait for response memory go on where it is there
 * now (the oldest first).  With about_to_sleep (the caller sleeps next,
 * so nothing can give memory back meanwhile): when every unfinished
 * transfer waits for memory, the oldest fails with over_budget instead of
 * all of them waiting forever; returns true then (a transfer finished:
 * do not sleep).
 */
extern bool cks_http_settle_memory(bool about_to_sleep);

/* Milliseconds until curl needs to be driven even without socket
 * activity (its own timeouts); -1 when it does not. */
extern long cks_http_timeout_ms(void);

/*
 * One fd, readable whenever a socket of any transfer is: an epoll set that
 * follows curl's sockets as they come and go (-1 before the first
 * transfer).  It lives as long as the backend; wait on it, never close it.
 */
extern int	cks_http_wait_fd(void);

/* Transfers started and not finished yet (each holds a connection). */
extern int	cks_http_running_transfers(void);

/* Connections curl holds open now, in flight or idle (each one fd). */
extern int	cks_http_open_sockets(void);

/* Let curl keep at least n idle connections (for a fan-out of n). */
extern void cks_http_reserve_connections(long n);

#endif							/* CKS_HTTP_H */
