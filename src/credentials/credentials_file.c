/*-------------------------------------------------------------------------
 *
 * credentials_file.c
 *	  Reading AWS keys from a shared-credentials file: the file's safety
 *	  checks, a bounded read, and the INI profile parser.  See
 *	  credentials_file.h.
 *
 *	  Everything read is wiped before it is freed; problems are worded as
 *	  clauses that name keys and profiles but never quote a value.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/aws_names.h"
#include "credentials/bounded_read.h"
#include "credentials/credentials_file.h"
#include "aws/secrets.h"

void
cks_file_credentials_free(CksFileCredentials *creds)
{
	cks_secret_free(creds->access_key_id);
	cks_secret_free(creds->secret_access_key);
	cks_secret_free(creds->session_token);
	creds->access_key_id = creds->secret_access_key = creds->session_token = NULL;
}

/* [start, end) without blanks at either end. */
static void
trim(const char **start, const char **end)
{
	while (*start < *end && (**start == ' ' || **start == '\t'))
		(*start)++;
	while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t' ||
							 (*end)[-1] == '\r'))
		(*end)--;
}

/* Whether [start, end) is the section header [profile]. */
static bool
is_section(const char *start, const char *end, const char *profile)
{
	size_t		len = strlen(profile);

	if (end - start < 2 || start[0] != '[' || end[-1] != ']')
		return false;
	start++;
	end--;
	trim(&start, &end);
	return (size_t) (end - start) == len && strncmp(start, profile, len) == 0;
}

/* The field of out that key names, or NULL when it is another key. */
static char **
key_field(const char *key, size_t len, CksFileCredentials *out)
{
	if (len == 17 && pg_strncasecmp(key, "aws_access_key_id", len) == 0)
		return &out->access_key_id;
	if (len == 21 && pg_strncasecmp(key, "aws_secret_access_key", len) == 0)
		return &out->secret_access_key;
	if (len == 17 && pg_strncasecmp(key, "aws_session_token", len) == 0)
		return &out->session_token;
	return NULL;
}

/* Take one "key = value" line of the profile into out. */
static void
take_line(const char *start, const char *end, CksFileCredentials *out)
{
	const char *eq = memchr(start, '=', end - start);
	const char *key_end;
	const char *value;
	char	  **field;

	if (eq == NULL)
		return;
	key_end = eq;
	trim(&start, &key_end);
	field = key_field(start, key_end - start, out);
	if (field == NULL)
		return;
	value = eq + 1;
	trim(&value, &end);
	/* a key given twice: the last one counts, as in the AWS CLI */
	cks_secret_free(*field);
	*field = pnstrdup(value, end - value);
}

/* The problem with the keys found, or NULL when they can sign. */
static const char *
keys_problem(const CksFileCredentials *out)
{
	if (out->access_key_id == NULL || out->secret_access_key == NULL)
		return "has no aws_access_key_id or no aws_secret_access_key";
	if (!cks_credential_chars_ok(out->access_key_id))
		return "has an aws_access_key_id that is empty or contains a space or a control character";
	if (!cks_credential_chars_ok(out->secret_access_key))
		return "has an aws_secret_access_key that is empty or contains a space or a control character";
	if (out->session_token != NULL && !cks_credential_chars_ok(out->session_token))
		return "has an aws_session_token that is empty or contains a space or a control character";
	return NULL;
}

/*
 * One pass over the lines: those between [profile] and the next section
 * header are the profile's.
 */
bool
cks_parse_shared_credentials(const char *text, const char *profile,
							 CksFileCredentials *out, char **problem)
{
	const char *line = text;
	bool		in_profile = false;
	bool		found = false;
	const char *bad;

	memset(out, 0, sizeof(*out));
	*problem = NULL;
	while (*line != '\0')
	{
		const char *end = line + strcspn(line, "\n");
		const char *next = *end ? end + 1 : end;
		const char *start = line;

		trim(&start, &end);
		if (start < end && *start == '[')
		{
			in_profile = is_section(start, end, profile);
			found |= in_profile;
		}
		else if (in_profile && start < end && *start != '#' && *start != ';')
			take_line(start, end, out);
		line = next;
	}
	if (!found)
	{
		*problem = psprintf("it has no profile [%s]", profile);
		return false;
	}
	bad = keys_problem(out);
	if (bad != NULL)
	{
		cks_file_credentials_free(out);
		*problem = psprintf("its profile [%s] %s", profile, bad);
		return false;
	}
	return true;
}

/* The safety rules of .pgpass: ours alone, a regular file. */
static const char *
unsafe_reason(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return "it is not a regular file";
	if (st->st_uid != geteuid())
		return "it is not owned by the database server's operating system user";
	if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return "it is accessible to its group or to others (use chmod 600)";
	return NULL;
}

/*
 * The whole file, read into a buffer of the size fstat gave (+1 to see a
 * file that grew), so that no reallocation leaves a copy behind.
 */
static char *
read_whole(int fd, size_t size, char **problem)
{
	size_t		used = 0;
	bool		grew;
	char	   *buf = cks_read_bounded(fd, size, &used, &grew, problem);

	if (grew)
		*problem = pstrdup("it changed while it was read");
	else if (buf != NULL && memchr(buf, '\0', used) != NULL)
	{
		*problem = pstrdup("it contains a NUL byte");
		explicit_bzero(buf, size + 2);
		pfree(buf);
		return NULL;
	}
	return buf;
}

CksCredentialsFileProblem
cks_read_credentials_file(const char *path, const char *profile,
						  CksFileCredentials *out, char **problem)
{
	struct stat st;
	int			fd;
	char	   *text;
	size_t		size;
	const char *unsafe;
	bool		parsed;

	memset(out, 0, sizeof(*out));
	*problem = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
	{
		int			err = errno;

		*problem = psprintf("could not open it: %s", strerror(err));
		return err == ENOENT ? CKS_CREDFILE_MISSING : CKS_CREDFILE_UNREADABLE;
	}
	if (fstat(fd, &st) != 0)
	{
		*problem = psprintf("could not stat it: %s", strerror(errno));
		close(fd);
		return CKS_CREDFILE_UNREADABLE;
	}
	unsafe = unsafe_reason(&st);
	if (unsafe != NULL || st.st_size > CKS_MAX_CREDENTIALS_FILE_LEN)
	{
		close(fd);
		*problem = unsafe ? pstrdup(unsafe) :
			psprintf("it is larger than %d bytes", CKS_MAX_CREDENTIALS_FILE_LEN);
		return unsafe ? CKS_CREDFILE_UNSAFE : CKS_CREDFILE_UNREADABLE;
	}
	size = (size_t) st.st_size;
	text = read_whole(fd, size, problem);
	close(fd);
	if (text == NULL)
		return CKS_CREDFILE_UNREADABLE;
	parsed = cks_parse_shared_credentials(text, profile, out, problem);
	explicit_bzero(text, size + 2);
	pfree(text);
	return parsed ? CKS_CREDFILE_OK : CKS_CREDFILE_BAD;
}
