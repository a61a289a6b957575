/*-------------------------------------------------------------------------
 *
 * parse_guard.c
 *	  The only file that hands a response body to json-c or libxml2, each
 *	  behind the same cost guard.  See parse_guard.h.
 *
 *	  The costs below were measured (peak RSS and malloc'd bytes) on
 *	  x86-64 with json-c 0.16 and libxml2 2.9.14, for 16 MB bodies of the
 *	  densest shapes each parser takes; the estimate is an upper bound of
 *	  every one of them.  Without this guard a 16 MB STS answer of empty
 *	  elements took 504 MB, one of " <a/>" 797 MB.
 *
 *	  libxml2, per 16 MB body:      peak      per unit    estimate
 *	    <a/>                        504 MB    128 B       1,056 MB
 *	    " <a/>" (text + element)    797 MB    256 B         851 MB
 *	    <a b="x"/>                  577 MB    368 B         851 MB
 *	    <a b="" c="" d=""/>         697 MB    848 B         894 MB
 *	    <a>1</a>                    504 MB    256 B         800 MB
 *	    <!---->, <?a?>              364, 406 MB              617, 851 MB
 *	    <a:b xmlns:a="u"/>          233 MB    256 B         488 MB
 *	    16 MB of text               31 MB     1.9 B/byte     32 MB
 *	  Entity and character references cost nothing extra (text is merged,
 *	  attribute values too), and a DTD is refused before it is read.
 *
 *	  This file needs no backend.
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

#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "net/mem_budget.h"
#include "aws/parse_guard.h"
#include "net/wiping_alloc.h"

/*
 * json-c, per piece of parsed JSON: an object (with its 16-slot hash
 * table) ~800 bytes, an array ~150, a scalar or member ~90.  Two empty
 * braces cost 400 times their size (8 MiB of "{}" once took 3 GB).  Real
 * pages stay far below the factor: 1,000 XKS entries (~600 KB) estimate
 * ~7 MB.
 */
#define JSON_COST_OBJECT		1024
#define JSON_COST_ARRAY			256
#define JSON_COST_SEPARATOR		128 /* each ',' and ':' (a value/member) */
/*
 * Text is copied into the tree, through the tokenizer's buffer, which
 * holds the longest string once more while it is read (a 12 MiB string:
 * 24 MB at the peak, 12 MB after).
 */
#define JSON_COST_PER_BYTE		2

/* Nesting beyond this is refused by the tokenizer (a page needs 4). */
#define JSON_MAX_DEPTH			32

/*
 * libxml2: an element, comment or processing instruction is a 120-byte
 * node (128 with malloc's header), and the text before it may be another;
 * an end tag may close a text node; an attribute is a node plus its value's
 * text node (240), a namespace declaration less (128); the input is copied
 * and text is copied out of it (1.9 bytes a byte).
 */
#define XML_COST_NODE			256
#define XML_COST_END_TAG		128
#define XML_COST_ATTRIBUTE		256
#define XML_COST_PER_BYTE		2

/*
 * Of the estimate, what goes with the parser rather than staying with the
 * result, per byte of body: json-c's string buffer, libxml2's copy of
 * the input.  It is given back once the parse is over.
 */
#define COST_TRANSIENT_PER_BYTE	1

/* What a parse result was counted at, and where; freed with the result. */
typedef struct ParseCharge
{
	CksMemBudget *budget;
	size_t		cost;
} ParseCharge;

