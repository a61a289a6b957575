/*-------------------------------------------------------------------------
 *
 * bounded_read.c
 *	  One bounded read of a whole small file, shared by the credentials
 *	  file and the token files of the keyless sources.  See bounded_read.h.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <errno.h>
#include <unistd.h>

#include "credentials/bounded_read.h"

/*
 * One buffer of the bound's size, never grown: reading one byte past the
 * bound is how a longer file (or one that grew since fstat) shows.
 */
char *
cks_read_bounded(int fd, size_t limit, size_t *len, bool *too_long,
				 char **problem)
{
	char	   *buf = palloc(limit + 2);
	size_t		used = 0;

	*too_long = false;
	*problem = NULL;
	while (used <= limit)
	{
		ssize_t		n = read(fd, buf + used, limit + 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			*problem = psprintf("could not read it: %s", strerror(errno));
		if (n <= 0)
			break;
		used += n;
	}
	if (*problem == NULL && used > limit)
		*too_long = true;
	if (*problem != NULL || *too_long)
	{
		explicit_bzero(buf, limit + 2);
		pfree(buf);
		return NULL;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}
