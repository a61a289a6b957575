/*-------------------------------------------------------------------------
 *
 * secrets.c
 *	  Wiping, redacting and checking secret strings.  See secrets.h.
 *
 *	  Secrets are wiped with explicit_bzero, which the compiler may not
 *	  drop as a dead store the way it may drop a memset before free.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "lib/stringinfo.h"
#include "aws/aws_names.h"
#include "aws/secrets.h"

void
cks_secret_wipe(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
}

void
cks_secret_free(char *s)
{
	if (s == NULL)
		return;
	cks_secret_wipe(s);
	pfree(s);
}

/*
 * A credential goes verbatim into a header line and the canonical
 * request: CR or LF would end the header and start another one of the
 * sender's choosing, and a blank or a control character is never part of
 * a real key or token: the rule user-mapping values are checked with
 * (aws_names.c), so a value from STS passes exactly where one typed into a
 * user mapping would.
 */
bool
cks_credential_chars_ok(const char *value)
{
	return value != NULL && value[0] != '\0' && cks_is_printable_token(value);
}

/*
 * Redaction: any run of CKS_SECRET_FRAGMENT_LEN or more bytes of a secret,
 * as it is or in the forms a secret takes on its way into text (URL
 * encoding, with either case of hex digits, and JSON string escaping), is
 * replaced.  The fragments of every form are indexed once per call as
 * 8-byte grams in an open-addressing hash set, so the text is scanned once
 * with one lookup per byte: linear in the text plus the secrets, however
 * long either is.  A run of 8 or more bytes of a secret is exactly a
 * sequence of overlapping grams of it, so marking every byte a gram covers
 * redacts the run whole, and runs that touch merge into one marker.
 * A secret (or a form of it) shorter than a gram is matched whole.
 *
 * Grams made only of digits are left out: account ids, timestamps and
 * status codes are digits, and a test key id like AKIDCKSTEST111111111
 * would redact every account id 111111111111.  Real key ids and secrets
 * (base32, base64) almost never hold 8 digits in a row, and a run that
 * holds any other byte is still covered by the grams that include it.
 *
 * The grams are the secret's bytes: the set and every encoded form are
 * wiped before they are freed.
 */
#define GRAM_LEN	CKS_SECRET_FRAGMENT_LEN

typedef struct GramSet
{
	uint64	   *slots;			/* 0: empty (a gram never holds a NUL) */
	size_t		mask;			/* capacity - 1, a power of two */
	const char **whole;			/* forms shorter than a gram */
	int			nwhole;
	char	  **forms;			/* every encoded form, to wipe */
	int			nforms;
} GramSet;

/* The ways a secret is spelt in text besides itself. */
typedef enum SecretForm
{
	FORM_PLAIN,
	FORM_URL_UPPER,
	FORM_URL_LOWER,
	FORM_JSON,
	FORM_COUNT
} SecretForm;

static uint64
load_gram(const char *p)
{
	uint64		g;

	memcpy(&g, p, sizeof(g));
	return g;
}

/* A 64-bit mix (splitmix64's finaliser) to spread grams over the slots. */
static size_t
gram_slot(uint64 g, size_t mask)
{
	g ^= g >> 30;
	g *= UINT64CONST(0xbf58476d1ce4e5b9);
	g ^= g >> 27;
	g *= UINT64CONST(0x94d049bb133111eb);
	g ^= g >> 31;
	return (size_t) g & mask;
}

static void
gram_add(GramSet *set, uint64 g)
{
	size_t		i = gram_slot(g, set->mask);

	while (set->slots[i] != 0 && set->slots[i] != g)
		i = (i + 1) & set->mask;
	set->slots[i] = g;
}

static bool
gram_present(const GramSet *set, const char *p)
{
	uint64		g = load_gram(p);
	size_t		i = gram_slot(g, set->mask);

	while (set->slots[i] != 0)
	{
		if (set->slots[i] == g)
			return true;
		i = (i + 1) & set->mask;
	}
	return false;
}

/* Whether c stays as it is in URL encoding (RFC 3986 unreserved). */
static bool
url_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		c == '~';
}

/*
 * secret spelt in form, in a buffer sized up front (6 bytes a byte at
 * most, "\u00XX") so that no reallocation leaves a copy behind.
 */