static uint64_t
json_cost(const char *body, size_t len, uint64_t counts[3])
{
	bool		in_string = false;
	size_t		i;

	counts[0] = counts[1] = counts[2] = 0;
	for (i = 0; i < len; i++)
	{
		char		c = body[i];

		if (in_string)
		{
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"')
			in_string = true;
		else if (c == '{')
			counts[0]++;
		else if (c == '[')
			counts[1]++;
		else if (c == ',' || c == ':')
			counts[2]++;
	}
	return counts[0] * JSON_COST_OBJECT + counts[1] * JSON_COST_ARRAY +
		counts[2] * JSON_COST_SEPARATOR + (uint64_t) len * JSON_COST_PER_BYTE;
}

/*
 * Markup is counted wherever it appears, in comments and CDATA sections
 * too: counting too much only makes the estimate safer.
 */
static uint64_t
xml_cost(const char *body, size_t len, uint64_t counts[3])
{
	size_t		i;

	counts[0] = counts[1] = counts[2] = 0;
	for (i = 0; i < len; i++)
	{
		if (body[i] == '<')
		{
			if (i + 1 < len && body[i + 1] == '/')
				counts[1]++;
			else
				counts[0]++;
		}
		else if (body[i] == '=')
			counts[2]++;
	}
	return counts[0] * XML_COST_NODE + counts[1] * XML_COST_END_TAG +
		counts[2] * XML_COST_ATTRIBUTE + (uint64_t) len * XML_COST_PER_BYTE;
}

uint64_t
cks_parse_cost(CksBodyFormat format, const char *body, size_t len)
{
	uint64_t	counts[3];

	return format == CKS_BODY_JSON ? json_cost(body, len, counts) :
		xml_cost(body, len, counts);
}

static char *
too_dense(CksBodyFormat format, const uint64_t counts[3], size_t len)
{
	if (format == CKS_BODY_JSON)
		return psprintf("response body is too dense to parse: %llu objects, %llu arrays and %llu values in %zu bytes",
						(unsigned long long) counts[0],
						(unsigned long long) counts[1],
						(unsigned long long) counts[2], len);
	return psprintf("response body is too dense to parse: %llu elements, %llu end tags and %llu attributes in %zu bytes",
					(unsigned long long) counts[0],
					(unsigned long long) counts[1],
					(unsigned long long) counts[2], len);
}

/*
 * The guard itself, the same for every format: refuse what is empty, too
 * big for the parser's int length, too dense, too costly for any answer,
 * or more than the budget could ever hold; else count the estimate
 * against the budget and return it.  A refusal by the budget goes through
 * its hook first (which in a backend throws out of memory: no parser
 * object exists yet).
 */
static ParseCharge *
admit(CksBodyFormat format, const char *body, size_t len, char **problem)
{
	CksMemBudget *budget = cks_budget();
	uint64_t	counts[3];
	uint64_t	cost;
	ParseCharge *charge;

	*problem = NULL;
	if (body == NULL || len == 0)
	{
		*problem = pstrdup("response body is empty");
		return NULL;
	}
	if (len > (size_t) INT_MAX)
	{
		*problem = psprintf("response body is too large to parse (%zu bytes)", len);
		return NULL;
	}
	cost = format == CKS_BODY_JSON ? json_cost(body, len, counts) :
		xml_cost(body, len, counts);
	if (cost > (uint64_t) len * (format == CKS_BODY_JSON ? CKS_PARSE_COST_FACTOR_JSON :
								 CKS_PARSE_COST_FACTOR_XML) + CKS_PARSE_COST_SLACK)
	{
		*problem = too_dense(format, counts, len);
		return NULL;
	}
	if (cost + len > CKS_PARSE_MAX_COST)
	{
		*problem = psprintf("response body would take about %llu bytes to parse, more than the %zu any answer may",
							(unsigned long long) (cost + len), CKS_PARSE_MAX_COST);
		return NULL;
	}
	if (!cks_budget_could_fit(budget, (size_t) cost))
	{
		cks_budget_refuse(budget, (size_t) cost);
		*problem = psprintf("response body would take about %llu bytes to parse, more than the response memory budget of %zu bytes",
							(unsigned long long) cost, budget->limit);
		return NULL;
	}
	charge = malloc(sizeof(ParseCharge));
	if (charge == NULL)
	{
		*problem = pstrdup("out of memory");
		return NULL;
	}
	charge->budget = budget;
	charge->cost = (size_t) cost;
	cks_budget_take_parsed(budget, charge->cost);
	return charge;
}

static void
give_back(ParseCharge *charge)
{
	if (charge == NULL)
		return;
	cks_budget_give(charge->budget, charge->cost, true);
	free(charge);
}

/* The parse is over: what only the parser needed goes back. */
static void
parse_done(ParseCharge *charge, size_t len)
{
	size_t		transient = Min(charge->cost, len * COST_TRANSIENT_PER_BYTE);

	cks_budget_give(charge->budget, transient, true);
	charge->cost -= transient;
}

/* json-c calls this when the root it was attached to is freed. */
static void
give_back_json(struct json_object *root, void *userdata)
{
	give_back((ParseCharge *) userdata);
}

bool
cks_body_is_blank(const char *body, size_t len)
{
	const char *end = body + len;

	while (body < end &&
		   (*body == ' ' || *body == '\t' || *body == '\n' || *body == '\r'))
		body++;
	return body == end;
}

/*
 * One run of json-c's tokenizer over the whole body with the given flags;
 * NULL with *jerr set when it refuses, *end where it stopped either way.
 * json-c has no error code for a tokenizer it could not allocate, so that
 * case is told apart by *end == SIZE_MAX.
 */
static struct json_object *
tokenize_json(const char *body, size_t len, int flags, bool secret,
			  enum json_tokener_error *jerr, size_t *end)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	struct json_object *root;

	if (tok == NULL)
	{
		*jerr = json_tokener_error_parse_unexpected;
		*end = SIZE_MAX;
		return NULL;
	}
	json_tokener_set_flags(tok, flags);
	/* a string token never outgrows the body: no realloc leaves a copy */
	if (secret)
	{
		printbuf_memset(tok->pb, 0, 0, (int) len + 1);
		printbuf_reset(tok->pb);
	}
	root = json_tokener_parse_ex(tok, body, (int) len);
	*jerr = json_tokener_get_error(tok);
	*end = json_tokener_get_parse_end(tok);
	if (secret)
		explicit_bzero(tok->pb->buf, tok->pb->size);
	json_tokener_free(tok);
	return root;
}

