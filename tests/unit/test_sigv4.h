/*-------------------------------------------------------------------------
 *
 * test_sigv4.h
 *	  What the two SigV4 test files share.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_TEST_SIGV4_H
#define CKS_TEST_SIGV4_H

#include "aws/sigv4.h"

/*
 * Compare what signing produced with an independent signer's results,
 * naming the case in every message; a NULL expectation is not compared.
 */
extern bool sigv4_check_signature(const char *casename, const SigV4Signature *got,
								  const char *canonical_request,
								  const char *string_to_sign,
								  const char *signature,
								  const char *authorization);

/* The botocore results written down in test_sigv4_cases.c. */
extern void run_sigv4_written_down_cases(void);

#endif							/* CKS_TEST_SIGV4_H */
