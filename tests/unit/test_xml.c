/*-------------------------------------------------------------------------
 *
 * test_xml.c
 *	  Unit tests of the hardened libxml2 reading every XML protocol shares
 *	  (src/aws/parse_guard.c's cks_parse_xml) and of src/aws/xml.c's helpers:
 *	  what is refused before and during parsing (empty,
 *	  NUL bytes, DTDs, entities, junk), namespaces, paths, trimmed text,
 *	  and wiping the text of a document that held secrets.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <libxml/parser.h>

#include "unit.h"
#include "aws/parse_guard.h"
#include "aws/xml.h"

static const CksXmlNamespace test_ns = {"urn:cks:test", "test"};

/* Parse text, expect a refusal with exactly 'want' as the problem. */
static void
check_refused(const char *body, size_t len, const char *want)
{
	char	   *problem = NULL;
	xmlDocPtr	doc = cks_parse_xml(body, len, &problem);

	CHECK(doc == NULL);
	CHECK_STR(problem, want);
	if (doc != NULL)
		cks_parse_xml_free(doc);
	if (problem != NULL)
		pfree(problem);
}

static void
test_refusals(void)
{
	static const char nul_body[] = "<a>x</a>\0<b/>";
	const char *dtd = "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>";
	const char *external = "<!DOCTYPE a SYSTEM \"http://127.0.0.1:9/x.dtd\"><a/>";

	check_refused(NULL, 0, "response body is empty");
	check_refused("", 0, "response body is empty");
	check_refused(nul_body, sizeof(nul_body) - 1,
				  "response body is not well-formed XML: NUL byte at offset 8");
	check_refused(dtd, strlen(dtd),
				  "response body contains a DTD, which is refused");
	check_refused(external, strlen(external),
				  "response body contains a DTD, which is refused");
	check_refused("<a>&xxe;</a>", 12,
				  "response body is not well-formed XML: Entity 'xxe' not defined");
	check_refused("<a></b>", 7,
				  "response body is not well-formed XML: Opening and ending tag mismatch: a line 1 and b");
	check_refused("<a/>junk", 8,
				  "response body is not well-formed XML: Extra content at the end of the document");
}

static void
test_paths_and_namespaces(void)
{
	const char *body =
	"<r xmlns=\"urn:cks:test\"><x:c xmlns:x=\"urn:other\">no</x:c>"
	"<c>\n   yes  \n</c><e>  </e><d><f>deep</f></d></r>";
	static const char *const good[] = {"r", "d", "f"};
	static const char *const missing[] = {"r", "d", "g"};
	static const char *const wrong_root[] = {"s", "d"};
	char	   *problem = NULL;
	xmlDocPtr	doc = cks_parse_xml(body, strlen(body), &problem);
	xmlNodePtr	node;
	char	   *text;

	if (!CHECK(doc != NULL))
		return;
	CHECK(problem == NULL);

	/* the first <c> is of another namespace: the second one is found */
	node = cks_xml_find_child(xmlDocGetRootElement(doc), &test_ns, "c");
	text = node ? cks_xml_element_text(node) : NULL;
	CHECK_STR(text, "yes");

	/* whitespace-only is no value */
	node = cks_xml_find_child(xmlDocGetRootElement(doc), &test_ns, "e");
	CHECK(node != NULL && cks_xml_element_text(node) == NULL);

	node = cks_xml_find_path(doc, &test_ns, good, lengthof(good), &problem);
	CHECK(node != NULL && problem == NULL);
	CHECK_STR(node ? cks_xml_element_text(node) : NULL, "deep");

	node = cks_xml_find_path(doc, &test_ns, missing, lengthof(missing), &problem);
	CHECK(node == NULL);
	CHECK_STR(problem, "response has no <r/d/g> element");

	node = cks_xml_find_path(doc, &test_ns, wrong_root, lengthof(wrong_root), &problem);
	CHECK(node == NULL);
	CHECK_STR(problem, "response root element is <r>, expected <s>");
	cks_parse_xml_free(doc);

	/* the right name in another namespace is named as such */
	body = "<r xmlns=\"urn:other\"/>";
	doc = cks_parse_xml(body, strlen(body), &problem);
	node = doc ? cks_xml_find_path(doc, &test_ns, good, 1, &problem) : NULL;
	CHECK(node == NULL);
	CHECK_STR(problem, "response root element <r> is not in the test namespace");
	if (doc)
		cks_parse_xml_free(doc);

	/* no namespace at all is accepted */
	body = "<r><d><f>plain</f></d></r>";
	doc = cks_parse_xml(body, strlen(body), &problem);
	node = doc ? cks_xml_find_path(doc, &test_ns, good, lengthof(good), &problem) : NULL;
	CHECK_STR(node ? cks_xml_element_text(node) : NULL, "plain");
	if (doc)
		cks_parse_xml_free(doc);
}

/* After cks_xml_wipe_text no text node holds its old bytes. */
static void
test_wipe_text(void)
{
	const char *body =
	"<r><k>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</k>"
	"<t><![CDATA[AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22]]></t></r>";
	char	   *problem = NULL;
	xmlDocPtr	doc = cks_parse_xml(body, strlen(body), &problem);
	xmlNodePtr	k;
	xmlNodePtr	t;

	if (!CHECK(doc != NULL))
		return;
	k = xmlDocGetRootElement(doc)->children;
	t = k->next;
	CHECK(k->children &&
		  xmlStrcmp(k->children->content,
					(const xmlChar *) "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY") == 0);
	CHECK(t->children && t->children->type == XML_CDATA_SECTION_NODE);
	cks_xml_wipe_text(doc);
	/* zeroed in place: the first byte is now the terminator */
	CHECK(k->children->content[0] == '\0');
	CHECK(t->children->content[0] == '\0');
	CHECK(cks_xml_element_text(k) == NULL);
	cks_parse_xml_free(doc);
}

void
run_xml_tests(void)
{
	test_refusals();
	test_paths_and_namespaces();
	test_wipe_text();
}
