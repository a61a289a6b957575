/*-------------------------------------------------------------------------
 *
 * mapping_cache.h
 *	  Backend-lifetime caches keyed by server or user mapping (base keys,
 *	  assumed roles, organization account lists), all dropped at once when
 *	  any foreign server or user mapping changes: one syscache callback,
 *	  one way to forget, for every cache.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_MAPPING_CACHE_H
#define CKS_MAPPING_CACHE_H

#include "postgres.h"

#include "utils/hsearch.h"

/*
 * A hash of entries (keysize bytes of key first, entrysize in all) in
 * which each entry may own a memory context, the MemoryContext field at
 * cxt_offset (NULL: none).  On any ALTER/DROP of a server or user mapping
 * every entry's context is deleted (its reset callbacks wipe what it
 * holds) and the entry removed.  Called from _PG_init paths only.
 */
extern HTAB *cks_mapping_cache_create(const char *name, long nelem,
									  Size keysize, Size entrysize,
									  Size cxt_offset);

/* Delete one entry's context and remove the entry from its cache. */
extern void cks_mapping_cache_remove(HTAB *cache, void *entry,
									 Size cxt_offset);

#endif							/* CKS_MAPPING_CACHE_H */
