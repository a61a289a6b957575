/*-------------------------------------------------------------------------
 *
 * account_pruning.c
 *	  The planner's view of a server with the option "accounts": how many
 *	  accounts a scan calls once constant account_id quals have pruned the
 *	  list, for the cost of the scan (requests grow with accounts x
 *	  regions) and for EXPLAIN.  Parameters, generic plans and join keys
 *	  are pruned again at execution, when their values are known
 *	  (scan_start.c); an organization's size is only known then.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "account_pruning.h"
#include "aws/aws_names.h"
#include "option_values.h"
#include "quals.h"

int
cks_accounts_for_plan(const CksScanOptions *opts, List *pushed, char **explain)
{
	List	   *listed;
	int			kept;

	if (explain)
		*explain = "";
	if (opts->accounts == NULL)
		return 1;
	if (strcmp(opts->accounts, CKS_ACCOUNTS_ORGANIZATION) == 0)
	{
		if (explain)
			*explain = "organization";
		return CKS_PLANNED_ORGANIZATION_ACCOUNTS;
	}
	listed = cks_account_list(opts->accounts);
	/* the same rule as regions: a constant qual keeps what it names */
	kept = list_length(cks_regions_for_plan(listed,
											cks_find_pushed(pushed, CKS_PUSH_ACCOUNT)));
	if (explain)
		*explain = kept == list_length(listed) ? psprintf("%d", kept) :
			psprintf("%d of %d", kept, list_length(listed));
	return Max(kept, 1);
}
