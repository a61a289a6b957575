/*-------------------------------------------------------------------------
 *
 * key_extras.c
 *	  The extra calls of a table kind (see key_extras.h): they run only
 *	  for a row the query still wants after its conditions on the entry's
 *	  own fields, and only for the calls whose columns it reads.
 *
 *	  Each call is an ordinary call of the call engine (aws_call.c) signed
 *	  with the row's stream credentials, so the engine's retries, timeouts,
 *	  cancel handling -- and any per-operation rate limit it applies -- hold
 *	  for them as for the listing.  The answers live in json-c objects whose
 *	  release is tied to a memory context, so an error or a cancelled
 *	  query frees them with the query's memory.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "aws/aws_json.h"
#include "scan/key_extras.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

/* Pages of one key's tags, at most (AWS allows 50 tags a key: one page). */
#define CKS_TAG_MAX_PAGES	100

/* One account and region's per-region listing, joined to entries. */
typedef struct CksListing
{
	const CksExtraCall *extra;
	char	   *account_id;		/* may be NULL */
	char	   *region;
	struct json_object *map;	/* match value -> array of values */
} CksListing;

static void
put_json(void *arg)
{
	json_object_put((struct json_object *) arg);
}

/* Release 'obj' when 'cxt' is reset or deleted. */
static void
tie_to_context(MemoryContext cxt, struct json_object *obj)
{
	MemoryContextCallback *cb = MemoryContextAlloc(cxt, sizeof(*cb));

	cb->func = put_json;
	cb->arg = obj;
	MemoryContextRegisterResetCallback(cxt, cb);
}

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
	if (!extras->any)
		return;
	extras->cxt = AllocSetContextCreate(parent, "cks_fdw extra listings",
										ALLOCSET_SMALL_SIZES);
	extras->row_cxt = AllocSetContextCreate(parent, "cks_fdw row extras",
											ALLOCSET_SMALL_SIZES);
}

void
cks_extras_reset(CksExtras *extras)
{
	if (!extras->any)
		return;
	MemoryContextReset(extras->row_cxt);
	MemoryContextReset(extras->cxt);
	extras->current = NULL;
	extras->listings = NIL;
}

/*
 * Send one page of an extra call and wait for it.  Returns false when the
 * call failed in a way that leaves the row's columns NULL: the entry is
 * not one the call answers for (refused_code), vanished since it was
 * listed (not found), or failed under on_error 'warn' (with a warning).
 */
static bool
run_page(CksExtras *extras, const CksExtraCall *extra, const CksStream *stream,
		 const CksCallSettings *settings, const char *key, const char *token,
		 bool on_error_warn, CksJsonPage *page)
{
	const CksOperation *op = extra->operation;
	const char *values[CKS_MAX_OPERATION_PARAMETERS] = {0};
	CksCall		call;
	CksAwsError err;
	char	   *what;

	if (key != NULL)
		values[cks_operation_parameter(op, extra->entry_field)] = key;
	cks_call_init(&call, op, stream->url, stream->region,
				  op->build_request(op, values, token,
									op->page.single_entry ? 0 : op->page.max_limit),
				  stream->credentials, settings);
	cks_call_run(&call);
	extras->requests += call.requests_sent;
	extras->throttled += call.throttled;
	extras->quota_wait_ms += call.quota_wait_ms;
	memset(&err, 0, sizeof(err));
	if (call.state == CKS_CALL_DONE &&
		!aws_json_parse_page(&op->page, call.response_body, call.response_len,
							 call.http_status, page, &err))
		cks_call_fail_bad_response(&call, &err);
	if (call.state == CKS_CALL_DONE)
	{
		cks_call_reset(&call);
		return true;
	}
	if ((extra->refused_code && cks_call_failed_with(&call, extra->refused_code)) ||
		(op->not_found_code && cks_call_failed_with(&call, op->not_found_code)))
	{
		cks_call_reset(&call);
		return false;
	}
	what = key ? psprintf("%s of key \"%s\" in region \"%s\"", op->action, key,
						  stream->region) :
		psprintf("%s in region \"%s\"", op->action, stream->region);
	cks_call_report(&call, on_error_warn ? WARNING : ERROR, what,
					stream->account_id);
	cks_call_reset(&call);
	return false;
}

/* The next token of a page, or NULL at the end; a repeated one is an error. */
static char *
next_token(const CksJsonPage *page, const char *previous, int pages, int max_pages,
		   const char *action)
{
	if (!page->truncated)
		return NULL;
	if ((previous && strcmp(previous, page->next_token) == 0) || pages >= max_pages)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("%s kept returning pages (%d pages, or the same marker twice)",
						action, pages),
				 errhint("The endpoint did not answer like AWS KMS; check the server's endpoint option.")));
	return pstrdup(page->next_token);
}

