/*-------------------------------------------------------------------------
 *
 * async_wait.c
 *	  The fd an asynchronous cks_fdw scan gives the executor to wait on.
 *
 *	  An Append has room for one event per waiting subplan, but a scan may
 *	  have several transfers in flight, and the transfers of all scans share
 *	  libcurl's multi handle (any of them may move this scan's pages along).
 *	  So each scan offers an epoll set holding every socket libcurl uses
 *	  plus a timerfd: readable on any socket activity, and when the timer
 *	  set by the caller ends (a backoff, a curl timeout, progress made by
 *	  another scan, or the polling bound that lets cancel through).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "async_wait.h"
#include "http.h"
#include "utils/memutils.h"

/* More sockets than this are not watched; the timer still wakes the scan. */
#define MAX_WATCHED_SOCKETS	256

void
cks_wait_set_init(CksWaitSet *set)
{
	set->epoll_fd = -1;
	set->timer_fd = -1;
}

void
cks_wait_set_close(CksWaitSet *set)
{
	if (set->epoll_fd >= 0)
		close(set->epoll_fd);
	if (set->timer_fd >= 0)
		close(set->timer_fd);
	cks_wait_set_init(set);
}

/* An error ends the query without EndForeignScan: close the fds then. */
static void
close_at_reset(void *arg)
{
	cks_wait_set_close((CksWaitSet *) arg);
}

static void
report_failure(const char *what)
{
	ereport(ERROR,
			(errcode_for_socket_access(),
			 errmsg("could not %s for an asynchronous cks_fdw scan: %m", what)));
}

static void
create_timer(CksWaitSet *set, MemoryContext cxt)
{
	MemoryContextCallback *callback;

	set->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (set->timer_fd < 0)
		report_failure("create a timer");
	callback = MemoryContextAllocZero(cxt, sizeof(MemoryContextCallback));
	callback->func = close_at_reset;
	callback->arg = set;
	MemoryContextRegisterResetCallback(cxt, callback);
}

static void
watch_fd(int epoll_fd, int fd, uint32 events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.fd = fd;
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0 && errno != EEXIST)
		report_failure("watch a socket");
}

static void
arm_timer(int timer_fd, long ms)
{
	struct itimerspec spec;

	memset(&spec, 0, sizeof(spec));
	if (ms == 0)
		spec.it_value.tv_nsec = 1;	/* now: the fd is readable at once */
	else if (ms > 0)
	{
		spec.it_value.tv_sec = ms / 1000;
		spec.it_value.tv_nsec = (ms % 1000) * 1000000L;
	}
	/* ms < 0 leaves it_value zero: disarmed */
	if (timerfd_settime(timer_fd, 0, &spec, NULL) != 0)
		report_failure("arm a timer");
}

int
cks_wait_set_prepare(CksWaitSet *set, MemoryContext cxt, long wakeup_ms)
{
	int			fds[MAX_WATCHED_SOCKETS];
	bool		want_write[MAX_WATCHED_SOCKETS];
	int			nfds;
	int			i;

	if (set->timer_fd < 0)
		create_timer(set, cxt);
	/* a fresh set: sockets come and go between waits */
	if (set->epoll_fd >= 0)
		close(set->epoll_fd);
	set->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (set->epoll_fd < 0)
		report_failure("create an epoll set");

	watch_fd(set->epoll_fd, set->timer_fd, EPOLLIN);
	nfds = cks_http_sockets(fds, want_write, MAX_WATCHED_SOCKETS);
	for (i = 0; i < nfds; i++)
		watch_fd(set->epoll_fd, fds[i], want_write[i] ? EPOLLOUT : EPOLLIN);
	arm_timer(set->timer_fd, wakeup_ms);
	return set->epoll_fd;
}

void
cks_wait_set_drain(CksWaitSet *set)
{
	uint64		expirations;

	if (set->timer_fd >= 0 &&
		read(set->timer_fd, &expirations, sizeof(expirations)) < 0 &&
		errno != EAGAIN)
		report_failure("read a timer");
}
