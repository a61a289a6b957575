/*-------------------------------------------------------------------------
 *
 * xml.c
 *	  The node helpers protocol parsers share.  See xml.h.  Documents are
 *	  read from the network by parse_guard.c (hardened, cost-bounded);
 *	  this file only walks them.  It needs no backend.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <ctype.h>

#include <libxml/tree.h>

#include "lib/stringinfo.h"
#include "aws/xml.h"

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
