/*-------------------------------------------------------------------------
 *
 * scan_start.c
 *	  The start of each (re)scan of a foreign table: the pushed values are
 *	  evaluated (parameters, generic plans and join keys are known only
 *	  now), the accounts pruned by account_id, the regions by region, and
 *	  each remaining account gets its streams and what signs them: the
 *	  mapping's base keys, or a role assumed in the account, which the scan
 *	  itself runs in its non-blocking loop (scan_accounts.c).
 *
 *	  Nothing here waits for AssumeRole.  Only Organizations discovery
 *	  (cached per session) and, for a mapping without a role that must
 *	  know its account, GetCallerIdentity (once per backend) block.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <time.h>

#include "credentials/account_roles.h"
#include "aws/metric_queries.h"
#include "aws/aws_names.h"
#include "credentials/credentials.h"
#include "executor/executor.h"
#include "organization.h"
#include "quals.h"
#include "scan_state.h"
#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

const SigV4Credentials *
cks_renew_scan_credentials(void *arg, const CksStream *stream)
{
	ForeignScanState *node = arg;
	CksScanState *state = node->fdw_state;
	MemoryContext old = MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);
	SigV4Credentials *fresh;

	/* KMS said expired although we thought them fresh (revoked, or an
	 * expiry we were told wrong): new ones for the rest of the query */
	fresh = cks_renew_credentials(&state->cred,
								  state->cred.mapping.role_arn ? stream->account_id : NULL);
	if (state->cred.mapping.role_arn == NULL)
		state->credentials = fresh;
	MemoryContextSwitchTo(old);
	return fresh;
}

/* Evaluate the pushed value of one target: its distinct non-NULL texts. */
static List *
evaluate_values(ForeignScanState *node, CksScanState *state, int target,
				bool *present)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	ListCell   *lc_col,
			   *lc_arr,
			   *lc_state;
	List	   *values = NIL;

	*present = false;
	forthree(lc_col, state->pushed_targets, lc_arr, state->pushed_is_array,
			 lc_state, state->value_states)
	{
		bool		isnull;
		Datum		datum;

		if (lfirst_int(lc_col) != target)
			continue;
		*present = true;
		datum = ExecEvalExpr(lfirst(lc_state), econtext, &isnull);
		if (!isnull)
			values = cks_append_text_values(values, datum, lfirst_int(lc_arr));
	}
	return values;
}

/* The server's regions that a region qual (if any) keeps. */
static List *
regions_to_call(ForeignScanState *node, CksScanState *state)
{
	bool		filtered;
	List	   *wanted = evaluate_values(node, state, CKS_PUSH_REGION, &filtered);

	return filtered ? cks_filter_regions(state->opts.regions, wanted) :
		state->opts.regions;
}

/*
 * The values of one pushed parameter, into *values; false when one of them
 * is outside the parameter's enum (a cluster state AWS added after our
 * model): AWS would refuse the request or match nothing, though the rows
 * may well have it, so that clause is not sent and, always kept as a local
 * qual, filters the rows instead.
 */
static bool
values_to_send(ForeignScanState *node, CksScanState *state, int target,
			   List **values)
{
	const CksPushdown *pushdown = cks_kind_pushdown_of_parameter(state->kind, target);
	bool		present;
	ListCell   *lv;

	*values = NIL;
	foreach(lv, evaluate_values(node, state, target, &present))
	{
		char	   *value = strVal(lfirst(lv));

		if (!cks_pushdown_value_is_valid(pushdown, value))
			return false;
		*values = lappend(*values, value);
	}
	return true;
}

/*
 * The pushed request parameter and its values, if any (set->parameter,
 * set->values).  A list-taking operation sends every other pushed value
 * too, as a JSON list in set->fixed; one that holds no value at all (only
 * NULLs) matches nothing (*nothing).  An operation that can discover its
 * things takes its discovery parameter (the stores) as set->parameter, or
 * none; range bounds are not sent here (time_window).
 */
