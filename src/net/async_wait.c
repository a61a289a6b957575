/*-------------------------------------------------------------------------
 *
 * async_wait.c
 *	  The fd an asynchronous cks_fdw scan gives the executor to wait on.
 *
 *	  An Append has room for one event per waiting subplan, but a scan may
 *	  have many transfers in flight, and the transfers of all scans share
 *	  libcurl's multi handle (any of them may move this scan's pages along).
 *	  So each scan offers its own epoll set holding two fds: http.c's epoll
 *	  set over every socket libcurl uses (kept in step with curl by
 *	  CURLMOPT_SOCKETFUNCTION, so nothing is rebuilt per wait), and a
 *	  timerfd armed for the next thing that is due without socket activity
 *	  (a backoff, a curl timeout, progress another scan already made).
 *	  The scan's set is made once, on the first wait, and closed with the
 *	  scan or with the query's memory context.
 *
 *	  Only one scan of an Append, the watcher, offers that set; the others
 *	  offer their timer alone.  The kernel refuses (EINVAL) to add an epoll
 *	  set through which a socket is reachable along more than 100 paths two
 *	  sets deep: 101 partitions each nesting http.c's set would be that.
 *	  Whatever the watcher's wake-up moves along for another scan, that
 *	  scan's next timer is armed at once (cks_scan_ready), so it loses no
 *	  time.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "net/async_wait.h"
#include "net/http.h"
#include "storage/fd.h"
#include "utils/memutils.h"

/* The scan whose set holds http.c's socket set now, or NULL. */
static CksWaitSet *transfers_watcher = NULL;

void
cks_wait_set_init(CksWaitSet *set)
{
	set->epoll_fd = -1;
	set->timer_fd = -1;
	set->watching_http = false;
	set->callback_registered = false;
	set->request = NULL;
}

/* Each fd was counted with AcquireExternalFD; give the count back. */
static void
close_counted(int *fd)
{
	if (*fd < 0)
		return;
	close(*fd);
	ReleaseExternalFD();
	*fd = -1;
}

void
cks_wait_set_close(CksWaitSet *set)
{
	if (transfers_watcher == set)
		transfers_watcher = NULL;
	close_counted(&set->epoll_fd);
	close_counted(&set->timer_fd);
	set->watching_http = false;
	set->request = NULL;
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

/*
 * The scan's fds come out of the backend's budget for fds opened outside
 * fd.c, like curl's sockets, so a wide query fails with a clear error
 * rather than starving the backend of fds.
 */
static void
acquire_fd_budget(void)
{
	if (!AcquireExternalFD())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("too many open files for an asynchronous cks_fdw scan"),
				 errhint("Lower max_concurrent_requests or raise max_files_per_process.")));
}

static void
create_fds(CksWaitSet *set, MemoryContext cxt)
{
	struct epoll_event ev;

	if (!set->callback_registered)
	{
		MemoryContextCallback *callback;

		callback = MemoryContextAllocZero(cxt, sizeof(MemoryContextCallback));
		callback->func = close_at_reset;
		callback->arg = set;
		MemoryContextRegisterResetCallback(cxt, callback);
		set->callback_registered = true;
	}
	acquire_fd_budget();
	set->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (set->timer_fd < 0)
	{
		ReleaseExternalFD();
		report_failure("create a timer");
	}
	acquire_fd_budget();
	set->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (set->epoll_fd < 0)
	{
		ReleaseExternalFD();
		report_failure("create an epoll set");
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = set->timer_fd;
	if (epoll_ctl(set->epoll_fd, EPOLL_CTL_ADD, set->timer_fd, &ev) != 0)
		report_failure("watch a timer");
}

/* The old watcher's set stops nesting http.c's set, keeping one path. */
static void
unwatch_transfers(CksWaitSet *set)
{
	if (!set->watching_http)
		return;
	if (epoll_ctl(set->epoll_fd, EPOLL_CTL_DEL, cks_http_wait_fd(), NULL) != 0)
		report_failure("stop watching the transfers' sockets");
	set->watching_http = false;
}

/* http.c's set exists from the first transfer on and never changes. */
static void
watch_transfers(CksWaitSet *set)
{
	struct epoll_event ev;
	int			fd = cks_http_wait_fd();

	if (set->watching_http || fd < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = fd;
	if (epoll_ctl(set->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
		report_failure("watch the transfers' sockets");
	set->watching_http = true;
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

/*
 * Every pending request of an Append is asked for its event in each round,
 * so the watcher keeps its role while it is pending under the same Append;
 * when it is not (it has a row, it ended, or another Append is waiting),
 * the scan asking now takes the role over.  Each round thus has exactly one
 * path to the sockets.
 */
static bool
takes_the_watch(CksWaitSet *set)
{
	CksWaitSet *watcher = transfers_watcher;

	if (watcher == set)
		return true;
	if (watcher != NULL && watcher->request != NULL &&
		watcher->request->callback_pending &&
		watcher->request->requestor == set->request->requestor)
		return false;
	if (watcher != NULL)
		unwatch_transfers(watcher);
	transfers_watcher = set;
	return true;
}

int
cks_wait_set_prepare(CksWaitSet *set, AsyncRequest *request,
					 MemoryContext cxt, long wakeup_ms)
{
	if (set->epoll_fd < 0)
		create_fds(set, cxt);
	set->request = request;
	arm_timer(set->timer_fd, wakeup_ms);
	if (!takes_the_watch(set))
		return set->timer_fd;
	watch_transfers(set);
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
