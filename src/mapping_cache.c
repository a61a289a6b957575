/*-------------------------------------------------------------------------
 *
 * mapping_cache.c
 *	  The one invalidation of cks_fdw's per-backend caches: any change to a
 *	  server or user mapping may change keys, role, region or accounts;
 *	  entries are cheap to rebuild, so every cache forgets everything
 *	  rather than work out which entry changed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mapping_cache.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#define MAX_MAPPING_CACHES	4

typedef struct MappingCache
{
	HTAB	   *htab;
	Size		cxt_offset;
} MappingCache;

static MappingCache caches[MAX_MAPPING_CACHES];
static int	ncaches = 0;

void
cks_mapping_cache_remove(HTAB *cache, void *entry, Size cxt_offset)
{
	MemoryContext *cxt = (MemoryContext *) ((char *) entry + cxt_offset);

	if (*cxt)
		MemoryContextDelete(*cxt);
	*cxt = NULL;
	/* dynahash entries start with their key */
	(void) hash_search(cache, entry, HASH_REMOVE, NULL);
}

/* Syscache callback: empty every cache (removing the current entry of a
 * sequential scan is allowed). */
static void
forget_all(Datum arg, int cacheid, uint32 hashvalue)
{
	for (int i = 0; i < ncaches; i++)
	{
		HASH_SEQ_STATUS scan;
		void	   *entry;

		hash_seq_init(&scan, caches[i].htab);
		while ((entry = hash_seq_search(&scan)) != NULL)
			cks_mapping_cache_remove(caches[i].htab, entry, caches[i].cxt_offset);
	}
}

HTAB *
cks_mapping_cache_create(const char *name, long nelem, Size keysize,
						 Size entrysize, Size cxt_offset)
{
	HASHCTL		ctl;
	HTAB	   *htab;

	if (ncaches >= MAX_MAPPING_CACHES)
		elog(ERROR, "too many cks_fdw mapping caches");
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	htab = hash_create(name, nelem, &ctl, HASH_ELEM | HASH_BLOBS);
	if (ncaches == 0)
	{
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, forget_all, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID, forget_all, (Datum) 0);
	}
	caches[ncaches].htab = htab;
	caches[ncaches].cxt_offset = cxt_offset;
	ncaches++;
	return htab;
}
