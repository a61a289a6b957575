/*-------------------------------------------------------------------------
 *
 * fuzz_common.h
 *	  What both fuzz targets check of a parsed error: the promises of
 *	  aws_error.h, whichever protocol produced it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_FUZZ_COMMON_H
#define CKS_FUZZ_COMMON_H

#include "aws/aws_error.h"

/* Report a violated promise of the code under test; libFuzzer keeps the
 * input as a crash reproducer. */
extern void broken_promise(const char *target, const char *what);

/* An error result must keep the status and be AWS (with a code) or a bad
 * response (with a message, without a code). */
extern void check_error_result(const char *target, const char *parser,
							   const CksAwsError *err, long status);

/*
 * Sanitize err (aws_error_sanitize, one short secret) and check every
 * field is then capped, free of control characters, valid UTF-8, and
 * holds neither the secret nor a signing echo.
 */
extern void check_sanitized_error(const char *target, CksAwsError *err);

#endif							/* CKS_FUZZ_COMMON_H */
