/*-------------------------------------------------------------------------
 *
 * test_credentials_file.c
 *	  Unit tests of src/credentials/credentials_file.c: the shared-credentials INI
 *	  parser, the profile name rule, and the file's safety checks
 *	  (regular file, mode 600, bounded size).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <sys/stat.h>
#include <unistd.h>

#include "aws/aws_names.h"
#include "credentials/credentials_file.h"
#include "unit.h"

static const char *sample =
"# written by aws configure\n"
"[default]\n"
"aws_access_key_id = AKIDDEFAULT000000001\n"
"aws_secret_access_key=default/secret/XXXX\n"
"\n"
"[cks]\r\n"
"  ; a comment inside the profile\r\n"
"AWS_ACCESS_KEY_ID   =   ASIACKSFILE000000001  \r\n"
"aws_secret_access_key = cks/file/secret/YYYY\r\n"
"aws_session_token = IQoJb3JpZ2luX2VjEfile+token/==\r\n"
"region = eu-west-1\r\n"
"[ spaced ]\n"
"aws_access_key_id = AKIDSPACED\n"
"aws_secret_access_key = first\n"
"aws_secret_access_key = second\n"
"[no-secret]\n"
"aws_access_key_id = AKIDNOSECRET\n"
"[blank-value]\n"
"aws_access_key_id = AKIDBLANK\n"
"aws_secret_access_key =\n"
"[inner-space]\n"
"aws_access_key_id = AKID SPLIT\n"
"aws_secret_access_key = x\n";

static void
test_parse(void)
{
	CksFileCredentials c;
	char	   *problem;

	CHECK(cks_parse_shared_credentials(sample, "default", &c, &problem));
	CHECK_STR(c.access_key_id, "AKIDDEFAULT000000001");
	CHECK_STR(c.secret_access_key, "default/secret/XXXX");
	CHECK(c.session_token == NULL);
	cks_file_credentials_free(&c);

	/* CR LF, blanks, comments, keys in any case, other keys ignored */
	CHECK(cks_parse_shared_credentials(sample, "cks", &c, &problem));
	CHECK_STR(c.access_key_id, "ASIACKSFILE000000001");
	CHECK_STR(c.secret_access_key, "cks/file/secret/YYYY");
	CHECK_STR(c.session_token, "IQoJb3JpZ2luX2VjEfile+token/==");
	cks_file_credentials_free(&c);
	CHECK(c.access_key_id == NULL);

	/* blanks inside the brackets; the last of a repeated key */
	CHECK(cks_parse_shared_credentials(sample, "spaced", &c, &problem));
	CHECK_STR(c.secret_access_key, "second");
	cks_file_credentials_free(&c);

	/* failures name the profile and the key, never a value */
	CHECK(!cks_parse_shared_credentials(sample, "absent", &c, &problem));
	CHECK_STR(problem, "it has no profile [absent]");
	CHECK(!cks_parse_shared_credentials(sample, "no-secret", &c, &problem));
	CHECK_STR(problem, "its profile [no-secret] has no aws_access_key_id or no aws_secret_access_key");
	CHECK(c.access_key_id == NULL);
	CHECK(!cks_parse_shared_credentials(sample, "blank-value", &c, &problem));
	CHECK(strstr(problem, "aws_secret_access_key that is empty") != NULL);
	CHECK(!cks_parse_shared_credentials(sample, "inner-space", &c, &problem));
	CHECK(strstr(problem, "aws_access_key_id that is empty or contains a space") != NULL);
	CHECK(strstr(problem, "SPLIT") == NULL);
	/* a profile's keys end at the next section */
	CHECK(!cks_parse_shared_credentials("[a]\n[b]\naws_access_key_id=x\naws_secret_access_key=y\n",
										"a", &c, &problem));
	CHECK(!cks_parse_shared_credentials("", "default", &c, &problem));
}

static void
test_profile_names(void)
{
	CHECK(cks_profile_name_ok("default"));
	CHECK(cks_profile_name_ok("prod-eu_1.cks@team"));
	CHECK(!cks_profile_name_ok(""));
	CHECK(!cks_profile_name_ok(NULL));
	CHECK(!cks_profile_name_ok("two words"));
	CHECK(!cks_profile_name_ok("a]b"));
	CHECK(!cks_profile_name_ok("line\nbreak"));
}

/* Write text to a new file of mode mode; its path, palloc'd. */
static char *
write_file(const char *text, mode_t mode)
{
	char		path[] = "/tmp/cks-unit-credentials.XXXXXX";
	int			fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text))
		return NULL;
	close(fd);
	chmod(path, mode);
	return pstrdup(path);
}

static void
test_file_rules(void)
{
	CksFileCredentials c;
	char	   *problem;
	char	   *path = write_file(sample, 0600);
	char	   *big;
	char	   *big_path;

	CHECK(path != NULL);
	CHECK(cks_read_credentials_file(path, "cks", &c, &problem) == CKS_CREDFILE_OK);
	CHECK_STR(c.access_key_id, "ASIACKSFILE000000001");
	cks_file_credentials_free(&c);
	CHECK(cks_read_credentials_file(path, "absent", &c, &problem) == CKS_CREDFILE_BAD);

	/* readable by the group or by others: refused, like .pgpass */
	chmod(path, 0640);
	CHECK(cks_read_credentials_file(path, "cks", &c, &problem) == CKS_CREDFILE_UNSAFE);
	CHECK_STR(problem, "it is accessible to its group or to others (use chmod 600)");
	chmod(path, 0604);
	CHECK(cks_read_credentials_file(path, "cks", &c, &problem) == CKS_CREDFILE_UNSAFE);
	chmod(path, 0400);
	CHECK(cks_read_credentials_file(path, "cks", &c, &problem) == CKS_CREDFILE_OK);
	cks_file_credentials_free(&c);
	unlink(path);

	CHECK(cks_read_credentials_file(path, "cks", &c, &problem) == CKS_CREDFILE_MISSING);
	CHECK(cks_read_credentials_file("/tmp", "cks", &c, &problem) == CKS_CREDFILE_UNSAFE);
	CHECK_STR(problem, "it is not a regular file");

	/* bounded: one byte over the limit is refused before it is read */
	big = palloc(CKS_MAX_CREDENTIALS_FILE_LEN + 2);
	memset(big, '#', CKS_MAX_CREDENTIALS_FILE_LEN + 1);
	big[CKS_MAX_CREDENTIALS_FILE_LEN + 1] = '\0';
	big_path = write_file(big, 0600);
	CHECK(cks_read_credentials_file(big_path, "cks", &c, &problem) == CKS_CREDFILE_UNREADABLE);
	CHECK(strstr(problem, "larger than") != NULL);
	unlink(big_path);
}

void
run_credentials_file_tests(void)
{
	test_parse();
	test_profile_names();
	test_file_rules();
}