/*
 * Add each listed entry's value_field to 'out' under its match_field:
 * into an object (tags: TagKey -> TagValue), or appended to an array per
 * match value (aliases: TargetKeyId -> [AliasName, ...]).  Entries without
 * either field (an alias without a target) are skipped.
 */
static void
gather(const CksExtraCall *extra, const CksJsonPage *page,
	   struct json_object *out, bool as_arrays)
{
	int			i;

	for (i = 0; i < page->nentries; i++)
	{
		struct json_object *entry = json_object_array_get_idx(page->entries, i);
		const char *match = aws_json_entry_string(entry, extra->match_field, NULL);
		const char *value = aws_json_entry_string(entry, extra->value_field, NULL);
		struct json_object *list;

		if (match == NULL || value == NULL)
			continue;
		if (!as_arrays)
		{
			json_object_object_add(out, match, json_object_new_string(value));
			continue;
		}
		if (!json_object_object_get_ex(out, match, &list))
		{
			list = json_object_new_array();
			json_object_object_add(out, match, list);
		}
		json_object_array_add(list, json_object_new_string(value));
	}
}

/*
 * A per-entry call: the single answer (GetKeyLastUsage's whole body), or
 * every page gathered into one object (ListResourceTags's tags); owned by
 * the row's context.  NULL when the columns stay NULL.
 */
static struct json_object *
per_entry(CksExtras *extras, const CksExtraCall *extra, const char *key,
		  const CksStream *stream, const CksCallSettings *settings,
		  bool on_error_warn)
{
	struct json_object *out = NULL;
	char	   *token = NULL;
	int			pages = 0;

	do
	{
		CksJsonPage page;

		if (!run_page(extras, extra, stream, settings, key, token,
					  on_error_warn, &page))
			return NULL;
		pages++;
		if (extra->operation->page.single_entry)
		{
			out = json_object_get(page.root);
			aws_json_page_free(&page);
			tie_to_context(extras->row_cxt, out);
			return out;
		}
		if (out == NULL)
		{
			out = json_object_new_object();
			tie_to_context(extras->row_cxt, out);
		}
		gather(extra, &page, out, false);
		token = next_token(&page, token, pages, CKS_TAG_MAX_PAGES,
						   extra->operation->action);
		aws_json_page_free(&page);
	} while (token != NULL);
	return out;
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
listing_of(CksExtras *extras, const CksExtraCall *extra,
		   const CksStream *stream, const CksCallSettings *settings,
		   bool on_error_warn)
{
	CksListing *listing;
	MemoryContext old;
	ListCell   *lc;
	char	   *token = NULL;
	int			pages = 0;

	foreach(lc, extras->listings)
		if (same_place(lfirst(lc), extra, stream))
			return lfirst(lc);
	old = MemoryContextSwitchTo(extras->cxt);
	listing = palloc0(sizeof(CksListing));
	listing->extra = extra;
	listing->account_id = stream->account_id ? pstrdup(stream->account_id) : NULL;
	listing->region = pstrdup(stream->region);
	listing->map = json_object_new_object();
	tie_to_context(extras->cxt, listing->map);
	extras->listings = lappend(extras->listings, listing);
	MemoryContextSwitchTo(old);
	do
	{
		CksJsonPage page;

		if (!run_page(extras, extra, stream, settings, NULL, token,
					  on_error_warn, &page))
			break;
		pages++;
		gather(extra, &page, listing->map, true);
		token = next_token(&page, token, pages, extras->max_pages,
						   extra->operation->action);
		aws_json_page_free(&page);
	} while (token != NULL);
	return listing;
}

struct json_object *
cks_extras_fetch(CksExtras *extras, struct json_object *entry,
				 const CksStream *stream, const CksCallSettings *settings,
				 bool on_error_warn)
{
	struct json_object *out;
	int			i;

	if (!extras->any)
		return NULL;
	MemoryContextReset(extras->row_cxt);
	out = json_object_new_object();
	tie_to_context(extras->row_cxt, out);
	extras->current = out;
	for (i = 0; extras->kind->extras[i] != NULL; i++)
	{
		const CksExtraCall *extra = extras->kind->extras[i];
		const char *key = aws_json_entry_string(entry, extra->entry_field, NULL);
		struct json_object *value = NULL;

		if (!extras->wanted[i] || key == NULL || key[0] == '\0')
			continue;
		if (extra->scope == CKS_EXTRA_PER_ENTRY)
			value = per_entry(extras, extra, key, stream, settings, on_error_warn);
		else if (!json_object_object_get_ex(listing_of(extras, extra, stream,
													   settings, on_error_warn)->map,
											key, &value))
			value = NULL;
		/* borrowed from the row's or the listing's objects */
		if (value != NULL)
			json_object_object_add(out, extra->name, json_object_get(value));
	}
	return out;
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
