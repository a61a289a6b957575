/*-------------------------------------------------------------------------
 *
 * xml.c
 *	  Hardened reading of XML from the network with libxml2, and the node
 *	  helpers protocol parsers share.  See xml.h.
 *
 *	  The documents come from endpoints we do not trust, so the parser
 *	  never loads anything (XML_PARSE_NONET, no DTDLOAD, no NOENT), stops
 *	  at the first DOCTYPE (no entity expansion, no "billion laughs"), keeps
 *	  libxml2's own limits (no XML_PARSE_HUGE: depth and text-node size are
 *	  bounded) and refuses a NUL byte, which libxml2 would take for the end
 *	  of the input.  This file needs no backend.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <ctype.h>
#include <limits.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lib/stringinfo.h"
#include "secrets.h"
#include "xml.h"

/*
 * libxml2 wants xmlInitParser() before first use.  We never call
 * xmlCleanupParser(): other code in the backend may use libxml2 too.
 * Its memory goes through hooks that wipe each block it frees (secrets.h):
 * the STS documents it parses hold credentials.  The hooks wrap the C
 * library's allocator, so blocks that other libxml2 users allocated before
 * free through them as well.
 */
static void
ensure_xml_initialized(void)
{
	static bool initialized = false;

	if (!initialized)
	{
		xmlMemSetup(cks_wiping_free, cks_wiping_malloc, cks_wiping_realloc,
					cks_wiping_strdup);
		xmlInitParser();
		initialized = true;
	}
}

/* Per-parse state the SAX hooks below can reach through ctxt->_private. */
typedef struct XmlParseGuard
{
	bool		saw_dtd;
} XmlParseGuard;

/*
 * Called by libxml2 when it meets <!DOCTYPE ...>, before any entity
 * declaration is read.  No protocol we speak sends a DTD; one in a
 * response can only be an attack (entity expansion, external entities), so
 * parsing stops right here rather than trusting the parser's own limits.
 */
static void
refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *external_id,
		   const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr) ctx;
	XmlParseGuard *guard = (XmlParseGuard *) ctxt->_private;

	guard->saw_dtd = true;
	xmlStopParser(ctxt);
}

/*
 * Swallow libxml2's diagnostics: by default it prints them on stderr (the
 * server log).  We read the error back from the parser context instead and
 * put it in our own message.
 */
static void
ignore_xml_error(void *data, xmlErrorPtr error)
{
}

/*
 * The first line of libxml2's message for the last error.  Further lines,
 * when there are any, dump bytes of the input, which has no place in an
 * error message.
 */
static char *
xml_error_text(xmlParserCtxtPtr ctxt)
{
	xmlErrorPtr error = xmlCtxtGetLastError(ctxt);
	const char *message;
	size_t		len;

	if (error == NULL || error->message == NULL)
		return pstrdup("unknown error");
	message = error->message;
	len = strcspn(message, "\r\n");
	while (len > 0 && isspace((unsigned char) message[len - 1]))
		len--;
	return pnstrdup(message, len);
}

/*
 * Refusals that need no parser: empty, larger than libxml2 takes in one
 * call, or holding a NUL byte.  libxml2 takes a NUL in a memory buffer for
 * the end of the input and would accept a well-formed prefix; XML has no
 * NUL character, so such a body is not XML.
 */
static char *
precheck_body(const char *body, size_t len)
{
	const char *nul;

	if (body == NULL || len == 0)
		return pstrdup("response body is empty");
	if (len > (size_t) INT_MAX)
		return psprintf("response body is too large to parse (%zu bytes)",
						len);
	nul = memchr(body, '\0', len);
	if (nul != NULL)
		return psprintf("response body is not well-formed XML: NUL byte at offset %zu",
						(size_t) (nul - body));
	return NULL;
}

/*
 * XML_PARSE_NONET: never fetch anything.  No XML_PARSE_NOENT and no
 * XML_PARSE_DTDLOAD: entities are never substituted nor external subsets
 * loaded; and refuse_dtd stops the parse at any DOCTYPE anyway.
 */
