/*-------------------------------------------------------------------------
 *
 * key_extras.c
 *	  The extra calls of a table kind (see key_extras.h): they run only
 *	  for a row the query still wants after its conditions on the entry's
 *	  own fields, and only for the calls whose columns it reads.
 *
 *	  Rows wait in batches so that their calls run at once: the requests
 *	  (extra_calls.c) go through the backend's request scheduler, under
 *	  its in-flight cap and the operation's quota, and a region of 1,000
 *	  keys at 100 ms a request is bound by GetKeyLastUsage's quota, not by
 *	  1,000 round trips.  A batch starts small -- a query with LIMIT 1 pays
 *	  for a few rows' calls, not a hundred -- and doubles up to
 *	  CKS_EXTRAS_MAX_BATCH.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "aws/aws_json.h"
#include "scan/extra_calls.h"
#include "scan/key_extras.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

/* Pages of one key's tags, at most (AWS allows 50 tags a key: one page). */
#define CKS_TAG_MAX_PAGES	100
/* The first batch's rows (then doubled each batch). */
#define CKS_EXTRAS_FIRST_BATCH	8

/* One account and region's per-region listing, joined to entries. */
typedef struct CksListing
{
	const CksExtraCall *extra;
	char	   *account_id;		/* may be NULL */
	char	   *region;
	struct json_object *map;	/* match value -> array of values */
} CksListing;

void
cks_extras_init(CksExtras *extras, const CksTableKind *kind,
				const bool *wanted, MemoryContext parent)
{
	int			i;

	memset(extras, 0, sizeof(*extras));
	extras->kind = kind;
	for (i = 0; i < CKS_MAX_EXTRAS && kind->extras[i] != NULL; i++)
	{
		extras->wanted[i] = wanted[i];
		extras->any |= wanted[i];
	}
	extras->max_pages = cks_max_pages;
	extras->batch_limit = CKS_EXTRAS_FIRST_BATCH;
	if (!extras->any)
		return;
	extras->cxt = AllocSetContextCreate(parent, "cks_fdw extra listings",
										ALLOCSET_SMALL_SIZES);
	extras->batch_cxt = AllocSetContextCreate(parent, "cks_fdw extras batch",
											  ALLOCSET_DEFAULT_SIZES);
}

/* Drop the batch (its entries' references and answers go with it). */
static void
clear_batch(CksExtras *extras)
{
	MemoryContextReset(extras->batch_cxt);
	extras->rows = NULL;
	extras->nrows = 0;
	extras->next_row = 0;
	extras->fetched = false;
}

void
cks_extras_reset(CksExtras *extras)
{
	if (!extras->any)
		return;
	clear_batch(extras);
	MemoryContextReset(extras->cxt);
	extras->listings = NIL;
	extras->batch_limit = CKS_EXTRAS_FIRST_BATCH;
}

bool
cks_extras_batch_open(const CksExtras *extras)
{
	return extras->any && !extras->fetched &&
		extras->nrows < extras->batch_limit;
}

void
cks_extras_add(CksExtras *extras, const CksScan *scan,
			   struct json_object *entry, const CksStream *stream)
{
	CksExtrasRow *row;

	Assert(cks_extras_batch_open(extras));
	if (extras->rows == NULL)
		extras->rows = MemoryContextAllocZero(extras->batch_cxt,
											  sizeof(CksExtrasRow) * extras->batch_limit);
	row = &extras->rows[extras->nrows++];
	/* the scan frees its page or follow-up at its next call: keep ours */
	row->entry = json_object_get(entry);
	cks_json_tie_to_context(extras->batch_cxt, row->entry);
	row->stream = stream - scan->streams;
}

static bool
same_place(const CksListing *listing, const CksExtraCall *extra,
		   const CksStream *stream)
{
	return listing->extra == extra &&
		strcmp(listing->region, stream->region) == 0 &&
		((listing->account_id == NULL && stream->account_id == NULL) ||
		 (listing->account_id && stream->account_id &&
		  strcmp(listing->account_id, stream->account_id) == 0));
}

/* The stream's account and region's listing, fetched at its first use. */
static CksListing *
listing_of(CksExtras *extras, CksScan *scan, const CksExtraCall *extra,
		   int stream_index)
{
	const CksStream *stream = &scan->streams[stream_index];
	CksListing *listing;
	CksExtraJob job;
	MemoryContext old;
	ListCell   *lc;

	foreach(lc, extras->listings)
		if (same_place(lfirst(lc), extra, stream))
			return lfirst(lc);
	old = MemoryContextSwitchTo(extras->cxt);
	listing = palloc0(sizeof(CksListing));
	listing->extra = extra;
	listing->account_id = stream->account_id ? pstrdup(stream->account_id) : NULL;
	listing->region = pstrdup(stream->region);
	listing->map = json_object_new_object();
	cks_json_tie_to_context(extras->cxt, listing->map);
	extras->listings = lappend(extras->listings, listing);
	MemoryContextSwitchTo(old);

	/* a failed listing keeps what it gathered and is not asked again */
	memset(&job, 0, sizeof(job));
	job.extra = extra;
	job.stream = stream_index;
	job.max_pages = extras->max_pages;
	job.out = listing->map;
	extras->requests += cks_extra_calls_run(scan, &job, 1, extras->cxt);
	return listing;
}

