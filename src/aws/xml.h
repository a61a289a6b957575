/*-------------------------------------------------------------------------
 *
 * xml.h
 *	  The few node helpers an XML protocol parser needs (elements by local
 *	  name and namespace, trimmed text, wiping).  Documents come from
 *	  parse_guard.h's cks_parse_xml, the hardened and cost-bounded reader.
 *
 *	  Protocol-neutral: sts.c uses it for the AWS Query protocol, and any
 *	  other XML protocol should too.  Frontend-safe (no backend needed);
 *	  problems come back as palloc'd strings, never as ereport.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_XML_H
#define CKS_XML_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

/*
 * The namespace a protocol's elements live in, and how to name it in a
 * message ("STS").  Elements without any namespace are accepted as well:
 * some compatible endpoints leave it out.
 */
typedef struct CksXmlNamespace
{
	const char *href;
	const char *label;
} CksXmlNamespace;

/* Whether node is element 'name' of namespace ns (or of no namespace). */
extern bool cks_xml_is_element(xmlNodePtr node, const CksXmlNamespace *ns,
							   const char *name);

/* First child element 'name' of parent, or NULL. */
extern xmlNodePtr cks_xml_find_child(xmlNodePtr parent,
									 const CksXmlNamespace *ns,
									 const char *name);

/*
 * Follow path[0]/path[1]/... from the root, which must be path[0].  NULL
 * and *problem (palloc'd) naming the first missing element on failure.
 */
extern xmlNodePtr cks_xml_find_path(xmlDocPtr doc, const CksXmlNamespace *ns,
									const char *const *path, int depth,
									char **problem);

/*
 * Text content of an element without surrounding whitespace, palloc'd;
 * NULL when empty.
 */
extern char *cks_xml_element_text(xmlNodePtr node);

/*
 * Zero the text of every text and CDATA node of doc, for documents that
 * carry secrets (temporary keys), before cks_parse_xml_free frees them.
 */
extern void cks_xml_wipe_text(xmlDocPtr doc);

#endif							/* CKS_XML_H */