xmlDocPtr
cks_xml_parse(const char *body, size_t len, char **problem)
{
	xmlParserCtxtPtr ctxt;
	XmlParseGuard guard = {false};
	xmlDocPtr	doc;

	*problem = precheck_body(body, len);
	if (*problem != NULL)
		return NULL;

	ensure_xml_initialized();
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
	{
		*problem = pstrdup("out of memory creating an XML parser");
		return NULL;
	}
	ctxt->_private = &guard;
	ctxt->sax->internalSubset = refuse_dtd;
	ctxt->sax->serror = ignore_xml_error;

	doc = xmlCtxtReadMemory(ctxt, body, (int) len, NULL, NULL,
							XML_PARSE_NONET | XML_PARSE_NOERROR |
							XML_PARSE_NOWARNING);

	if (guard.saw_dtd)
		*problem = pstrdup("response body contains a DTD, which is refused");
	else if (doc == NULL)
	{
		char	   *reason = xml_error_text(ctxt);

		*problem = psprintf("response body is not well-formed XML: %s",
							reason);
		pfree(reason);
	}
	if (*problem != NULL && doc != NULL)
	{
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

/*
 * An element of another namespace with the same local name is not the one
 * we are looking for; one without a namespace is accepted.
 */
bool
cks_xml_is_element(xmlNodePtr node, const CksXmlNamespace *ns,
				   const char *name)
{
	if (node->type != XML_ELEMENT_NODE ||
		xmlStrcmp(node->name, (const xmlChar *) name) != 0)
		return false;
	return node->ns == NULL || node->ns->href == NULL ||
		xmlStrcmp(node->ns->href, (const xmlChar *) ns->href) == 0;
}

xmlNodePtr
cks_xml_find_child(xmlNodePtr parent, const CksXmlNamespace *ns,
				   const char *name)
{
	xmlNodePtr	child;

	for (child = parent->children; child != NULL; child = child->next)
	{
		if (cks_xml_is_element(child, ns, name))
			return child;
	}
	return NULL;
}

/* Why the root element is not path[0], for the message. */
static char *
wrong_root_problem(xmlNodePtr root, const CksXmlNamespace *ns,
				   const char *expected)
{
	if (root == NULL)
		return psprintf("response has no <%s> element", expected);
	if (xmlStrcmp(root->name, (const xmlChar *) expected) == 0)
		return psprintf("response root element <%s> is not in the %s namespace",
						expected, ns->label);
	return psprintf("response root element is <%s>, expected <%s>",
					(const char *) root->name, expected);
}

/*
 * The problem names the first missing element as a slash-separated path,
 * so a user can compare it with the protocol's documentation.
 */
xmlNodePtr
cks_xml_find_path(xmlDocPtr doc, const CksXmlNamespace *ns,
				  const char *const *path, int depth, char **problem)
{
	xmlNodePtr	node = xmlDocGetRootElement(doc);
	StringInfoData where;
	int			i;

	*problem = NULL;
	if (node == NULL || !cks_xml_is_element(node, ns, path[0]))
	{
		*problem = wrong_root_problem(node, ns, path[0]);
		return NULL;
	}

	initStringInfo(&where);
	appendStringInfoString(&where, path[0]);
	for (i = 1; i < depth; i++)
	{
		appendStringInfo(&where, "/%s", path[i]);
		node = cks_xml_find_child(node, ns, path[i]);
		if (node == NULL)
		{
			*problem = psprintf("response has no <%s> element", where.data);
			break;
		}
	}
	pfree(where.data);
	return node;
}

/*
 * Surrounding whitespace is dropped (AWS's own documentation examples wrap
 * long tokens over several indented lines); empty means NULL, since no
 * value we read can legitimately be empty.  libxml2's copy of the text is
 * wiped before it is freed: the text may be a secret key.
 */
char *
cks_xml_element_text(xmlNodePtr node)
{
	xmlChar    *content = xmlNodeGetContent(node);
	const char *start;
	const char *end;
	char	   *text = NULL;

	if (content == NULL)
		return NULL;
	start = (const char *) content;
	end = start + strlen(start);
	while (start < end && isspace((unsigned char) *start))
		start++;
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	if (end > start)
		text = pnstrdup(start, end - start);
	explicit_bzero(content, strlen((const char *) content));
	xmlFree(content);
	return text;
}

/*
 * Strings the document's dictionary owns (element names, whitespace) are
 * shared and never secret; everything else a text node holds is its own.
 */
static void
wipe_node_text(xmlDocPtr doc, xmlNodePtr node)
{
	for (; node != NULL; node = node->next)
	{
		if ((node->type == XML_TEXT_NODE ||
			 node->type == XML_CDATA_SECTION_NODE) &&
			node->content != NULL &&
			(doc->dict == NULL || !xmlDictOwns(doc->dict, node->content)))
			explicit_bzero(node->content, xmlStrlen(node->content));
		if (node->type == XML_ELEMENT_NODE)
			wipe_node_text(doc, node->children);
	}
}

void
cks_xml_wipe_text(xmlDocPtr doc)
{
	if (doc != NULL)
		wipe_node_text(doc, doc->children);
}
