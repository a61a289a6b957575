/*-------------------------------------------------------------------------
 *
 * request_scheduler.c
 *	  One scheduler per backend for every AWS request, whatever scan,
 *	  partition or credential lookup sends it.  See request_scheduler.h.
 *
 *	  The in-flight cap.  curl's sockets count against the backend's
 *	  budget for fds opened outside fd.c (AcquireExternalFD: a third of
 *	  what max_files_per_process and RLIMIT_NOFILE leave, less what is
 *	  already open).  A connection stays open, idle, after its request
 *	  (curl keeps as many as the cap), so in-flight plus idle must fit:
 *	  the cap is half of the room left, measured once per statement (and
 *	  again whenever a socket is refused), less what the asynchronous
 *	  scans' wait sets take after that (net/async_wait.c: one fd per scan
 *	  of an Append, taken on its first wait, after the requests of every
 *	  scan started; 100 partitions on a stock machine would otherwise
 *	  leave the executor no fd for its own wait set).
 *	  max_concurrent_requests lowers it; 0 (the default) means 256 where
 *	  the budget allows.
 *
 *	  Requests over the cap wait for one in flight to finish; requests
 *	  over their quota wait for their bucket's next token.  Both waits go
 *	  through aws/aws_call.c's backoff waits, on the latch.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "common/pg_prng.h"
#include "net/async_wait.h"
#include "net/http.h"
#include "net/quota_bucket.h"
#include "net/request_quotas.h"
#include "net/request_scheduler.h"
#include "storage/fd.h"
#include "storage/proc.h"
#include "utils/timestamp.h"

/* How often a request waiting for a slot looks again (any transfer that
 * finishes wakes the wait sooner). */
#define SLOT_RECHECK_MS		20
/* The most fds measured for the budget. */
#define MAX_MEASURED_FDS	8192
static int	configured_cap = 0;
static int	fd_room = -1;		/* room for sockets when measured */
static int	fd_room_wait_fds = 0;	/* the wait sets' fds then */
static int	fd_refused_cap = 0;	/* in flight when a socket was refused */
static TimestampTz fd_cap_statement = 0;

void
cks_scheduler_configure(int max_concurrent_requests)
{
	configured_cap = max_concurrent_requests;
}

/*
 * Room for sockets: the external fds still to be had, measured by taking
 * them and giving them back, plus the sockets curl holds already.
 */
static int
measure_socket_room(void)
{
	int			room = 0;
	int			i;

	while (room < MAX_MEASURED_FDS && AcquireExternalFD())
		room++;
	for (i = 0; i < room; i++)
		ReleaseExternalFD();
	return room + cks_http_open_sockets();
}

int
cks_scheduler_cap(void)
{
	TimestampTz statement = GetCurrentStatementStartTimestamp();
	int			cap;
	int			fd_cap;

	if (fd_room < 0 || statement != fd_cap_statement)
	{
		fd_room = measure_socket_room();
		fd_room_wait_fds = cks_wait_set_fds_held();
		fd_refused_cap = 0;
		fd_cap_statement = statement;
	}
	/* in flight + as many idle; a few left for the executor's wait sets */
	fd_cap = Max(1, (fd_room - (cks_wait_set_fds_held() - fd_room_wait_fds)) / 2 - 4);
	if (fd_refused_cap > 0)
		fd_cap = Min(fd_cap, fd_refused_cap);
	cap = configured_cap > 0 ? configured_cap : CKS_DEFAULT_MAX_CONCURRENT;
	return Min(cap, fd_cap);
}

bool
cks_scheduler_slot_free(void)
{
	return cks_http_running_transfers() < cks_scheduler_cap();
}

bool
cks_scheduler_admit(const CksSchedRequest *req, TimestampTz now, long *wait_ms,
					bool *for_token)
{
	CksQuotaKey key;
	double		quota;
	long		token_ms;

	quota = cks_quota_rate(req->request_quotas, req->action);
	cks_quota_key(&key, req->account, req->access_key_id, req->region,
				  req->action);
	if (!cks_scheduler_slot_free())
	{
		/*
		 * No slot: a request whose token is not there yet either goes on
		 * waiting for the token (so that its caller need not count it as
		 * holding a place; aws_call.h), only one that could go now waits
		 * for a slot.
		 */
		token_ms = cks_quota_wait(&key, quota, now);
		*for_token = token_ms > 0;
		*wait_ms = token_ms > 0 ? token_ms : SLOT_RECHECK_MS;
		return false;
	}
	token_ms = cks_quota_take(&key, quota, now);
	if (token_ms > 0)
	{
		*wait_ms = token_ms;
		*for_token = true;
		return false;
	}
	return true;
}

/* When the statement must end (statement_timeout), or 0 when never. */
static TimestampTz
statement_deadline(void)
{
	if (StatementTimeout <= 0)
		return 0;
	return TimestampTzPlusMilliseconds(GetCurrentStatementStartTimestamp(),
									   StatementTimeout);
}

bool
cks_scheduler_has_time(TimestampTz at)
{
	TimestampTz deadline = statement_deadline();

	/* a request takes some time too: give up 100 ms before the end */
	return deadline == 0 || at < TimestampTzPlusMilliseconds(deadline, -100);
}

bool
cks_scheduler_throttled(const CksSchedRequest *req, int throttled,
						TimestampTz now, TimestampTz *retry_at)
{
	CksQuotaKey key;
	double		quota = cks_quota_rate(req->request_quotas, req->action);
	long		cap;
	long		delay_ms;

	cks_quota_key(&key, req->account, req->access_key_id, req->region,
				  req->action);
	cks_quota_throttled(&key, quota, req->sent_at, now);
	if (!cks_throttle_may_retry(throttled, req->throttled_since, now))
		return false;
	/* "equal jitter": between half and all of the cap (quota_bucket.c) */
	cap = cks_throttle_backoff_cap_ms(throttled);
	delay_ms = (long) (cap / 2.0 + pg_prng_double(&pg_global_prng_state) * cap / 2.0);
	*retry_at = TimestampTzPlusMilliseconds(now, delay_ms);
	return cks_scheduler_has_time(*retry_at);
}

bool
cks_scheduler_out_of_fds(void)
{
	int			running = cks_http_running_transfers();

	if (running == 0)
		return false;
	/* what is in flight now is what fits, until the next statement */
	fd_refused_cap = fd_refused_cap > 0 ? Min(fd_refused_cap, running) : running;
	return true;
}
