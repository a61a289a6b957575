/*-------------------------------------------------------------------------
 *
 * closest_name.c
 *	  The known name closest to a mistyped one, so that hints can say
 *	  "Perhaps you meant ..." as PostgreSQL's own option checks do (16's
 *	  ClosestMatch is not in 15, so this uses the Levenshtein distance
 *	  that every supported major has).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/varlena.h"

#include "closest_name.h"

/* Longer names are nobody's typo (PostgreSQL's own limit). */
#define CKS_MAX_NAME_DISTANCE_LEN	255

/*
 * A linear search: the lists are short (options, compass words, the
 * tables of a remote schema), and the bounded distance stops early.
 */
const char *
cks_closest_name(const char *word, const char *const *candidates,
				 int max_distance)
{
	const char *best = NULL;
	int			best_distance = max_distance + 1;
	int			word_len = strlen(word);

	if (word_len == 0 || word_len > CKS_MAX_NAME_DISTANCE_LEN)
		return NULL;
	for (int i = 0; candidates[i] != NULL && best_distance > 0; i++)
	{
		int			len = strlen(candidates[i]);
		int			d;

		if (len > CKS_MAX_NAME_DISTANCE_LEN)
			continue;
		d = varstr_levenshtein_less_equal(word, word_len, candidates[i], len,
										  1, 1, 1, best_distance - 1, true);
		if (d < best_distance)
		{
			best = candidates[i];
			best_distance = d;
		}
	}
	return best;
}
