/*-------------------------------------------------------------------------
 *
 * test_http.c
 *	  Unit tests of the HTTP client's URL handling: the Host value that
 *	  SigV4 signs must be exactly what curl sends (port only when it is not
 *	  the scheme's default), and the path must come from the endpoint URL;
 *	  and of the event-driven wait: curl's sockets in one epoll set, its
 *	  timer honoured, no wake-ups while a request hangs; and of the fd
 *	  accounting: every connection counted is given back.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/http.h"
#include "net/endpoint_url.h"
#include "unit.h"

static void
check_host_and_path(const char *url, const char *want_host, const char *want_path)
{
	char	   *host;
	char	   *path;

	if (!CHECK(cks_url_host_and_path(url, &host, &path)))
	{
		fprintf(stderr, "  url: %s\n", url);
		return;
	}
	CHECK_STR(host, want_host);
	CHECK_STR(path, want_path);
	free(host);
	free(path);
}

static void
test_host_and_path(void)
{
	check_host_and_path("https://kms.us-east-1.amazonaws.com", "kms.us-east-1.amazonaws.com", "/");
	check_host_and_path("https://kms.us-east-1.amazonaws.com/", "kms.us-east-1.amazonaws.com", "/");
	check_host_and_path("https://kms.us-east-1.amazonaws.com:443/", "kms.us-east-1.amazonaws.com", "/");
	check_host_and_path("http://127.0.0.1:80/", "127.0.0.1", "/");
	check_host_and_path("http://127.0.0.1:4566/", "127.0.0.1:4566", "/");
	check_host_and_path("https://127.0.0.1:80/", "127.0.0.1:80", "/");
	check_host_and_path("http://localhost:8080/kms", "localhost:8080", "/kms");
	check_host_and_path("http://[::1]:4566/", "[::1]:4566", "/");
	check_host_and_path("HTTPS://KMS.EU-WEST-1.AMAZONAWS.COM/", "KMS.EU-WEST-1.AMAZONAWS.COM", "/");
}

static void
test_unparsable_url(void)
{
	char	   *host = (char *) "unchanged";
	char	   *path = (char *) "unchanged";

	CHECK(!cks_url_host_and_path("not a url", &host, &path));
	CHECK(host == NULL && path == NULL);
	CHECK(!cks_url_host_and_path("http://", &host, &path));
}

/* A loopback listener that never accepts: the kernel completes the
 * handshake, the request is sent, and no answer ever comes. */
static int
silent_listener(int *port)
{
	struct sockaddr_in addr;
	socklen_t	len = sizeof(addr);
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *) &addr, sizeof(addr)) != 0 ||
		listen(fd, 16) != 0 ||
		getsockname(fd, (struct sockaddr *) &addr, &len) != 0)
		return -1;
	*port = ntohs(addr.sin_port);
	return fd;
}

static long
elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000L +
		(now.tv_nsec - since->tv_nsec) / 1000000L;
}

/*
 * A request that hangs for its whole 1 s timeout: the wait sleeps on the
 * epoll set until curl's timer says the time is up -- a handful of
 * wake-ups, not one per 50 ms slice -- and the transfer ends as a timeout.
 */
static void
test_wait_sleeps_until_timeout(void)
{
	int			port = 0;
	int			listener = silent_listener(&port);
	char		url[64];
	char		errbuf[256];
	CksHttpRequest req;
	CksHttpId	id;
	CksHttpTransfer *transfer;
	struct rusage before;
	struct rusage after;
	struct timespec start;
	struct epoll_event ev;
	long		waited;
	int			passes = 0;

	if (!CHECK(listener >= 0))
		return;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.method = "POST";
	req.body = "{}";
	req.body_len = 2;
	req.transport.connect_timeout_ms = 1000;
	req.transport.request_timeout_ms = 1000;
	id = cks_http_start(&req, errbuf);
	if (!CHECK(id != 0))
		return;
	CHECK(cks_http_wait_fd() >= 0);
	CHECK(cks_http_timeout_ms() == 0);	/* curl wants a kick at once */

	clock_gettime(CLOCK_MONOTONIC, &start);
	getrusage(RUSAGE_SELF, &before);
	while (!cks_http_wait(5000) && passes++ < 100)
		;
	getrusage(RUSAGE_SELF, &after);
	waited = elapsed_ms(&start);

	transfer = cks_http_find(id);
	if (CHECK(transfer != NULL && cks_http_is_done(transfer)))
	{
		CHECK(cks_http_response(transfer)->status == 0);
		CHECK(cks_http_response(transfer)->curl_code == CURLE_OPERATION_TIMEDOUT);
	}
	CHECK(waited >= 950 && waited < 3000);
	if (!CHECK(after.ru_nvcsw - before.ru_nvcsw < 10))
		fprintf(stderr, "  %ld voluntary context switches in %ld ms\n",
				after.ru_nvcsw - before.ru_nvcsw, waited);
	cks_http_release(id);
	/* nothing is left in the set for a wait to see */
	CHECK(epoll_wait(cks_http_wait_fd(), &ev, 1, 0) == 0);
	CHECK(cks_http_timeout_ms() == -1);
	CHECK(cks_http_open_sockets() == 0);
	close(listener);
}

/*
 * Transfers dropped in flight (a cancel, an error) give back every socket
 * counted against the budget -- also those still connecting, which
 * libcurl 7.88 closes without calling CURLOPT_CLOSESOCKETFUNCTION (the
 * listener's backlog of 1 leaves most of these 20 in SYN_SENT).
 */
static void
test_release_in_flight_gives_back(void)
{
	int			port = 0;
	int			listener = silent_listener(&port);
	char		url[64];
	char		errbuf[256];
	CksHttpRequest req;
	CksHttpId	ids[20];
	int			i;

	if (!CHECK(listener >= 0))
		return;
	listen(listener, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.method = "POST";
	req.body = "{}";
	req.body_len = 2;
	req.transport.connect_timeout_ms = 5000;
	req.transport.request_timeout_ms = 5000;
	for (i = 0; i < 20; i++)
		ids[i] = cks_http_start(&req, errbuf);
	for (i = 0; i < 5; i++)
		(void) cks_http_wait(50);
	CHECK(cks_http_open_sockets() == 20);
	for (i = 0; i < 20; i++)
		cks_http_release(ids[i]);
	if (!CHECK(cks_http_open_sockets() == 0))
		fprintf(stderr, "  %d sockets still counted\n", cks_http_open_sockets());
	close(listener);
}

void
run_http_tests(void)
{
	test_host_and_path();
	test_unparsable_url();
	test_wait_sleeps_until_timeout();
	test_release_in_flight_gives_back();
}
