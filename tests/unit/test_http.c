/*-------------------------------------------------------------------------
 *
 * test_http.c
 *	  Unit tests of the HTTP client's URL handling: the Host value that
 *	  SigV4 signs must be exactly what curl sends (port only when it is not
 *	  the scheme's default), and the path must come from the endpoint URL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "http.h"
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

void
run_http_tests(void)
{
	test_host_and_path();
	test_unparsable_url();
}
