/*-------------------------------------------------------------------------
 *
 * async_wait.c
 *	  The fd an asynchronous cks_fdw scan gives the executor to wait on.
 *
 *	  An Append has room for one event per waiting subplan, but a scan may
 *	  have many transfers in flight, and the transfers of all scans share
 *	  libcurl's multi handle (any of them may move this scan's pages along).
 *	  So each scan has a timerfd armed for the next thing that is due
 *	  without socket activity (a backoff, a curl timeout, progress another
 *	  scan already made), made on its first wait and closed with the scan
 *	  or with the query's memory context.
 *
 *	  Only one scan of an Append, the watcher, offers more: an epoll set
 *	  holding its timer and http.c's epoll set over every socket libcurl
 *	  uses (kept in step with curl by CURLMOPT_SOCKETFUNCTION, so nothing
 *	  is rebuilt per wait); the others offer their timer alone.  The
 *	  watcher's epoll set is closed when it hands the role over, so an
 *	  Append of N scans holds N + 1 fds, not 2N: on a stock machine (open
 *	  files 1024, a budget of about 330 fds outside fd.c) 100 partitions
 *	  leave room for the sockets and for the executor's own wait set
 *	  (issue 21).  The kernel refuses (EINVAL) to add an epoll
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

/* The fds every scan's wait set holds now (the scheduler's fd budget). */
static int	fds_held = 0;

int
cks_wait_set_fds_held(void)
{
	return fds_held;
}

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
	fds_held--;
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

/* The scan's timer, made on its first wait and tied to 'cxt'. */
static void
create_timer(CksWaitSet *set, MemoryContext cxt)
{
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
	fds_held++;
}

/* The watcher's epoll set: its timer and, once added, http.c's set. */
static void
create_epoll(CksWaitSet *set)
{
	struct epoll_event ev;

	acquire_fd_budget();
	set->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (set->epoll_fd < 0)
	{
		ReleaseExternalFD();
		report_failure("create an epoll set");
	}
	fds_held++;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = set->timer_fd;
	if (epoll_ctl(set->epoll_fd, EPOLL_CTL_ADD, set->timer_fd, &ev) != 0)
		report_failure("watch a timer");
}

/*
 * The old watcher's set stops nesting http.c's set, keeping one path: it
 * is closed (a scan that is not the watcher offers its timer alone, and
 * no wait set of this round holds the old set, as the old watcher is not
 * pending under the Append waiting now).
 */
static void
unwatch_transfers(CksWaitSet *set)
{
	close_counted(&set->epoll_fd);
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
	if (set->timer_fd < 0)
		create_timer(set, cxt);
	set->request = request;
	arm_timer(set->timer_fd, wakeup_ms);
	if (!takes_the_watch(set))
		return set->timer_fd;
	if (set->epoll_fd < 0)
		create_epoll(set);
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
