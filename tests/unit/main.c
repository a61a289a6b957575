/*-------------------------------------------------------------------------
 *
 * main.c
 *	  The C unit runner: signing and protocol code, tested without a
 *	  PostgreSQL backend.  Prints one line per failure and a closing
 *	  "N passed, N failed" line; exits non-zero on any failure.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <sys/stat.h>

#include "unit.h"

extern void run_sigv4_tests(void);
extern void run_kms_tests(void);
extern void run_json_error_tests(void);
extern void run_service_tests(void);
extern void run_nested_tests(void);
extern void run_metrics_tests(void);
extern void run_quota_bucket_tests(void);
extern void run_sts_tests(void);
extern void run_http_tests(void);
extern void run_names_tests(void);
extern void run_xml_tests(void);
extern void run_secrets_tests(void);
extern void run_credentials_file_tests(void);
extern void run_aws_error_tests(void);
extern void run_keyless_tests(void);
extern void run_sensitive_tests(void);
extern void dump_descriptors(void);
extern void run_source_fetch_tests(void);
extern void run_parse_guard_tests(void);
extern void run_http_budget_tests(void);

static int	passed;
static int	failed;
static int	skipped;

bool
unit_check(bool ok, const char *file, int line, const char *what,
		   const char *detail)
{
	if (ok)
		passed++;
	else
	{
		failed++;
		fprintf(stderr, "FAIL %s:%d: %s%s%s\n", file, line, what,
				detail ? ": " : "", detail ? detail : "");
	}
	return ok;
}

bool
unit_check_str(const char *got, const char *want, const char *file, int line,
			   const char *what)
{
	bool		ok;

	if (got == NULL || want == NULL)
		ok = (got == want);
	else
		ok = (strcmp(got, want) == 0);
	if (ok)
		passed++;
	else
	{
		failed++;
		fprintf(stderr, "FAIL %s:%d: %s\n  got:  %s\n  want: %s\n",
				file, line, what, got ? got : "(null)", want ? want : "(null)");
	}
	return ok;
}

void
unit_skip(const char *what, const char *why)
{
	skipped++;
	printf("SKIP %s: %s\n", what, why);
}

/*
 * CKS_SHARED_TESTDATA overrides; otherwise ../shared/testdata relative to
 * the repository root, where make runs us.
 */
const char *
unit_shared_testdata(void)
{
	static const char *fallback = "../shared/testdata";
	const char *dir = getenv("CKS_SHARED_TESTDATA");
	struct stat st;

	if (dir == NULL || dir[0] == '\0')
		dir = fallback;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return dir;
}

char *
unit_read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
		fseek(f, 0, SEEK_SET) != 0)
	{
		fclose(f);
		return NULL;
	}
	buf = malloc(size + 1);
	if (buf == NULL || fread(buf, 1, size, f) != (size_t) size)
	{
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[size] = '\0';
	fclose(f);
	if (len)
		*len = (size_t) size;
	return buf;
}

/*
 * "--descriptors": print the operation and column descriptors as JSON
 * (tests/unit/check_sensitive.py reads them) instead of running tests.
 */
int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--descriptors") == 0)
	{
		dump_descriptors();
		return 0;
	}
	run_sigv4_tests();
	run_kms_tests();
	run_json_error_tests();
	run_service_tests();
	run_nested_tests();
	run_metrics_tests();
	run_quota_bucket_tests();
	run_sts_tests();
	run_http_tests();
	run_names_tests();
	run_xml_tests();
	run_secrets_tests();
	run_credentials_file_tests();
	run_aws_error_tests();
	run_keyless_tests();
	run_sensitive_tests();
	run_source_fetch_tests();
	run_parse_guard_tests();
	run_http_budget_tests();

	printf("%d passed, %d failed", passed, failed);
	if (skipped > 0)
		printf(", %d skipped", skipped);
	printf("\n");
	return failed == 0 ? 0 : 1;
}
