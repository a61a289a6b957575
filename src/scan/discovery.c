/*-------------------------------------------------------------------------
 *
 * discovery.c
 *	  key_store_metrics without a store qual: GetMetricData must name the
 *	  stores it asks about, so each (account, region) lists its custom key
 *	  stores first (DescribeCustomKeyStores, a stream like any other), and
 *	  each page of that listing becomes GetMetricData streams for its
 *	  external key stores, as many stores a request as their queries fit
 *	  in 500 (streams.c splits the list).  The listing's entries are never
 *	  rows themselves.
 *
 *	  The new streams run in the same loop, under the same cap and request
 *	  scheduler, with the listing's account, region and credentials.  It
 *	  calls only streams.c, below it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "aws/aws_json.h"
#include "scan/discovery.h"
#include "scan/streams.h"

bool
cks_discovery_stream(const CksScan *scan, const CksStream *stream)
{
	return scan->discovered_operation != NULL &&
		stream->operation == scan->discovered_operation->discovery->operation;
}

/* The entry_field of the page's entries that are of the kind looked for. */
static List *
discovered_values(const CksDiscovery *discovery, const CksJsonPage *page)
{
	List	   *values = NIL;
	int			i;

	for (i = 0; i < page->nentries; i++)
	{
		struct json_object *entry = json_object_array_get_idx(page->entries, i);
		bool		type_ok;
		const char *kind = aws_json_entry_string(entry, discovery->where_field,
												 &type_ok);
		const char *value = aws_json_entry_string(entry, discovery->entry_field,
												  &type_ok);

		if (kind != NULL && value != NULL &&
			strcmp(kind, discovery->where_value) == 0)
			values = lappend(values, pstrdup(value));
	}
	return values;
}

void
cks_discovery_take_page(CksScan *scan, int index)
{
	const CksOperation *op = scan->discovered_operation;
	CksStream  *stream = &scan->streams[index];
	CksStreamSet set;
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);

	memset(&set, 0, sizeof(set));
	set.operation = op;
	set.account_id = stream->account_id;
	set.name_account = stream->name_account;
	set.credentials = stream->credentials;
	set.endpoint_template = scan->discovered_endpoint;
	set.regions = list_make1(pstrdup(stream->region));
	set.parameter = op->discovery->parameter;
	set.values = discovered_values(op->discovery, &stream->page);
	memcpy(set.fixed, scan->discovered_fixed, sizeof(set.fixed));
	MemoryContextSwitchTo(old);

	if (set.values != NIL)
		cks_streams_add(scan, &set);
	/* the array may have moved */
	cks_stream_page_consumed(scan, &scan->streams[index]);
}
