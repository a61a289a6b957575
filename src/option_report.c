/*-------------------------------------------------------------------------
 *
 * option_report.c
 *	  The error for an option name given where it is not valid: where it
 *	  belongs when it belongs on another object (a credential on a server is
 *	  a mistake worth a precise hint), else the closest valid name
 *	  ("Perhaps you meant the option ..."), else the valid names.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "closest_name.h"
#include "option_report.h"

/*
 * keyword is not valid here; belongs is where it is valid (CKS_ON_*
 * flags), 0 when cks_fdw does not know it; valid_names, NULL-terminated,
 * are the options valid here.
 */
void
cks_report_misplaced_option(const char *keyword, int belongs,
							const char *const *valid_names)
{
	StringInfoData valid;
	const char *closest;

	if (belongs == CKS_ON_USER_MAPPING)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"%s\" belongs on a user mapping", keyword),
				 errhidestmt(true),	/* the statement holds its value */
				 errhint("Credentials and role settings are user mapping options, which other roles cannot read: CREATE USER MAPPING FOR ... SERVER ... OPTIONS (%s '...').",
						 keyword)));
	if (belongs == CKS_ON_SERVER)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"%s\" belongs on a server", keyword),
				 errhint("Use ALTER SERVER ... OPTIONS (ADD %s '...').",
						 keyword)));
	if (belongs == (CKS_ON_SERVER | CKS_ON_TABLE))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"%s\" belongs on a server or a foreign table",
						keyword),
				 errhint("Use ALTER SERVER ... OPTIONS (ADD %s '...') or ALTER FOREIGN TABLE ... OPTIONS (ADD %s '...').",
						 keyword, keyword)));
	if (belongs == CKS_ON_COLUMN)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"%s\" belongs on a foreign table column",
						keyword),
				 errhint("Use ALTER FOREIGN TABLE ... ALTER COLUMN ... OPTIONS (ADD %s '...').",
						 keyword)));

	initStringInfo(&valid);
	for (int i = 0; valid_names[i] != NULL; i++)
		appendStringInfo(&valid, "%s%s", valid.len > 0 ? ", " : "",
						 valid_names[i]);
	/* as PostgreSQL 16's own option checks suggest */
	closest = cks_closest_name(keyword, valid_names, 4);
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			 errmsg("invalid option \"%s\"", keyword),
			 closest != NULL
			 ? errhint("Perhaps you meant the option \"%s\".", closest)
			 : valid.len > 0
			 ? errhint("Valid options in this context are: %s", valid.data)
			 : errhint("There are no valid options in this context.")));
}
