/*-------------------------------------------------------------------------
 *
 * http_events.c
 *	  The event side of http.c: which sockets libcurl is waiting on, when
 *	  its timer is due, and how many file descriptors it holds.
 *
 *	  CURLMOPT_SOCKETFUNCTION keeps one epoll set per backend in step with
 *	  curl's sockets (ADD/MOD/DEL), CURLMOPT_TIMERFUNCTION records curl's
 *	  deadline, and cks_http_events_drive() hands curl the sockets that are
 *	  ready and its timeout when due (curl_multi_socket_action).  Callers
 *	  sleep on the one epoll fd -- beside the latch in a WaitEventSet, or as
 *	  an async Append's event -- so there is no FD_SETSIZE limit and no
 *	  polling.
 *
 *	  Every socket curl opens goes through open_counted_socket, which
 *	  counts it against the backend's budget for fds opened outside fd.c
 *	  (AcquireExternalFD); the frontend build just opens.
 *
 *	  Frontend-safe: malloc only, nothing thrown from a curl callback.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <curl/curl.h>
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef FRONTEND
#include "storage/fd.h"
#endif

#include "net/http_events.h"

/* Ready sockets taken from the epoll set per epoll_wait call. */
#define READY_BATCH			64

static int	socket_set = -1;	/* epoll set over curl's sockets */
static bool socket_set_failed = false;	/* an epoll_ctl failed: track_socket */
static bool timer_armed = false;	/* curl asked to be kicked at ... */
static struct timespec timer_deadline;	/* ... this CLOCK_MONOTONIC time */

/*
 * The sockets curl opened through open_counted_socket and has not closed
 * through close_counted_socket, each with its inode: libcurl 7.88 closes a
 * socket that is still connecting without calling the close callback, so
 * the list is checked against the kernel
 * (cks_http_events_forget_closed_sockets).
 */
typedef struct CountedSocket
{
	int			fd;
	ino_t		ino;
} CountedSocket;

static CountedSocket *counted = NULL;
static int	n_counted = 0;
static int	counted_capacity = 0;

/*
 * The epoll set lives as long as the backend, like the multi handle whose
 * sockets it holds.  In the backend it counts as one external fd.
 */
static bool
create_socket_set(char *errbuf)
{
	if (socket_set >= 0)
		return true;
#ifndef FRONTEND
	if (!AcquireExternalFD())
	{
		snprintf(errbuf, 256, "could not create an epoll set: %s", strerror(errno));
		return false;
	}
#endif
	socket_set = epoll_create1(EPOLL_CLOEXEC);
	if (socket_set < 0)
	{
		snprintf(errbuf, 256, "could not create an epoll set: %s", strerror(errno));
#ifndef FRONTEND
		ReleaseExternalFD();
#endif
		return false;
	}
	return true;
}

/*
 * CURLMOPT_SOCKETFUNCTION: mirror curl's interest in one socket into the
 * epoll set.  A socket curl closed without telling us is gone from the set
 * already, and its number may come back for a new socket: so a change
 * (MOD) of a socket the set does not hold becomes an ADD.  An epoll_ctl failure cannot be thrown from
 * here; returning -1 makes curl fail the transfers on that socket
 * (CURLM_ABORTED_BY_CALLBACK) rather than wait on a socket we do not watch.
 */
