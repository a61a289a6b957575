/*-------------------------------------------------------------------------
 *
 * scan_accounts.c
 *	  The credential stage of a scan: accounts whose credentials are not
 *	  known when the scan starts (a role to assume in each of a server's
 *	  accounts) get them from a call that runs in the scan's own
 *	  non-blocking loop, under the same max_concurrent_requests cap as the
 *	  KMS requests (a call waiting for its quota's token holds no place).
 *	  An account's streams are held back until its call has answered, so a
 *	  hundred accounts' AssumeRole calls overlap each other, the other
 *	  accounts' listings, and (under an asynchronous Append) the other
 *	  partitions' scans; five hundred, paced by STS's quota, overlap the
 *	  answered accounts' listings.
 *
 *	  A failed call fails every (account, region) pair of the account at
 *	  once: on_error 'error' names the account and its regions in the
 *	  error; 'warn' warns once and lists each pair under Failed Regions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "quals.h"
#include "scan/scan_accounts.h"
#include "scan/scan_failures.h"
#include "scan/streams.h"

/*
 * The most account calls waiting for their quota's next token at once
 * (they hold no place under the scan's cap).  At STS's 100 a second, 16
 * cover 160 ms of tokens, more than an answer takes to come back and start
 * the next ones.
 */
#define CKS_ACCOUNTS_WAITING_FOR_QUOTA	16

/*
 * Streams of an account without credentials.  Cached credentials (a role
 * assumed by an earlier query) are used at once: the copy is handed back
 * for the caller to add its streams.  Otherwise the set is kept, copied
 * into the scan's context, until the account's call answers (NULL).  A set
 * that makes no stream needs no credentials and no call (NULL).
 */
CksStreamSet *
cks_scan_defer_streams(CksScan *scan, const CksStreamSet *set)
{
	const CksCredentialCalls *calls = scan->credential_calls;
	MemoryContext old;
	CksScanAccount *account;
	CksStreamSet *copy;
	int			i;

	Assert(set->account_id != NULL);
	if (set->regions == NIL || (set->parameter >= 0 && set->values == NIL))
		return NULL;
	old = MemoryContextSwitchTo(scan->cxt);
	copy = palloc(sizeof(CksStreamSet));
	*copy = *set;
	copy->account_id = pstrdup(set->account_id);
	copy->regions = cks_copy_strings(set->regions);
	copy->values = cks_copy_strings(set->values);
	for (i = 0; i < CKS_MAX_OPERATION_PARAMETERS; i++)
		if (set->fixed[i] != NULL)
			copy->fixed[i] = pstrdup(set->fixed[i]);
	/* a copy in the scan's context, wiped with it */
	copy->credentials = calls->cached(calls->arg, copy->account_id);
	if (copy->credentials != NULL)
	{
		MemoryContextSwitchTo(old);
		return copy;
	}
	if (scan->naccounts == scan->accounts_allocated)
	{
		scan->accounts_allocated = Max(8, scan->accounts_allocated * 2);
		scan->accounts = scan->accounts ?
			repalloc(scan->accounts, sizeof(CksScanAccount) * scan->accounts_allocated) :
			palloc(sizeof(CksScanAccount) * scan->accounts_allocated);
	}
	account = &scan->accounts[scan->naccounts++];
	memset(account, 0, sizeof(CksScanAccount));
	account->streams = copy;
	MemoryContextSwitchTo(old);
	return NULL;
}

/* How many of the scan's accounts are so (in flight, waiting, ...). */
static int
count_accounts(CksScan *scan, bool (*is)(const CksScanAccount *account))
{
	int			n = 0;

	for (int i = 0; i < scan->naccounts; i++)
		n += is(&scan->accounts[i]);
	return n;
}

static void
start_account_call(CksScan *scan, CksScanAccount *account)
{
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);

	cks_call_reset(&account->call);
	scan->credential_calls->prepare(scan->credential_calls->arg,
									account->streams->account_id,
									&account->call, &scan->settings);
	account->started = true;
	MemoryContextSwitchTo(old);
}

/*
 * Accounts go first: each one's call unlocks all of its streams, so the
 * free places under the cap are better spent on them.  But a call waiting
 * for its quota's token (500 AssumeRole calls against STS's 100 a second)
 * holds no place (streams.c): the places go to the streams of the
 * accounts already answered, and only a few calls wait ahead of the
 * quota -- enough to take each token as it comes, since more start after
 * every answer, and few enough that thousands of accounts do not all wait
 * (and wake) at once.
 */
void
cks_scan_accounts_start(CksScan *scan)
{
	int			active;
	int			waiting;

	if (scan->next_account >= scan->naccounts)
		return;
	/* called for every row: the cheaper count first */
	waiting = count_accounts(scan, cks_scan_account_waits_for_quota);
	if (waiting >= CKS_ACCOUNTS_WAITING_FOR_QUOTA)
		return;
	active = cks_scan_requests_in_flight(scan);
	while (scan->next_account < scan->naccounts &&
		   active < scan->max_in_flight &&
		   waiting < CKS_ACCOUNTS_WAITING_FOR_QUOTA)
	{
		start_account_call(scan, &scan->accounts[scan->next_account++]);
		active++;
	}
}

bool
cks_scan_accounts_waiting(CksScan *scan)
{
	return scan->next_account < scan->naccounts ||
		count_accounts(scan, cks_scan_account_in_flight) > 0;
}

/*
 * The account's credentials could not be had: every (account, region)
 * pair of it has failed, and the message says which, since the call
 * itself (AssumeRole, in the STS region) names neither.
 */
static void
account_failed(CksScan *scan, CksScanAccount *account)
{
	const CksCredentialCalls *calls = scan->credential_calls;
	const CksStreamSet *set = account->streams;
	char	   *what = psprintf("%s for account \"%s\" (region%s %s)",
								calls->describe(calls->arg, set->account_id),
								set->account_id,
								list_length(set->regions) == 1 ? "" : "s",
								cks_join_strings(set->regions));
	ListCell   *lc;

	cks_call_report(&account->call, scan->on_error_warn ? WARNING : ERROR,
					what, set->account_id);
	foreach(lc, set->regions)
		cks_scan_note_failure(scan, set->account_id, lfirst(lc), &account->call);
}

/*
 * The account's call has ended: its set is handed back, with the
 * credentials it gave, for the caller to add its streams; or the account
 * fails (NULL).  Signing keys refused as expired are fetched again for one
 * more try (NULL: the call runs again).
 */
CksStreamSet *
cks_scan_account_answered(CksScan *scan, CksScanAccount *account)
{
	const CksCredentialCalls *calls = scan->credential_calls;
	CksStreamSet *set = account->streams;
	MemoryContext old;

	if (account->call.state != CKS_CALL_DONE && !account->retried &&
		calls->renew_signer(calls->arg, &account->call))
	{
		account->retried = true;
		start_account_call(scan, account);
		return NULL;
	}
	account->answered = true;
	if (account->call.state == CKS_CALL_DONE)
	{
		old = MemoryContextSwitchTo(scan->cxt);
		set->credentials = calls->take(calls->arg, set->account_id, &account->call);
		MemoryContextSwitchTo(old);
	}
	if (set->credentials == NULL)
	{
		account_failed(scan, account);
		set = NULL;
	}
	cks_call_reset(&account->call);
	return set;
}

void
cks_scan_accounts_release(CksScan *scan)
{
	for (int i = 0; i < scan->naccounts; i++)
		cks_call_reset(&scan->accounts[i].call);
	scan->accounts = NULL;
	scan->naccounts = 0;
	scan->accounts_allocated = 0;
	scan->next_account = 0;
}
