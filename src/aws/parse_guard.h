/*-------------------------------------------------------------------------
 *
 * parse_guard.h
 *	  The one doorway from a response body to a parser: every answer of
 *	  every service (JSON or XML; KMS, STS, web identity, Organizations,
 *	  CloudHSM, the metadata services, and any service added later) is
 *	  parsed here and nowhere else, behind one cost guard.
 *
 *	  Before json-c or libxml2 sees a body, one pass over it estimates the
 *	  heap the parsed tree will take (from measured per-node costs, see
 *	  parse_guard.c).  A body is refused when the estimate is more than
 *	  its format's CKS_PARSE_COST_FACTOR_* times its size plus
 *	  CKS_PARSE_COST_SLACK, or
 *	  more than CKS_PARSE_MAX_COST with the body itself, or more than the
 *	  backend's response memory budget (mem_budget.h) could ever hold.
 *	  What is accepted is counted against that budget until it is freed.
 *
 *	  The build checks that no other file calls a json-c or libxml2
 *	  parsing function (tests/unit/parse-doorway.sh, run by make
 *	  unitcheck).  Frontend-safe; problems come back as palloc'd strings.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_PARSE_GUARD_H
#define CKS_PARSE_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

struct json_object;

/* No answer may cost a backend more than this, body included. */
#define CKS_PARSE_MAX_COST		((size_t) 256 * 1024 * 1024)
/*
 * ... nor, parsed, more than FACTOR times its size plus SLACK.  XML's
 * estimate counts a text node before every tag, which a real page has only
 * sometimes, so its factor is higher: an element with 40 characters of
 * text estimates 10 times its size (it takes 5.4).
 */
#define CKS_PARSE_COST_FACTOR_JSON	8
#define CKS_PARSE_COST_FACTOR_XML	16
#define CKS_PARSE_COST_SLACK	((size_t) 8 * 1024 * 1024)

typedef enum CksBodyFormat
{
	CKS_BODY_JSON,
	CKS_BODY_XML
} CksBodyFormat;

/*
 * The heap json-c or libxml2 would take to parse body, estimated from
 * above by one pass over it (exposed for tests).
 */
extern uint64_t cks_parse_cost(CksBodyFormat format, const char *body,
							   size_t len);

/*
 * Parse a whole body into one JSON value: strict RFC 8259, UTF-8, nothing
 * after the value, depth at most 32, cost bounded as above.  NULL and
 * *problem (palloc'd) when not.  json_object_put on the root frees it and
 * gives its cost back to the budget.
 */
extern struct json_object *cks_parse_json(const char *body, size_t len,
										  char **problem);

/*
 * cks_parse_json for a document that holds secrets: json-c's token buffer
 * is sized up front and wiped.  Wipe the result with aws_json_wipe_strings
 * before putting it.
 */
extern struct json_object *cks_parse_secret_json(const char *body, size_t len,
												 char **problem);

/*
 * Parse a body into an XML document: nothing is ever fetched, a DTD is
 * refused before it is read, no NUL byte, libxml2's own limits kept (no
 * XML_PARSE_HUGE), cost bounded as above, diagnostics never on stderr.
 * NULL and *problem (palloc'd; it never quotes the body) when not.  Free
 * with cks_parse_xml_free, which gives the cost back.
 */
extern xmlDocPtr cks_parse_xml(const char *body, size_t len, char **problem);

extern void cks_parse_xml_free(xmlDocPtr doc);

/* Whether the len bytes of body are JSON white space only (or none). */
extern bool cks_body_is_blank(const char *body, size_t len);

#endif							/* CKS_PARSE_GUARD_H */
