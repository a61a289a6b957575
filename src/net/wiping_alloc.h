/*-------------------------------------------------------------------------
 *
 * wiping_alloc.h
 *	  Allocator hooks that wipe every block they free, for the libraries
 *	  that copy secrets into memory of their own: installed with
 *	  curl_global_init_mem (http.c) and xmlMemSetup (parse_guard.c), so
 *	  that the copies libcurl and libxml2 make of requests and credential
 *	  documents are wiped with them.  Beneath both the transport and the
 *	  protocols, so that neither depends on the other for them.
 *
 *	  Frontend-safe (no backend needed): the fuzz targets link it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_WIPING_ALLOC_H
#define CKS_WIPING_ALLOC_H

#include <stddef.h>

/*
 * malloc, calloc, free, realloc and strdup that wipe every block before
 * the C library gets it back (realloc never leaves the old bytes behind).
 */
extern void *cks_wiping_malloc(size_t size);
extern void *cks_wiping_calloc(size_t nmemb, size_t size);
extern void cks_wiping_free(void *ptr);
extern void *cks_wiping_realloc(void *ptr, size_t size);
extern char *cks_wiping_strdup(const char *s);

#endif							/* CKS_WIPING_ALLOC_H */
