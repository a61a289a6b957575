/*-------------------------------------------------------------------------
 *
 * http_events.h
 *	  Internal to the HTTP client (http.c): curl's sockets in one epoll
 *	  set, curl's timer, and the fd budget its sockets are counted against.
 *	  Frontend-safe.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_HTTP_EVENTS_H
#define CKS_HTTP_EVENTS_H

#include <stdbool.h>
#include <curl/curl.h>

/* Create the epoll set (once) and route the multi handle's socket and
 * timer callbacks to it; false with errbuf (256) filled on failure. */
extern bool cks_http_events_attach(CURLM *multi, char *errbuf);

/* Open and close this easy handle's sockets through the fd budget; a
 * refusal sets *out_of_fds (which must outlive the transfer's connect). */
extern CURLcode cks_http_events_count_sockets(CURL *easy, bool *out_of_fds);

/* Hand curl the ready sockets and its due timeout; never blocks. */
extern void cks_http_events_drive(CURLM *multi);

/* Give back the budget of counted sockets curl closed behind our back. */
extern void cks_http_events_forget_closed_sockets(void);

/* An epoll_ctl failed since the last call (and the flag is cleared). */
extern bool cks_http_events_take_failure(void);

/* Milliseconds until curl's timer is due, 0 if overdue, -1 if unset. */
extern long cks_http_events_timeout_ms(void);

extern int	cks_http_events_fd(void);
extern int	cks_http_events_counted_sockets(void);
extern long cks_http_events_now_ms(void);

/* Block on the epoll set alone (the frontend's wait). */
extern void cks_http_events_sleep(long ms);

#endif							/* CKS_HTTP_EVENTS_H */
