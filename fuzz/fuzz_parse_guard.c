/*-------------------------------------------------------------------------
 *
 * fuzz_parse_guard.c
 *	  libFuzzer target for the one doorway from a response body to json-c
 *	  and libxml2 (src/aws/parse_guard.c) and the budget it charges
 *	  (src/net/mem_budget.c).  On every input, as JSON and as XML, under a
 *	  budget whose limit the input's first byte picks:
 *	  - the estimate is at least the body's size, and a body is parsed only
 *	    when it is within the factor, the 256 MB ceiling and the budget;
 *	  - a parse is counted at exactly its estimate, its result at that less
 *	    the parser's own copy of the body while it lives (nothing for a
 *	    scalar JSON root), and the budget
 *	    is back to zero once it is freed (or refused);
 *	  - a refusal always says why, and the budget's hook is told exactly
 *	    when the estimate is more than the budget could hold.
 *
 *	  Built as frontend code by "make fuzz"; run by tests/suites/fuzz.sh.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <stdint.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "fuzz_common.h"
#include "net/mem_budget.h"
#include "aws/parse_guard.h"

static int	refusals;

static void
note_refusal(size_t need, size_t limit)
{
	if (need <= limit)
		broken_promise("fuzz_parse_guard", "budget refusal of what fits");
	refusals++;
}

/* What must hold of one parse attempt, whatever its outcome. */
static void
check_attempt(CksMemBudget *budget, CksBodyFormat format, const char *body,
			  size_t len, bool parsed, bool kept, char *problem)
{
	uint64_t	cost = cks_parse_cost(format, body, len);
	uint64_t	factor = format == CKS_BODY_JSON ? CKS_PARSE_COST_FACTOR_JSON :
		CKS_PARSE_COST_FACTOR_XML;

	if (cost < len)
		broken_promise("fuzz_parse_guard", "estimate below the body's size");
	if (parsed)
	{
		if (problem != NULL)
			broken_promise("fuzz_parse_guard", "parsed with a problem");
		if (budget->peak != cost)
			broken_promise("fuzz_parse_guard", "parse not counted at its estimate");
		if (budget->used != (kept ? cost - len : 0) ||
			budget->parsed != budget->used)
			broken_promise("fuzz_parse_guard", "parse result not counted at its estimate less the parser's copy");
		if (cost > len * factor + CKS_PARSE_COST_SLACK ||
			cost + len > CKS_PARSE_MAX_COST || cost > budget->limit)
			broken_promise("fuzz_parse_guard", "parsed past a bound");
	}
	else
	{
		if (problem == NULL || problem[0] == '\0')
			broken_promise("fuzz_parse_guard", "refused without a reason");
		if (budget->used != 0)
			broken_promise("fuzz_parse_guard", "refusal left memory counted");
		free(problem);
	}
	if (len > 0 && cost <= len * factor + CKS_PARSE_COST_SLACK &&
		cost + len <= CKS_PARSE_MAX_COST && cost > budget->limit &&
		refusals != 1)
		broken_promise("fuzz_parse_guard", "budget hook not told of a refusal");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* limits from 256 bytes to 64 MB, so that both sides are reached */
	CksMemBudget budget = {.refuse = note_refusal};
	const char *body = size > 0 ? (const char *) data + 1 : NULL;
	size_t		len = size > 0 ? size - 1 : 0;
	char	   *problem = NULL;
	struct json_object *root;
	xmlDocPtr	doc;

	budget.limit = (size_t) 256 << (size > 0 ? data[0] % 19 : 0);
	cks_budget_install(&budget);

	refusals = 0;
	root = cks_parse_json(body, len, &problem);
	check_attempt(&budget, CKS_BODY_JSON, body, len, root != NULL,
				  json_object_is_type(root, json_type_object) ||
				  json_object_is_type(root, json_type_array), problem);
	json_object_put(root);
	if (budget.used != 0)
		broken_promise("fuzz_parse_guard", "JSON result freed, memory still counted");

	refusals = 0;
	problem = NULL;
	budget.peak = 0;
	doc = cks_parse_xml(body, len, &problem);
	check_attempt(&budget, CKS_BODY_XML, body, len, doc != NULL, true, problem);
	cks_parse_xml_free(doc);
	if (budget.used != 0)
		broken_promise("fuzz_parse_guard", "XML document freed, memory still counted");

	cks_budget_install(NULL);
	return 0;
}
