/*-------------------------------------------------------------------------
 *
 * clock_skew.h
 *	  Clock offsets learned from AWS endpoints that refused a signature for
 *	  its time, used by the call engine when it signs (see clock_skew.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_CLOCK_SKEW_H
#define CKS_CLOCK_SKEW_H

#include "aws/aws_error.h"

/* Seconds to add to our clock when signing for url; 0 when none learned. */
extern int	cks_clock_skew_for(const char *url);

/*
 * True when an error response is AWS saying our signature's time is wrong
 * (RequestTimeTooSkewed, or a signature or expiry error that talks about
 * time).
 */
extern bool cks_clock_skew_is_error(const CksAwsError *error);

/*
 * Learn url's clock from its Date header after such an error.  True when
 * the offset changed enough that signing again is worth it; logs every
 * correction, and every Date header it does not believe.
 */
extern bool cks_clock_skew_correct(const char *url, const char *date_header);

#endif							/* CKS_CLOCK_SKEW_H */