static void
parameters_to_send(ForeignScanState *node, CksScanState *state,
				   CksStreamSet *set, bool *nothing)
{
	const CksOperation *lookup = cks_lookup_operation(state->kind->operation);
	int			preferred = lookup->discovery ? lookup->discovery->parameter : -1;
	ListCell   *lc;

	set->parameter = -1;
	set->values = NIL;
	*nothing = false;
	foreach(lc, state->pushed_targets)
	{
		int			target = lfirst_int(lc);
		List	   *values;
		const char **array;
		int			n = 0;
		ListCell   *lv;

		if (target < 0 ||
			cks_kind_pushdown_of_parameter(state->kind, target)->bound != CKS_BOUND_NONE ||
			!values_to_send(node, state, target, &values))
			continue;
		if (set->parameter < 0 && (preferred < 0 || target == preferred))
		{
			set->parameter = target;
			set->values = values;
			continue;
		}
		if (values == NIL)
			*nothing = true;
		array = palloc(sizeof(const char *) * Max(list_length(values), 1));
		foreach(lv, values)
			array[n++] = lfirst(lv);
		set->fixed[target] = aws_json_string_list(array, n);
	}
}

/* Epoch seconds of a timestamptz's text (in this session's DateStyle, as
 * the pushed value was printed); false for infinity. */
static bool
epoch_of_text(const char *text, int64 *seconds)
{
	TimestampTz ts = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
															 CStringGetDatum(text),
															 ObjectIdGetDatum(InvalidOid),
															 Int32GetDatum(-1)));

	if (TIMESTAMP_NOT_FINITE(ts))
		return false;
	*seconds = (int64) floor((double) ts / USECS_PER_SEC) +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
	return true;
}

/*
 * StartTime and EndTime from the timestamp bounds, in epoch seconds: an
 * upper bound one second later (EndTime is exclusive, and "<=" must keep
 * its last datapoint; the clause is rechecked on each row); without one,
 * now; without a lower bound, three hours before the end.  False when the
 * window is empty: nothing can match.
 */
static bool
time_window(ForeignScanState *node, CksScanState *state, CksStreamSet *set)
{
	const CksOperation *op = cks_lookup_operation(state->kind->operation);
	int64		start = -1;
	int64		end = (int64) (time(NULL));
	ListCell   *lc;

	foreach(lc, state->pushed_targets)
	{
		int			target = lfirst_int(lc);
		const CksPushdown *pushdown;
		bool		present;
		List	   *values;
		int64		seconds;

		if (target < 0 ||
			(pushdown = cks_kind_pushdown_of_parameter(state->kind, target))->bound == CKS_BOUND_NONE)
			continue;
		values = evaluate_values(node, state, target, &present);
		if (values == NIL)
			return false;		/* a NULL bound matches nothing */
		if (!epoch_of_text(strVal(linitial(values)), &seconds))
			continue;
		if (pushdown->bound == CKS_BOUND_LOWER)
			start = Max(seconds, 0);
		else
			end = seconds + 1;
	}
	if (start < 0)
		start = end - CKS_METRIC_DEFAULT_WINDOW_SECONDS;
	if (start >= end)
		return false;
	set->fixed[cks_operation_parameter(op, "StartTime")] = psprintf(INT64_FORMAT, start);
	set->fixed[cks_operation_parameter(op, "EndTime")] = psprintf(INT64_FORMAT, end);
	return true;
}

/*
 * An operation that must be told what to ask about and was not (no store
 * qual): the scan lists them first (discovery.c).  The streams made here
 * are the discovery listing's; the operation's own values wait in the
 * scan.  Call after cks_scan_begin.
 */
static void
start_discovery(CksScanState *state, CksStreamSet *set)
{
	const CksOperation *op = cks_lookup_operation(state->kind->operation);

	cks_scan_set_discovery(&state->scan, op,
						   cks_service_endpoint(&state->opts,
												op->service->endpoint_option),
						   set->fixed);
	memset(set->fixed, 0, sizeof(set->fixed));
	set->operation = op->discovery->operation;
	set->endpoint_template = cks_service_endpoint(&state->opts,
												  set->operation->service->endpoint_option);
}

/*
 * The accounts a scan reads, after the account_id quals: the server's
 * "accounts" (listed or discovered), the role's account, or the mapping's
 * own (from GetCallerIdentity, only when the query needs it; otherwise a
 * single NULL: one account whose id nobody asked for).
 */
