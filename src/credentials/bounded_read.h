/*-------------------------------------------------------------------------
 *
 * bounded_read.h
 *	  Reading a small file whole (a credentials file, a web identity or
 *	  container token file) into one buffer of a known bound, so that no
 *	  reallocation leaves a copy of what it holds behind and a file that
 *	  is longer than the bound, or grew while it was read, shows.
 *
 *	  Frontend-safe (no backend needed): the unit runner's credentials file
 *	  and token file cases go through it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_BOUNDED_READ_H
#define CKS_BOUNDED_READ_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Read fd to its end, at most limit + 1 bytes, into a palloc'd buffer of
 * limit + 2 bytes, NUL-terminated after the *len bytes read.  NULL when a
 * read fails (*problem, palloc'd, says why) or more than limit bytes came
 * (*too_long, *problem left for the caller to word); the buffer is wiped
 * before it is freed.  On success the caller wipes its limit + 2 bytes.
 */
extern char *cks_read_bounded(int fd, size_t limit, size_t *len,
							  bool *too_long, char **problem);

#endif							/* CKS_BOUNDED_READ_H */
