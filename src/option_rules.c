/*-------------------------------------------------------------------------
 *
 * option_rules.c
 *	  Which options of a user mapping go together: the key pair, the
 *	  session token with its keys, the AssumeRole settings with role_arn,
 *	  a profile with its credentials_file, and one source of keys only
 *	  (the keys, a credentials_file, or a credential_source).
 *
 *	  Moved out of options.c, which states each option alone.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "nodes/pg_list.h"

#include "option_rules.h"

/* True if the option list has an option of that name. */
static bool
has_option(List *options, const char *keyword)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		if (strcmp(((DefElem *) lfirst(lc))->defname, keyword) == 0)
			return true;
	}
	return false;
}

/* One option of a user mapping that needs another one to mean anything. */
static void
require_partner(List *options, const char *keyword, const char *partner,
				const char *hint)
{
	if (has_option(options, keyword) && !has_option(options, partner))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"%s\" requires option \"%s\"",
						keyword, partner),
				 errhint("%s", hint)));
}

/*
 * The combinations of user mapping options that cannot work: half a key
 * pair, a session token without its keys, AssumeRole parameters without a
 * role.  Checked on the complete option list, which is what the validator
 * gets for ALTER too, and again when a scan reads the mapping.
 */
void
cks_check_user_mapping_combination(List *options)
{
	static const char *const assume_role_options[] = {
		"external_id", "role_session_name", "duration_seconds"
	};
	static const char *const key_sources[] = {"credential_source", "credentials_file"};
	const char *key_pair_hint = "Set both access_key_id and secret_access_key, or neither.";

	require_partner(options, "access_key_id", "secret_access_key",
					key_pair_hint);
	require_partner(options, "secret_access_key", "access_key_id",
					key_pair_hint);
	if (has_option(options, "session_token") &&
		!has_option(options, "access_key_id"))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"session_token\" requires options \"access_key_id\" and \"secret_access_key\""),
				 errhint("A session token is only valid with the temporary access key it was issued with.")));

	for (int i = 0; i < lengthof(assume_role_options); i++)
		require_partner(options, assume_role_options[i], "role_arn",
						"It is passed to STS AssumeRole, which is only called when role_arn is set.");

	require_partner(options, "profile", "credentials_file",
					"A profile names a section of the credentials file.");
	/* a source or a file replaces the keys; both would be ambiguous */
	for (int i = 0; i < lengthof(key_sources); i++)
		if (has_option(options, key_sources[i]) &&
			(has_option(options, "access_key_id") ||
			 has_option(options, "secret_access_key") ||
			 has_option(options, "session_token") ||
			 (i == 1 && has_option(options, key_sources[0]))))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("option \"%s\" cannot be combined with access_key_id, secret_access_key or session_token%s",
							key_sources[i], i == 1 ? " or credential_source" : ""),
					 i == 0 ?
					 errhint("A user mapping takes its credentials either from its keys or from the server's credential source; drop one of them.") :
					 errhint("A user mapping takes its credentials from its keys, a credentials file or the server's credential source; keep one of them.")));
}
