/*-------------------------------------------------------------------------
 *
 * closest_name.h
 *	  "Perhaps you meant ...": the known name closest to a mistyped one,
 *	  for the hints of option names, region names and IMPORT's table lists.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_CLOSEST_NAME_H
#define CKS_CLOSEST_NAME_H

/*
 * The candidate closest to word by edit distance, or NULL when none is
 * within max_distance (or word is the empty string).  Ties go to the
 * earlier candidate.  candidates is NULL-terminated.
 */
extern const char *cks_closest_name(const char *word,
									const char *const *candidates,
									int max_distance);

#endif							/* CKS_CLOSEST_NAME_H */
