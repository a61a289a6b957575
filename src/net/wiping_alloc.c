/*-------------------------------------------------------------------------
 *
 * wiping_alloc.c
 *	  malloc, calloc, free, realloc and strdup that wipe every block before
 *	  the C library gets it back.  See wiping_alloc.h.
 *
 *	  Blocks are wiped with explicit_bzero, which the compiler may not drop
 *	  as a dead store the way it may drop a memset before free.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <malloc.h>

#include "net/wiping_alloc.h"

/*
 * Allocator hooks that wipe on free, for libraries that copy what they
 * are given (libcurl: the request body it copies, its request buffer with
 * the session-token header, curl_easy_escape's output; libxml2: the text
 * of credential documents).  They wrap the C library's allocator, so a
 * block allocated before the hooks were installed may be freed through
 * them and the other way round.  malloc_usable_size tells how much to
 * wipe: the whole block, also what the library wrote past its request.
 */
static void
wipe_block(void *ptr)
{
	if (ptr != NULL)
		explicit_bzero(ptr, malloc_usable_size(ptr));
}

void *
cks_wiping_malloc(size_t size)
{
	return malloc(size);
}

void *
cks_wiping_calloc(size_t nmemb, size_t size)
{
	return calloc(nmemb, size);
}

void
cks_wiping_free(void *ptr)
{
	wipe_block(ptr);
	free(ptr);
}

/* realloc may move the block and leave the old bytes behind: never. */
void *
cks_wiping_realloc(void *ptr, size_t size)
{
	void	   *grown;
	size_t		old_size;

	if (ptr == NULL)
		return malloc(size);
	if (size == 0)
	{
		cks_wiping_free(ptr);
		return NULL;
	}
	old_size = malloc_usable_size(ptr);
	if (size <= old_size)
		return ptr;
	grown = malloc(size);
	if (grown == NULL)
		return NULL;
	memcpy(grown, ptr, old_size);
	cks_wiping_free(ptr);
	return grown;
}

char *
cks_wiping_strdup(const char *s)
{
	size_t		len = strlen(s) + 1;
	char	   *copy = malloc(len);

	if (copy != NULL)
		memcpy(copy, s, len);
	return copy;
}
