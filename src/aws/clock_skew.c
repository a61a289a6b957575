/*-------------------------------------------------------------------------
 *
 * clock_skew.c
 *	  What a backend learns about its clock from AWS endpoints.  A request
 *	  signed more than five minutes off is refused; when an endpoint says
 *	  so and its Date header is believable, the offset is remembered per
 *	  endpoint URL for the life of the backend and every later signature
 *	  to that endpoint uses it (AWS's SDKs do the same per client).
 *
 *	  The call engine (aws_call.c) asks for the offset when it signs and
 *	  reports each rejected signature here; nothing else is kept.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <curl/curl.h>

#include "aws/clock_skew.h"
#include "nodes/pg_list.h"
#include "utils/memutils.h"

/* AWS rejects signatures more than 5 minutes off; correct from 4. */
#define SKEW_THRESHOLD_SECS	240
/*
 * A Date header further off than this is not believed: a real clock is
 * not a day wrong, and a hostile or broken endpoint must not be able to
 * push our signing time anywhere it likes (or overflow it).
 */
#define MAX_SKEW_SECS		(24 * 60 * 60)

/*
 * Clock offsets learned from endpoints that told us our clock is wrong,
 * kept for the life of the backend (AWS's SDKs do the same per client).
 */
typedef struct EndpointSkew
{
	char	   *url;
	int			offset_secs;
} EndpointSkew;

static List *endpoint_skews = NIL;

int
cks_clock_skew_for(const char *url)
{
	ListCell   *lc;

	foreach(lc, endpoint_skews)
	{
		EndpointSkew *skew = lfirst(lc);

		if (strcmp(skew->url, url) == 0)
			return skew->offset_secs;
	}
	return 0;
}

static void
remember_skew(const char *url, int offset_secs)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	ListCell   *lc;
	EndpointSkew *skew;

	foreach(lc, endpoint_skews)
	{
		skew = lfirst(lc);
		if (strcmp(skew->url, url) == 0)
		{
			skew->offset_secs = offset_secs;
			MemoryContextSwitchTo(old);
			return;
		}
	}
	skew = palloc(sizeof(EndpointSkew));
	skew->url = pstrdup(url);
	skew->offset_secs = offset_secs;
	endpoint_skews = lappend(endpoint_skews, skew);
	MemoryContextSwitchTo(old);
}


/*
 * Seconds between the server's Date header and our clock.  False when the
 * header is missing or unreadable, or more than MAX_SKEW_SECS off; the
 * difference is taken in 64 bits and bounded before it is narrowed, so an
 * absurd date (year 9999, say) cannot overflow into a plausible offset.
 */
static bool
server_clock_offset(const char *date_header, int *offset)
{
	time_t		server_time;
	int64		diff;

	*offset = 0;
	if (date_header == NULL)
		return false;
	server_time = curl_getdate(date_header, NULL);
	if (server_time <= 0)
		return false;
	diff = (int64) server_time - (int64) time(NULL);
	if (diff > MAX_SKEW_SECS || diff < -MAX_SKEW_SECS)
		return false;
	*offset = (int) diff;
	return true;
}

/*
 * AWS reports a skewed clock as a signature or expiry error whose message
 * talks about time.  Only those, with a Date header that really is far off,
 * trigger a correction.
 */
bool
cks_clock_skew_is_error(const CksAwsError *error)
{
	const char *code = error->code;
	const char *message = error->message ? error->message : "";

	if (code == NULL)
		return false;
	if (strcmp(code, "RequestTimeTooSkewed") == 0)
		return true;
	if (strcmp(code, "InvalidSignatureException") == 0 ||
		strcmp(code, "SignatureDoesNotMatch") == 0 ||
		strcmp(code, "RequestExpired") == 0 ||
		strcmp(code, "AuthFailure") == 0)
		return strstr(message, "expired") != NULL ||
			strstr(message, "Signature not yet current") != NULL ||
			strstr(message, "time") != NULL;
	return false;
}


/*
 * After a signature rejected for its time: learn the endpoint's clock from
 * its Date header, if that is believable, and say so in the log (a
 * correction changes every later signature to that endpoint).  Returns
 * true when the offset changed and a retry is worth it.
 *
 * Compare with the offset we signed with, not with zero: a clock that was
 * fixed since (or a server that was wrong and is right again) must undo a
 * correction learned earlier.
 */
bool
cks_clock_skew_correct(const char *url, const char *date_header)
{
	int			offset;
	int			previous = cks_clock_skew_for(url);

	if (!server_clock_offset(date_header, &offset))
	{
		if (date_header != NULL)
			ereport(LOG,
					(errmsg("cks_fdw: not correcting the clock for %s: its Date header is unreadable or more than %d hours off",
							url, MAX_SKEW_SECS / 3600)));
		return false;
	}
	if (abs(offset - previous) < SKEW_THRESHOLD_SECS)
		return false;
	ereport(LOG,
			(errmsg("cks_fdw: correcting the clock for %s by %d seconds (was %d), from its Date header",
					url, offset, previous)));
	remember_skew(url, offset);
	return true;
}