/*
 * json-c 0.18's strict mode refuses every byte above 0x7f inside a string
 * (json-c issues #875 and #892), so there a strict parse of any answer
 * holding non-ASCII text fails.  Probed once on the library actually
 * loaded, not by version number, so a fixed release is used as it is.
 */
static bool
strict_mode_takes_utf8(void)
{
	static int	takes = -1;

	if (takes < 0)
	{
		enum json_tokener_error jerr;
		size_t		end;
		struct json_object *probe;

		probe = tokenize_json("[\"\xc3\xa9\"]", 6,
							  JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8,
							  false, &jerr, &end);
		takes = probe != NULL;
		json_object_put(probe);
	}
	return takes == 1;
}

static bool
has_non_ascii(const char *body, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
		if ((unsigned char) body[i] > 0x7f)
			return true;
	return false;
}

/*
 * Where strict mode cannot read UTF-8, strictness is checked on a copy in
 * which every byte above 0x7f is an ASCII letter (as legal as the original
 * inside a string, and as illegal outside one); the body itself is then
 * parsed with UTF-8 validation alone.  The copy and its tree are freed
 * before that parse starts, so the peak grows by the body's size only.
 */
static bool
strict_syntax_holds(const char *body, size_t len, bool secret,
					enum json_tokener_error *jerr, size_t *end)
{
	char	   *ascii = palloc(len + 1);
	struct json_object *root;
	size_t		i;

	for (i = 0; i < len; i++)
		ascii[i] = (unsigned char) body[i] > 0x7f ? 'u' : body[i];
	ascii[len] = '\0';
	root = tokenize_json(ascii, len, JSON_TOKENER_STRICT, secret, jerr, end);
	if (secret)
		explicit_bzero(ascii, len);
	pfree(ascii);
	json_object_put(root);
	return root != NULL;
}

/*
 * The ASCII copy cannot see invalid UTF-8, so a body that is both cut
 * short and not UTF-8 would be reported as cut short, where json-c's
 * strict mode reports the bad byte first.  When UTF-8 validation alone
 * fails earlier (or the strict check only ran out of input), that error
 * is the one reported, as on a library whose strict mode reads UTF-8.
 */
static void
report_earlier_utf8_error(const char *body, size_t len, bool secret,
						  enum json_tokener_error *jerr, size_t *end)
{
	enum json_tokener_error utf8_jerr;
	size_t		utf8_end;
	struct json_object *root;

	root = tokenize_json(body, len, JSON_TOKENER_VALIDATE_UTF8, secret,
						 &utf8_jerr, &utf8_end);
	if (root == NULL && utf8_end != SIZE_MAX &&
		utf8_jerr != json_tokener_continue &&
		(*jerr == json_tokener_continue || utf8_end <= *end))
	{
		*jerr = utf8_jerr;
		*end = utf8_end;
	}
	json_object_put(root);
}

/*
 * json-c alone would accept a valid prefix and ignore the rest (it stops at
 * a NUL byte, and a complete value followed by junk can look fine), and it
 * reports a body cut short as "continue".  A truncated or padded HTTP body
 * means something went wrong on the way, so the value must span the whole
 * body.  Strict mode and UTF-8 validation keep anything that is not RFC
 * 8259 JSON, or not UTF-8 that PostgreSQL could store, out.
 */
