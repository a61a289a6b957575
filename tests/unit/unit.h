/*-------------------------------------------------------------------------
 *
 * unit.h
 *	  A minimal assertion harness for the C unit runner (tests/unit).
 *
 *	  Each test file exposes one "run_*_tests(void)" function, listed in
 *	  main.c.  A failed check prints where and why and counts as a failure;
 *	  the runner ends with "N passed, N failed[, N skipped]".
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_UNIT_H
#define CKS_UNIT_H

#include <stdbool.h>

/* Record one check; returns ok so callers can stop a case early. */
extern bool unit_check(bool ok, const char *file, int line,
					   const char *what, const char *detail);
/* Record one string comparison (NULL-safe); prints both on mismatch. */
extern bool unit_check_str(const char *got, const char *want,
						   const char *file, int line, const char *what);
/* Record a case that cannot run here (e.g. ../shared absent). */
extern void unit_skip(const char *what, const char *why);

/* Directory holding shared test data, or NULL when ../shared is absent. */
extern const char *unit_shared_testdata(void);
/* Whole file into a malloc'd NUL-terminated buffer, or NULL. */
extern char *unit_read_file(const char *path, size_t *len);

#define CHECK(cond) unit_check((cond), __FILE__, __LINE__, #cond, NULL)
#define CHECK_STR(got, want) unit_check_str((got), (want), __FILE__, __LINE__, #got)

#endif							/* CKS_UNIT_H */