static char *
secret_in_form(const char *secret, SecretForm form)
{
	const char *hex = form == FORM_URL_LOWER ? "0123456789abcdef" : "0123456789ABCDEF";
	char	   *out = palloc(strlen(secret) * 6 + 1);
	char	   *o = out;
	const unsigned char *p;

	for (p = (const unsigned char *) secret; *p != '\0'; p++)
	{
		if (form == FORM_PLAIN ||
			((form == FORM_URL_UPPER || form == FORM_URL_LOWER) && url_unreserved(*p)) ||
			(form == FORM_JSON && *p >= 0x20 && *p != '"' && *p != '\\' && *p != '/'))
			*o++ = (char) *p;
		else if (form != FORM_JSON)
		{
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
		}
		else if (*p >= 0x20)
		{
			*o++ = '\\';
			*o++ = (char) *p;
		}
		else
			o += sprintf(o, "\\u%04x", *p);
	}
	*o = '\0';
	return out;
}

/* Every form of every secret, and how many grams they hold at most. */
static size_t
collect_forms(GramSet *set, const char *const *secrets, int nsecrets)
{
	size_t		ngrams = 0;
	int			i;
	int			f;

	set->forms = palloc0(sizeof(char *) * (Max(nsecrets, 1) * FORM_COUNT));
	set->whole = palloc0(sizeof(char *) * (Max(nsecrets, 1) * FORM_COUNT));
	for (i = 0; i < nsecrets; i++)
	{
		if (secrets[i] == NULL || secrets[i][0] == '\0')
			continue;
		for (f = 0; f < FORM_COUNT; f++)
		{
			char	   *form = secret_in_form(secrets[i], (SecretForm) f);
			size_t		len = strlen(form);

			set->forms[set->nforms++] = form;
			if (len >= GRAM_LEN)
				ngrams += len - GRAM_LEN + 1;
			else
				set->whole[set->nwhole++] = form;
		}
	}
	return ngrams;
}

static void
gram_set_build(GramSet *set, const char *const *secrets, int nsecrets)
{
	size_t		ngrams;
	size_t		capacity = 16;
	int			i;

	memset(set, 0, sizeof(*set));
	ngrams = collect_forms(set, secrets, nsecrets);
	while (capacity < ngrams * 2)
		capacity *= 2;
	set->slots = palloc0(capacity * sizeof(uint64));
	set->mask = capacity - 1;
	for (i = 0; i < set->nforms; i++)
	{
		const char *form = set->forms[i];
		size_t		len = strlen(form);
		size_t		j;

		for (j = 0; j + GRAM_LEN <= len; j++)
		{
			if (strspn(form + j, "0123456789") < GRAM_LEN)
				gram_add(set, load_gram(form + j));
		}
	}
}

static void
gram_set_free(GramSet *set)
{
	int			i;

	explicit_bzero(set->slots, (set->mask + 1) * sizeof(uint64));
	pfree(set->slots);
	for (i = 0; i < set->nforms; i++)
		cks_secret_free(set->forms[i]);
	pfree(set->forms);
	pfree(set->whole);
}

/* Length of the longest short form that starts at text, or 0. */
static size_t
whole_at(const GramSet *set, const char *text)
{
	size_t		found = 0;
	int			i;

	for (i = 0; i < set->nwhole; i++)
	{
		size_t		len = strlen(set->whole[i]);

		if (len > found && strncmp(text, set->whole[i], len) == 0)
			found = len;
	}
	return found;
}

/*
 * One pass over text: writes the redacted text to out when out is not
 * NULL, and returns its length either way.
 */
static size_t
redact_pass(const GramSet *set, const char *text, size_t len, char *out)
{
	size_t		run_end = 0;	/* end of the redacted run so far */
	bool		in_run = false;
	size_t		n = 0;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		size_t		hit = 0;

		if (i + GRAM_LEN <= len && gram_present(set, text + i))
			hit = GRAM_LEN;
		if (set->nwhole > 0)
			hit = Max(hit, whole_at(set, text + i));
		if (hit > 0)
		{
			/* a hit where the last run ends continues it */
			if (!in_run)
			{
				if (out)
					memcpy(out + n, CKS_REDACTED, sizeof(CKS_REDACTED) - 1);
				n += sizeof(CKS_REDACTED) - 1;
			}
			in_run = true;
			run_end = Max(run_end, i + hit);
		}
		else if (!in_run || i >= run_end)
		{
			in_run = false;
			if (out)
				out[n] = text[i];
			n++;
		}
	}
	if (out)
		out[n] = '\0';
	return n;
}

/*
 * Replacing before anything else shortens the text means no cut can leave
 * a recognisable piece of a secret behind: callers cap and escape only the
 * redacted result.  Two passes size the result exactly.
 */
char *
cks_redact_secrets(const char *text, const char *const *secrets,
				   int nsecrets)
{
	GramSet		set;
	size_t		len = strlen(text);
	char	   *out;

	gram_set_build(&set, secrets, nsecrets);
	out = palloc(redact_pass(&set, text, len, NULL) + 1);
	redact_pass(&set, text, len, out);
	gram_set_free(&set);
	return out;
}