static struct json_object *
parse_json(const char *body, size_t len, bool secret, char **problem)
{
	ParseCharge *charge = admit(CKS_BODY_JSON, body, len, problem);
	struct json_object *root = NULL;
	enum json_tokener_error jerr;
	size_t		end;
	int			flags = JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8;

	if (charge == NULL)
		return NULL;
	if (has_non_ascii(body, len) && !strict_mode_takes_utf8())
		flags = JSON_TOKENER_VALIDATE_UTF8;
	if ((flags & JSON_TOKENER_STRICT) ||
		strict_syntax_holds(body, len, secret, &jerr, &end))
		root = tokenize_json(body, len, flags, secret, &jerr, &end);
	else
		report_earlier_utf8_error(body, len, secret, &jerr, &end);

	if (root == NULL)
	{
		give_back(charge);
		if (end == SIZE_MAX)
			*problem = pstrdup("out of memory creating a JSON parser");
		else if (jerr == json_tokener_continue)
			*problem = pstrdup("response body is not valid JSON: "
							   "unexpected end of input");
		else
			*problem = psprintf("response body is not valid JSON: %s at offset %zu",
								json_tokener_error_desc(jerr), end);
		return NULL;
	}
	if (end < len && !cks_body_is_blank(body + end, len - end))
	{
		give_back(charge);
		json_object_put(root);
		*problem = psprintf("response body has unexpected data after the JSON value at offset %zu",
							end);
		return NULL;
	}

	/*
	 * The charge goes with the root, freed by json_object_put.  A scalar
	 * root costs nothing worth counting, and json-c keeps a double's
	 * original text in its userdata, which must stay.
	 */
	parse_done(charge, len);
	if (json_object_is_type(root, json_type_object) ||
		json_object_is_type(root, json_type_array))
		json_object_set_userdata(root, charge, give_back_json);
	else
		give_back(charge);
	return root;
}

struct json_object *
cks_parse_json(const char *body, size_t len, char **problem)
{
	return parse_json(body, len, false, problem);
}

/*
 * For a document that holds secrets (a credentials document): json-c's
 * token buffer is sized to the body up front, so no reallocation leaves a
 * piece of a string behind, and it is wiped before it is freed.
 */
struct json_object *
cks_parse_secret_json(const char *body, size_t len, char **problem)
{
	return parse_json(body, len, true, problem);
}

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
typedef struct XmlParseState
{
	bool		saw_dtd;
} XmlParseState;

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
	XmlParseState *state = (XmlParseState *) ctxt->_private;

	state->saw_dtd = true;
	xmlStopParser(ctxt);
}

/*
 * Swallow libxml2's diagnostics: by default it prints them on stderr (the
 * server log).  The error is read back from the parser context instead.
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
 * XML_PARSE_NONET: never fetch anything.  No XML_PARSE_NOENT and no
 * XML_PARSE_DTDLOAD: entities are never substituted nor external subsets
 * loaded; refuse_dtd stops the parse at any DOCTYPE anyway.  No
 * XML_PARSE_HUGE: libxml2 keeps its own bounds on depth (256) and on the
 * size of one text node (10 MB).  A NUL byte is refused first: libxml2
 * takes it for the end of a memory buffer and would accept a well-formed
 * prefix, and XML has no NUL character.
 */
static xmlDocPtr
read_xml(const char *body, size_t len, char **problem)
{
	xmlParserCtxtPtr ctxt;
	XmlParseState state = {false};
	const char *nul = memchr(body, '\0', len);
	xmlDocPtr	doc;

	if (nul != NULL)
	{
		*problem = psprintf("response body is not well-formed XML: NUL byte at offset %zu",
							(size_t) (nul - body));
		return NULL;
	}
	ensure_xml_initialized();
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
	{
		*problem = pstrdup("out of memory creating an XML parser");
		return NULL;
	}
	ctxt->_private = &state;
	ctxt->sax->internalSubset = refuse_dtd;
	ctxt->sax->serror = ignore_xml_error;
	doc = xmlCtxtReadMemory(ctxt, body, (int) len, NULL, NULL,
							XML_PARSE_NONET | XML_PARSE_NOERROR |
							XML_PARSE_NOWARNING);
	if (state.saw_dtd)
		*problem = pstrdup("response body contains a DTD, which is refused");
	else if (doc == NULL)
	{
		char	   *reason = xml_error_text(ctxt);

		*problem = psprintf("response body is not well-formed XML: %s", reason);
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

xmlDocPtr
cks_parse_xml(const char *body, size_t len, char **problem)
{
	ParseCharge *charge = admit(CKS_BODY_XML, body, len, problem);
	xmlDocPtr	doc;

	if (charge == NULL)
		return NULL;
	doc = read_xml(body, len, problem);
	if (doc == NULL)
	{
		give_back(charge);
		return NULL;
	}
	parse_done(charge, len);
	doc->_private = charge;
	return doc;
}

void
cks_parse_xml_free(xmlDocPtr doc)
{
	if (doc == NULL)
		return;
	give_back((ParseCharge *) doc->_private);
	doc->_private = NULL;
	xmlFreeDoc(doc);
}