/* The per-entry jobs of the batch: row-major, one per wanted call. */
static CksExtraJob *
batch_jobs(CksExtras *extras, int *njobs)
{
	const CksTableKind *kind = extras->kind;
	CksExtraJob *jobs;
	int			n = 0;
	int			r,
				i;

	jobs = MemoryContextAllocZero(extras->batch_cxt, sizeof(CksExtraJob) *
								  Max(1, extras->nrows * CKS_MAX_EXTRAS));
	for (r = 0; r < extras->nrows; r++)
		for (i = 0; kind->extras[i] != NULL; i++)
		{
			const CksExtraCall *extra = kind->extras[i];
			const char *key = aws_json_entry_string(extras->rows[r].entry,
													extra->entry_field, NULL);

			if (!extras->wanted[i] || extra->scope != CKS_EXTRA_PER_ENTRY ||
				key == NULL || key[0] == '\0')
				continue;
			jobs[n].extra = extra;
			jobs[n].key = key;
			jobs[n].stream = extras->rows[r].stream;
			jobs[n].max_pages = CKS_TAG_MAX_PAGES;
			n++;
		}
	*njobs = n;
	return jobs;
}

/* The answer of the row's call 'extra' among the batch's jobs, or NULL. */
static struct json_object *
job_answer(CksExtraJob *jobs, int njobs, int *next_job,
		   const CksExtraCall *extra, const char *key)
{
	CksExtraJob *job;

	/* jobs are in row order: the row's next one, if it is this call's */
	if (*next_job >= njobs)
		return NULL;
	job = &jobs[*next_job];
	if (job->extra != extra || strcmp(job->key, key) != 0)
		return NULL;
	(*next_job)++;
	return job->out;
}

void
cks_extras_fetch(CksExtras *extras, CksScan *scan)
{
	const CksTableKind *kind = extras->kind;
	CksExtraJob *jobs;
	int			njobs;
	int			next_job = 0;
	int			r,
				i;

	jobs = batch_jobs(extras, &njobs);
	if (njobs > 0)
		extras->requests += cks_extra_calls_run(scan, jobs, njobs,
												extras->batch_cxt);
	for (r = 0; r < extras->nrows; r++)
	{
		CksExtrasRow *row = &extras->rows[r];

		row->extras = json_object_new_object();
		cks_json_tie_to_context(extras->batch_cxt, row->extras);
		for (i = 0; kind->extras[i] != NULL; i++)
		{
			const CksExtraCall *extra = kind->extras[i];
			const char *key = aws_json_entry_string(row->entry, extra->entry_field, NULL);
			struct json_object *value = NULL;

			if (!extras->wanted[i] || key == NULL || key[0] == '\0')
				continue;
			if (extra->scope == CKS_EXTRA_PER_ENTRY)
				value = job_answer(jobs, njobs, &next_job, extra, key);
			else if (!json_object_object_get_ex(listing_of(extras, scan, extra,
														   row->stream)->map,
												key, &value))
				value = NULL;
			/* borrowed from the batch's or the listing's objects */
			if (value != NULL)
				json_object_object_add(row->extras, extra->name,
									   json_object_get(value));
		}
	}
	extras->fetched = true;
}

struct json_object *
cks_extras_next(CksExtras *extras, const CksScan *scan,
				struct json_object **row_extras, const CksStream **stream)
{
	CksExtrasRow *row;

	if (!extras->fetched || extras->next_row >= extras->nrows)
	{
		if (extras->fetched)
		{
			clear_batch(extras);
			extras->batch_limit = Min(extras->batch_limit * 2,
									  CKS_EXTRAS_MAX_BATCH);
		}
		return NULL;
	}
	row = &extras->rows[extras->next_row++];
	*row_extras = row->extras;
	*stream = &scan->streams[row->stream];
	return row->entry;
}

char *
cks_extras_explain(const CksTableKind *kind, const bool *wanted)
{
	StringInfoData per_key;
	StringInfoData per_region;
	int			i;

	initStringInfo(&per_key);
	initStringInfo(&per_region);
	for (i = 0; kind->extras[i] != NULL; i++)
	{
		StringInfo	buf = kind->extras[i]->scope == CKS_EXTRA_PER_ENTRY ?
			&per_key : &per_region;

		if (wanted[i])
			appendStringInfo(buf, "%s%s", buf->len ? ", " : "",
							 kind->extras[i]->operation->action);
	}
	if (per_key.len == 0 && per_region.len == 0)
		return NULL;
	if (per_key.len > 0)
		appendStringInfo(&per_key, " per %s that passes the filters",
						 kind->entry_noun);
	if (per_region.len > 0)
		appendStringInfo(&per_key, "%s%s once per account and region",
						 per_key.len ? "; " : "", per_region.data);
	return per_key.data;
}