static List *
accounts_to_call(CksScanState *state, List *wanted, bool filtered)
{
	List	   *accounts;

	if (state->opts.accounts)
		accounts = cks_server_accounts(&state->cred);
	else if (state->cred.mapping.role_arn)
		accounts = list_make1(cks_arn_account_id(state->cred.mapping.role_arn));
	else if (filtered || state->rows.needs_account_id)
	{
		if (state->account_id == NULL)
			state->account_id = cks_get_account_id(&state->cred);
		accounts = list_make1(state->account_id);
	}
	else
		return list_make1(NULL);
	/* the same rule as regions: keep what the quals name */
	return filtered ? cks_filter_regions(accounts, wanted) : accounts;
}

/*
 * The user mapping's options, read once a query (in the query's context)
 * into the credentials context every later call is handed; the call
 * reports name its credential_source in their hints.
 */
static void
read_mapping(CksScanState *state)
{
	CksCredentialSource source;

	cks_credential_context_init(&state->cred, state->user, &state->opts,
								&state->scan.settings, &state->sts_requests);
	source = state->cred.mapping.credential_source;
	state->scan.settings.credential_source = source == CKS_SOURCE_NONE ? NULL :
		cks_credential_source_name(source);
	state->mapping_read = true;
}

/*
 * What signs, fetched once per query: with a role, the calls that assume
 * it per account (in the scan's loop); without, the base keys -- only
 * when some request will go out.
 */
static void
prepare_signing(CksScanState *state, bool any_stream)
{
	const char *role_arn = state->cred.mapping.role_arn;

	if (role_arn && state->credential_calls == NULL)
		state->credential_calls = cks_role_credential_calls(&state->cred);
	else if (!role_arn && any_stream && state->credentials == NULL)
		state->credentials = cks_get_credentials(&state->cred);
}

void
cks_start_scan(ForeignScanState *node, CksScanState *state)
{
	MemoryContext query_cxt = node->ss.ps.state->es_query_cxt;
	MemoryContext old;
	bool		filtered;
	List	   *accounts;
	ListCell   *lc;
	CksStreamSet set;
	bool		nothing;
	bool		discover;

	/*
	 * The pushed values live in the current (per-tuple) context: the scan
	 * copies what it keeps, so a nested loop's rescans leave nothing behind.
	 */
	List	   *wanted = evaluate_values(node, state, CKS_PUSH_ACCOUNT, &filtered);

	memset(&set, 0, sizeof(set));
	parameters_to_send(node, state, &set, &nothing);
	set.regions = regions_to_call(node, state);
	/* an operation with a time window (GetMetricData) gets it now */
	if (cks_operation_parameter(cks_lookup_operation(state->kind->operation),
								"StartTime") >= 0 &&
		!time_window(node, state, &set))
		nothing = true;
	if (nothing)
		set.regions = NIL;
	/* a pushed parameter is a lookup, which replaces an expanded listing */
	set.operation = set.parameter >= 0 ?
		cks_lookup_operation(state->kind->operation) : state->kind->operation;
	set.endpoint_template = cks_service_endpoint(&state->opts,
												 set.operation->service->endpoint_option);
	set.name_account = state->opts.accounts != NULL;
	discover = set.parameter < 0 &&
		cks_lookup_operation(state->kind->operation)->discovery != NULL;

	old = MemoryContextSwitchTo(query_cxt);
	if (!state->mapping_read)
	{
		read_mapping(state);
		cks_check_account_template(&state->cred);
	}
	accounts = accounts_to_call(state, wanted, filtered);
	state->accounts_called = list_length(accounts);
	prepare_signing(state, set.regions != NIL && accounts != NIL);
	MemoryContextSwitchTo(old);

	cks_scan_begin(&state->scan, query_cxt);
	state->scan.credential_calls = state->credential_calls;
	if (discover)
		start_discovery(state, &set);
	foreach(lc, accounts)
	{
		set.account_id = lfirst(lc);
		set.credentials = state->cred.mapping.role_arn ? NULL : state->credentials;
		cks_scan_add_streams(&state->scan, &set);
	}
	state->started = true;
}