static int
track_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct epoll_event ev;
	int			rc;

	if (what == CURL_POLL_REMOVE)
	{
		(void) epoll_ctl(socket_set, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.data.fd = fd;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev.events |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev.events |= EPOLLOUT;
	rc = epoll_ctl(socket_set, EPOLL_CTL_MOD, fd, &ev);
	if (rc != 0 && errno == ENOENT)
		rc = epoll_ctl(socket_set, EPOLL_CTL_ADD, fd, &ev);
	if (rc != 0)
	{
		socket_set_failed = true;
		return -1;
	}
	return 0;
}

static void
monotonic_now(struct timespec *now)
{
	clock_gettime(CLOCK_MONOTONIC, now);
}

/* CURLMOPT_TIMERFUNCTION: remember when curl wants to be driven next. */
static int
track_timer(CURLM *multi, long timeout_ms, void *userp)
{
	if (timeout_ms < 0)
	{
		timer_armed = false;
		return 0;
	}
	monotonic_now(&timer_deadline);
	timer_deadline.tv_sec += timeout_ms / 1000;
	timer_deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (timer_deadline.tv_nsec >= 1000000000L)
	{
		timer_deadline.tv_sec++;
		timer_deadline.tv_nsec -= 1000000000L;
	}
	timer_armed = true;
	return 0;
}

/* Give one socket's place in the budget back. */
static void
uncount_at(int i)
{
	counted[i] = counted[--n_counted];
#ifndef FRONTEND
	ReleaseExternalFD();
#endif
}

/*
 * Give back the places of counted sockets that were closed behind our
 * back: the fd is gone, or is now something else (another inode).  Run
 * before refusing a socket and after transfers are dropped, so a leak in
 * libcurl cannot shrink the budget for good.
 */
void
cks_http_events_forget_closed_sockets(void)
{
	int			i = 0;

	while (i < n_counted)
	{
		struct stat st;

		if (fstat(counted[i].fd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
			st.st_ino != counted[i].ino)
			uncount_at(i);
		else
			i++;
	}
}

/* Count a socket; false when the list cannot grow (out of memory). */
static bool
remember_socket(int fd)
{
	struct stat st;

	if (n_counted == counted_capacity)
	{
		int			capacity = counted_capacity ? counted_capacity * 2 : 64;
		CountedSocket *grown = realloc(counted, capacity * sizeof(CountedSocket));

		if (grown == NULL)
			return false;
		counted = grown;
		counted_capacity = capacity;
	}
	if (fstat(fd, &st) != 0)
		return false;
	counted[n_counted].fd = fd;
	counted[n_counted].ino = st.st_ino;
	n_counted++;
	return true;
}

static bool
acquire_budget(void)
{
#ifndef FRONTEND
	if (AcquireExternalFD())
		return true;
	cks_http_events_forget_closed_sockets();
	return AcquireExternalFD();
#else
	return true;
#endif
}

static void
release_budget(void)
{
#ifndef FRONTEND
	ReleaseExternalFD();
#endif
}

/*
 * CURLOPT_OPENSOCKETFUNCTION: curl's sockets are opened outside fd.c, so
 * they are counted here against the backend's budget for external fds
 * (a third of what max_files_per_process leaves).  A refused socket fails
 * its transfer at once (CURLE_COULDNT_CONNECT), with *clientp (the
 * transfer's out_of_fds) set so the caller can say why.
 */
static curl_socket_t
open_counted_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	bool	   *out_of_fds = clientp;
	curl_socket_t fd;

	if (!acquire_budget())
	{
		*out_of_fds = true;
		return CURL_SOCKET_BAD;
	}
	fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
	if (fd < 0 || !remember_socket(fd))
	{
		if (fd < 0 && (errno == EMFILE || errno == ENFILE))
			*out_of_fds = true;
		if (fd >= 0)
			close(fd);
		release_budget();
		return CURL_SOCKET_BAD;
	}
	return fd;
}

/* CURLOPT_CLOSESOCKETFUNCTION: the other half of open_counted_socket. */
static int
close_counted_socket(void *clientp, curl_socket_t fd)
{
	int			i;

	for (i = n_counted - 1; i >= 0; i--)
	{
		if (counted[i].fd == fd)
		{
			uncount_at(i);
			break;
		}
	}
	return close(fd);
}

/* Events epoll reported, in the terms curl_multi_socket_action takes. */
static int
curl_events(uint32_t events)
{
	int			mask = 0;

	if (events & (EPOLLIN | EPOLLHUP))
		mask |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (events & EPOLLERR)
		mask |= CURL_CSELECT_ERR;
	return mask;
}

static bool
timer_expired(void)
{
	struct timespec now;

	if (!timer_armed)
		return false;
	monotonic_now(&now);
	return now.tv_sec > timer_deadline.tv_sec ||
		(now.tv_sec == timer_deadline.tv_sec && now.tv_nsec >= timer_deadline.tv_nsec);
}

/*
 * Hand curl the sockets that are ready now, and its timeout if that has
 * passed; never blocks.  The batches are bounded so a flood of ready
 * sockets cannot keep us here: what is left stays ready for the next call.
 */
void
cks_http_events_drive(CURLM *multi_handle)
{
	struct epoll_event ready[READY_BATCH];
	int			running;
	int			batches;

	for (batches = 0; batches < 16; batches++)
	{
		int			n = epoll_wait(socket_set, ready, READY_BATCH, 0);
		int			i;

		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			curl_multi_socket_action(multi_handle, ready[i].data.fd,
									 curl_events(ready[i].events), &running);
		if (n < READY_BATCH)
			break;
	}
	if (timer_expired())
	{
		timer_armed = false;
		curl_multi_socket_action(multi_handle, CURL_SOCKET_TIMEOUT, 0, &running);
	}
}

/* From the deadline curl last asked for, rounded up to whole ms. */
long
cks_http_events_timeout_ms(void)
{
	struct timespec now;
	long		ms;

	if (!timer_armed)
		return -1;
	monotonic_now(&now);
	ms = (timer_deadline.tv_sec - now.tv_sec) * 1000L +
		(timer_deadline.tv_nsec - now.tv_nsec + 999999L) / 1000000L;
	return ms > 0 ? ms : 0;
}

bool
cks_http_events_attach(CURLM *multi, char *errbuf)
{
	if (!create_socket_set(errbuf))
		return false;
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, track_socket);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, track_timer);
	return true;
}

CURLcode
cks_http_events_count_sockets(CURL *easy, bool *out_of_fds)
{
	CURLcode	rc = curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_counted_socket);

	if (rc == CURLE_OK)
		rc = curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, out_of_fds);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, close_counted_socket);
	return rc;
}

bool
cks_http_events_take_failure(void)
{
	bool		failed = socket_set_failed;

	socket_set_failed = false;
	return failed;
}

int
cks_http_events_fd(void)
{
	return socket_set;
}

int
cks_http_events_counted_sockets(void)
{
	return n_counted;
}

long
cks_http_events_now_ms(void)
{
	struct timespec now;

	monotonic_now(&now);
	return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}

void
cks_http_events_sleep(long ms)
{
	struct epoll_event ev;

	(void) epoll_wait(socket_set, &ev, 1, (int) ms);
}
