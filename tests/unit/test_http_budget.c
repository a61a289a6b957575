/*-------------------------------------------------------------------------
 *
 * test_http_budget.c
 *	  Unit tests of the response memory budget in the HTTP client
 *	  (http_response.c, http.c): many transfers of large bodies at once
 *	  wait for memory instead of growing past the budget, and all finish
 *	  whole as earlier bodies are consumed; a body that can never fit
 *	  fails as over_budget; when every unfinished transfer waits and
 *	  nothing is consumed, the oldest fails instead of all hanging.
 *
 *	  The server is a forked process on loopback, one child per
 *	  connection, each answering a GET with a body of a known pattern.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/http.h"
#include "net/mem_budget.h"
#include "unit.h"

#define NTRANSFERS	8
#define BODY_SIZE	(1024 * 1024 - 100)	/* a 1 MiB buffer holds it */

/* One answer: read the request head, send the body, close. */
static void
answer(int conn, size_t size)
{
	char		buf[4096];
	size_t		got = 0;
	char		head[128];
	char	   *body = malloc(size);
	size_t		i;

	while (got < sizeof(buf) - 1)
	{
		ssize_t		n = read(conn, buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	for (i = 0; i < size; i++)
		body[i] = 'a' + i % 26;
	snprintf(head, sizeof(head),
			 "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", size);
	if (write(conn, head, strlen(head)) < 0)
		_exit(1);
	for (i = 0; i < size;)
	{
		ssize_t		n = write(conn, body + i, size - i);

		if (n <= 0)
			_exit(1);
		i += n;
	}
	_exit(0);
}

/* A forked server answering every connection in a child of its own. */
static pid_t
start_server(size_t size, int *port)
{
	struct sockaddr_in addr;
	socklen_t	len = sizeof(addr);
	int			fd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t		pid;

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *) &addr, sizeof(addr)) != 0 ||
		listen(fd, 64) != 0 ||
		getsockname(fd, (struct sockaddr *) &addr, &len) != 0)
		return -1;
	*port = ntohs(addr.sin_port);
	pid = fork();
	if (pid == 0)
	{
		signal(SIGCHLD, SIG_IGN);	/* no zombies */
		for (;;)
		{
			int			conn = accept(fd, NULL, NULL);

			if (conn < 0)
				_exit(0);
			if (fork() == 0)
				answer(conn, size);
			close(conn);
		}
	}
	close(fd);
	return pid;
}

static void
stop_server(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void
start_transfers(int port, CksHttpId *ids)
{
	char		url[64];
	char		errbuf[256];
	CksHttpRequest req;
	int			i;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.method = "GET";
	req.transport.connect_timeout_ms = 5000;
	req.transport.request_timeout_ms = 20000;
	for (i = 0; i < NTRANSFERS; i++)
		ids[i] = cks_http_start(&req, errbuf);
}

static bool
body_is_whole(const CksHttpResponse *response)
{
	size_t		i;

	if (response->status != 200 || response->body_len != BODY_SIZE)
		return false;
	for (i = 0; i < BODY_SIZE; i++)
		if (response->body[i] != 'a' + (char) (i % 26))
			return false;
	return true;
}

/*
 * Drive the transfers like a scan does: settle memory, wait, take what
 * finished (consume: check and release it when 'consume').  Counts the
 * whole bodies and the over_budget failures; gives up after 30 s.
 */
static void
drive(CksHttpId *ids, bool consume, int *whole, int *over_budget)
{
	bool		taken[NTRANSFERS] = {false};
	int			left = NTRANSFERS;
	int			passes = 0;

	*whole = *over_budget = 0;
	while (left > 0 && passes++ < 3000)
	{
		int			i;

		if (!cks_http_settle_memory(true))
			(void) cks_http_wait(10);
		for (i = 0; i < NTRANSFERS; i++)
		{
			CksHttpTransfer *t = cks_http_find(ids[i]);

			if (taken[i] || t == NULL || !cks_http_is_done(t))
				continue;
			taken[i] = true;
			left--;
			if (body_is_whole(cks_http_response(t)))
				(*whole)++;
			else if (cks_http_response(t)->over_budget)
				(*over_budget)++;
			if (consume)
				cks_http_release(ids[i]);
		}
	}
	for (int i = 0; i < NTRANSFERS; i++)
		cks_http_release(ids[i]);
}

/*
 * One round against a local server: NTRANSFERS bodies of BODY_SIZE with
 * *budget installed, driven to the end (each finished body consumed when
 * consume); *whole and *over count how they ended.  False when the server
 * did not start.
 */
static bool
run_with_budget(CksMemBudget *budget, bool consume, int *whole, int *over)
{
	CksHttpId	ids[NTRANSFERS];
	int			port = 0;
	pid_t		server = start_server(BODY_SIZE, &port);

	if (!CHECK(server > 0))
		return false;
	cks_budget_install(budget);
	start_transfers(port, ids);
	drive(ids, consume, whole, over);
	cks_budget_install(NULL);
	stop_server(server);
	return true;
}

/*
 * Eight 1 MiB bodies at once against a 4 MiB budget: none fails, all
 * arrive whole, and the budget never held more than its limit (all of
 * them at once would be 8 MiB).
 */
static void
test_transfers_wait_for_memory(void)
{
	CksMemBudget budget = {.limit = 4 * 1024 * 1024};
	int			whole;
	int			over;

	if (!run_with_budget(&budget, true, &whole, &over))
		return;
	if (!CHECK(whole == NTRANSFERS))
		fprintf(stderr, "  %d whole bodies, %d over budget\n", whole, over);
	if (!CHECK(budget.peak <= budget.limit))
		fprintf(stderr, "  peak %zu of %zu\n", budget.peak, budget.limit);
	CHECK(budget.used == 0);
}

/* A body the budget can never hold fails as over_budget, not by hanging. */
static void
test_body_that_never_fits(void)
{
	CksMemBudget budget = {.limit = 1024 * 1024};
	int			whole;
	int			over;

	if (!run_with_budget(&budget, true, &whole, &over))
		return;
	CHECK(whole == 0 && over == NTRANSFERS);
	CHECK(budget.used == 0 && budget.peak <= budget.limit);
}

/*
 * Nothing consumed: the finished bodies fill the budget and the others
 * wait for memory that never comes; one by one the oldest waiting fails
 * instead of all hanging, and the budget still holds.
 */
static void
test_stall_fails_the_oldest(void)
{
	CksMemBudget budget = {.limit = 4 * 1024 * 1024};
	int			whole;
	int			over;

	if (!run_with_budget(&budget, false, &whole, &over))
		return;
	if (!CHECK(whole >= 2 && over >= 1 && whole + over == NTRANSFERS))
		fprintf(stderr, "  %d whole bodies, %d over budget\n", whole, over);
	CHECK(budget.peak <= budget.limit);
	CHECK(budget.used == 0);
}

void
run_http_budget_tests(void)
{
	test_transfers_wait_for_memory();
	test_body_that_never_fits();
	test_stall_fails_the_oldest();
}
