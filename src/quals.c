/*-------------------------------------------------------------------------
 *
 * quals.c
 *	  Recognising the clauses cks_fdw can use: text equality (or = ANY) of
 *	  a column the table kind ties to a request parameter, or of region or
 *	  account_id, with a value that does not depend on the foreign row and
 *	  can be computed once per scan.  Also the values such a clause
 *	  carries (planning and execution decode them the same way) and how
 *	  EXPLAIN prints them.
 *
 *	  Only the built-in text equality under a deterministic collation is
 *	  accepted: AWS compares ids and names byte for byte, so a
 *	  case-insensitive collation or another operator would make the remote
 *	  answer differ from what PostgreSQL would return.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "parser/parse_coerce.h"
#include "parser/parsetree.h"
#include "quals.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"

static bool
is_text_equality(Oid opno, Oid inputcollid)
{
	if (get_opcode(opno) != F_TEXTEQ)
		return false;
	return OidIsValid(inputcollid) && get_collation_isdeterministic(inputcollid);
}

/* The column of baserel that expr is (through binary-compatible casts). */
static int
column_of_expr(RelOptInfo *baserel, const int *column_of_att, Expr *expr)
{
	Var		   *var;

	while (IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	if (!IsA(expr, Var))
		return -1;
	var = (Var *) expr;
	if (var->varno != baserel->relid || var->varlevelsup != 0 || var->varattno <= 0)
		return -1;
	return column_of_att[var->varattno - 1];
}

int
cks_column_push_target(const CksTableKind *kind, int column)
{
	const CksPushdown *pushdown;
	int			parameter;

	if (column < 0)
		return CKS_PUSH_NONE;
	if (kind->columns[column].conversion == CKS_CONV_REGION)
		return CKS_PUSH_REGION;
	if (kind->columns[column].conversion == CKS_CONV_ACCOUNT)
		return CKS_PUSH_ACCOUNT;
	pushdown = cks_kind_pushdown(kind, column);
	if (pushdown == NULL)
		return CKS_PUSH_NONE;
	parameter = cks_operation_parameter(cks_lookup_operation(kind->operation),
										pushdown->parameter);
	return parameter >= 0 ? parameter : CKS_PUSH_NONE;
}

/* A value is usable when it cannot change per foreign row. */
static bool
is_usable_value(PlannerInfo *root, RelOptInfo *baserel, Expr *value)
{
	if (bms_is_member(baserel->relid, pull_varnos(root, (Node *) value)))
		return false;
	return !contain_volatile_functions((Node *) value);
}

static CksPushedQual *
new_pushed_qual(const CksTableKind *kind, int column, Expr *value,
				bool is_array, RestrictInfo *rinfo)
{
	CksPushedQual *pushed = palloc0(sizeof(CksPushedQual));

	pushed->column = column;
	pushed->target = cks_column_push_target(kind, column);
	pushed->value = value;
	pushed->is_array = is_array;
	pushed->rinfo = rinfo;
	return pushed;
}

/*
 * A boolean column as a filter (cloudhsm_backups.never_expires, whose
 * filter takes "true" or "false"): "col", "NOT col" (a constant text
 * value) and "col = expr" (the expression's text, through its output
 * function).  NULL when the clause is none of these.
 */
static CksPushedQual *
match_boolean_clause(PlannerInfo *root, RelOptInfo *baserel,
					 const CksTableKind *kind, const int *column_of_att,
					 RestrictInfo *rinfo)
{
	Expr	   *clause = rinfo->clause;
	Expr	   *value = NULL;
	bool		negated = false;
	int			column;

	if (is_notclause((Node *) clause))
	{
		clause = (Expr *) get_notclausearg(clause);
		negated = true;
	}
	if (IsA(clause, Var) && exprType((Node *) clause) == BOOLOID)
	{
		column = column_of_expr(baserel, column_of_att, clause);
		value = (Expr *) makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1,
								   CStringGetTextDatum(negated ? "false" : "true"),
								   false, false);
	}
	else if (!negated && IsA(clause, OpExpr) &&
			 get_opcode(((OpExpr *) clause)->opno) == F_BOOLEQ)
	{
		Expr	   *left = linitial(((OpExpr *) clause)->args);
		Expr	   *right = lsecond(((OpExpr *) clause)->args);
		CoerceViaIO *text = makeNode(CoerceViaIO);

		column = column_of_expr(baserel, column_of_att, left);
		if (column < 0)
		{
			column = column_of_expr(baserel, column_of_att, right);
			right = left;
		}
		if (column < 0 || !is_usable_value(root, baserel, right))
			return NULL;
		text->arg = right;
		text->resulttype = TEXTOID;
		text->resultcollid = DEFAULT_COLLATION_OID;
		text->coerceformat = COERCE_IMPLICIT_CAST;
		text->location = -1;
		value = (Expr *) text;
	}
	else
		return NULL;
	if (column < 0 || kind->columns[column].conversion != CKS_CONV_BOOLEAN ||
		cks_column_push_target(kind, column) == CKS_PUSH_NONE)
		return NULL;
	return new_pushed_qual(kind, column, value, false, rinfo);
}

/* An expression's text, through its output function (implicitly: EXPLAIN
 * shows the expression itself). */
static Expr *
as_text(Expr *value)
{
	CoerceViaIO *text = makeNode(CoerceViaIO);

	text->arg = value;
	text->resulttype = TEXTOID;
	text->resultcollid = DEFAULT_COLLATION_OID;
	text->coerceformat = COERCE_IMPLICIT_CAST;
	text->location = -1;
	return (Expr *) text;
}

/* The bound "column op value" gives (the column on the left), or none. */
static CksBound
bound_of_operator(Oid opcode)
{
	switch (opcode)
	{
		case F_TIMESTAMPTZ_GT:
		case F_TIMESTAMPTZ_GE:
			return CKS_BOUND_LOWER;
		case F_TIMESTAMPTZ_LT:
		case F_TIMESTAMPTZ_LE:
			return CKS_BOUND_UPPER;
		default:
			return CKS_BOUND_NONE;
	}
}

/*
 * Clauses on non-text columns whose value is sent as text:
 * "period_seconds = 60" (an integer parameter) and "timestamp >= x" or
 * "timestamp < x" (a bound: key_store_metrics's StartTime and EndTime).
 * NULL when the clause is none of these.
 */
static CksPushedQual *
match_typed_clause(PlannerInfo *root, RelOptInfo *baserel,
				   const CksTableKind *kind, const int *column_of_att,
				   OpExpr *op, RestrictInfo *rinfo)
{
	Oid			opcode = get_opcode(op->opno);
	Expr	   *value = lsecond(op->args);
	int			column = column_of_expr(baserel, column_of_att, linitial(op->args));
	CksBound	bound = bound_of_operator(opcode);
	const CksPushdown *pushdown;
	CksPushedQual *pushed;

	if (column < 0)
	{
		column = column_of_expr(baserel, column_of_att, lsecond(op->args));
		value = linitial(op->args);
		/* x < column is column > x */
		bound = bound == CKS_BOUND_LOWER ? CKS_BOUND_UPPER :
			bound == CKS_BOUND_UPPER ? CKS_BOUND_LOWER : bound;
	}
	if (column < 0 || !is_usable_value(root, baserel, value))
		return NULL;
	if (opcode == F_INT4EQ &&
		kind->columns[column].conversion == CKS_CONV_INTEGER &&
		cks_column_push_target(kind, column) != CKS_PUSH_NONE)
		return new_pushed_qual(kind, column, as_text(value), false, rinfo);
	if (bound == CKS_BOUND_NONE ||
		(pushdown = cks_kind_bound_pushdown(kind, column, bound)) == NULL)
		return NULL;
	pushed = new_pushed_qual(kind, column, as_text(value), false, rinfo);
	pushed->target = cks_operation_parameter(cks_lookup_operation(kind->operation),
											 pushdown->parameter);
	return pushed->target >= 0 ? pushed : NULL;
}

static CksPushedQual *
match_clause(PlannerInfo *root, RelOptInfo *baserel, const CksTableKind *kind,
			 const int *column_of_att, RestrictInfo *rinfo)
{
	Expr	   *clause = rinfo->clause;
	int			column;
	CksPushedQual *boolean = match_boolean_clause(root, baserel, kind,
												  column_of_att, rinfo);

	if (boolean != NULL)
		return boolean;

	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;
		Expr	   *left,
				   *right;

		if (list_length(op->args) != 2)
			return NULL;
		if (!is_text_equality(op->opno, op->inputcollid))
			return match_typed_clause(root, baserel, kind, column_of_att, op,
									  rinfo);
		left = linitial(op->args);
		right = lsecond(op->args);
		column = column_of_expr(baserel, column_of_att, left);
		if (column < 0)
		{
			Expr	   *swap = left;

			left = right;
			right = swap;
			column = column_of_expr(baserel, column_of_att, left);
		}
		if (cks_column_push_target(kind, column) == CKS_PUSH_NONE ||
			!is_usable_value(root, baserel, right))
			return NULL;
		return new_pushed_qual(kind, column, right, false, rinfo);
	}
	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;

		if (!saop->useOr || !is_text_equality(saop->opno, saop->inputcollid))
			return NULL;
		column = column_of_expr(baserel, column_of_att, linitial(saop->args));
		if (cks_column_push_target(kind, column) == CKS_PUSH_NONE ||
			!is_usable_value(root, baserel, lsecond(saop->args)))
			return NULL;
		return new_pushed_qual(kind, column, lsecond(saop->args), true, rinfo);
	}
	return NULL;
}

CksPushedQual *
cks_find_pushed(List *pushed, int target)
{
	ListCell   *lc;

	foreach(lc, pushed)
		if (((CksPushedQual *) lfirst(lc))->target == target)
			return lfirst(lc);
	return NULL;
}

List *
cks_without_parameters(List *pushed)
{
	List	   *kept = NIL;
	ListCell   *lc;

	foreach(lc, pushed)
		if (((CksPushedQual *) lfirst(lc))->target < 0)
			kept = lappend(kept, lfirst(lc));
	return kept;
}

List *
cks_find_pushable_quals(PlannerInfo *root, RelOptInfo *baserel,
						const CksTableKind *kind, const int *column_of_att,
						List *clauses)
{
	List	   *pushed = NIL;
	ListCell   *lc;

	foreach(lc, clauses)
	{
		CksPushedQual *qual = match_clause(root, baserel, kind, column_of_att,
										   lfirst_node(RestrictInfo, lc));

		/* one clause per column is enough: the rest are checked locally */
		if (qual && !cks_find_pushed(pushed, qual->target))
			pushed = lappend(pushed, qual);
	}
	return pushed;
}

CksPushedQual *
cks_api_parameter_qual(List *pushed)
{
	ListCell   *lc;
	CksPushedQual *best = NULL;

	foreach(lc, pushed)
	{
		CksPushedQual *qual = lfirst(lc);

		if (qual->target >= 0 && (best == NULL || qual->target < best->target))
			best = qual;
	}
	return best;
}

int
cks_pushed_value_count(CksPushedQual *qual)
{
	Const	   *c;
	ArrayType  *array;

	if (!IsA(qual->value, Const))
		return 1;
	c = (Const *) qual->value;
	if (c->constisnull)
		return 0;
	if (!qual->is_array)
		return 1;
	array = DatumGetArrayTypeP(c->constvalue);
	return ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));
}

List *
cks_append_text_values(List *values, Datum datum, bool is_array)
{
	ArrayType  *array;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			i;

	if (!is_array)
	{
		char	   *value = TextDatumGetCString(datum);

		if (!list_member(values, makeString(value)))
			values = lappend(values, makeString(value));
		return values;
	}
	array = DatumGetArrayTypeP(datum);
	get_typlenbyvalalign(ARR_ELEMTYPE(array), &typlen, &typbyval, &typalign);
	deconstruct_array(array, ARR_ELEMTYPE(array), typlen, typbyval, typalign,
					  &elems, &nulls, &nelems);
	for (i = 0; i < nelems; i++)
		if (!nulls[i])
			values = cks_append_text_values(values, elems[i], false);
	return values;
}

List *
cks_filter_regions(List *regions, List *wanted)
{
	List	   *kept = NIL;
	ListCell   *lc;

	foreach(lc, regions)
		if (list_member(wanted, makeString(lfirst(lc))))
			kept = lappend(kept, lfirst(lc));
	return kept;
}

List *
cks_copy_strings(List *strings)
{
	List	   *copy = NIL;
	ListCell   *lc;

	foreach(lc, strings)
		copy = lappend(copy, pstrdup(lfirst(lc)));
	return copy;
}

char *
cks_join_strings(List *strings)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, strings)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

List *
cks_regions_for_plan(List *regions, CksPushedQual *region_qual)
{
	Const	   *c;

	if (region_qual == NULL || !IsA(region_qual->value, Const))
		return regions;
	c = (Const *) region_qual->value;
	if (c->constisnull)
		return NIL;
	return cks_filter_regions(regions,
							  cks_append_text_values(NIL, c->constvalue,
													 region_qual->is_array));
}

/* alias.column for a Var of another relation (the outer side of a join) */
static char *
deparse_outer_var(PlannerInfo *root, Var *var)
{
	RangeTblEntry *rte = planner_rt_fetch(var->varno, root);
	char	   *relname = rte->eref ? rte->eref->aliasname : "?";
	char	   *attname = get_rte_attribute_name(rte, var->varattno);

	return psprintf("%s.%s", quote_identifier(relname), quote_identifier(attname));
}

/*
 * True for a PARAM_EXEC anywhere in the tree: a value from an outer query
 * level (a LATERAL subquery's reference) or an InitPlan's result.
 * deparse_expression without a plan to resolve it against crashes on one.
 */
static bool
contains_exec_param(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param) && ((Param *) node)->paramkind == PARAM_EXEC)
		return true;
	return expression_tree_walker(node, contains_exec_param, context);
}

char *
cks_deparse_value(PlannerInfo *root, Expr *value)
{
	Expr	   *bare = value;

	while (IsA(bare, RelabelType))
		bare = ((RelabelType *) bare)->arg;
	if (IsA(bare, Var))
		return deparse_outer_var(root, (Var *) bare);

	/*
	 * deparse_expression cannot resolve a PARAM_EXEC without the plan tree
	 * (it would dereference an empty namespace list); print it the way
	 * EXPLAIN prints an InitPlan's output
	 * (a LATERAL reference is one too).
	 */
	if (IsA(bare, Param) && ((Param *) bare)->paramkind == PARAM_EXEC)
		return psprintf("$%d", ((Param *) bare)->paramid);
	if (contains_exec_param((Node *) bare, NULL))
		return pstrdup("(expression)");
	if (IsA(bare, Const) && !((Const *) bare)->constisnull &&
		TypeCategory(((Const *) bare)->consttype) == TYPCATEGORY_STRING)
		return quote_literal_cstr(TextDatumGetCString(((Const *) bare)->constvalue));
	if (!contain_var_clause((Node *) bare))
		return deparse_expression((Node *) bare, NIL, false, false);
	return pstrdup("(expression)");
}

/*
 * "name<equals>value", or "name<equals>ANY(value)" for = ANY: every pushed
 * clause, parameter or filter, is printed by this one function.
 */
static void
append_pushed_qual(StringInfo buf, PlannerInfo *root, const char *name,
				   const char *equals, CksPushedQual *qual)
{
	char	   *value = cks_deparse_value(root, qual->value);

	if (qual->is_array)
		appendStringInfo(buf, "%s%sANY(%s)", name, equals, value);
	else
		appendStringInfo(buf, "%s%s%s", name, equals, value);
}

/* The filters sent beside the first, for an operation that takes them all. */
static void
append_other_filters(StringInfo buf, PlannerInfo *root, const CksOperation *op,
					 CksPushedQual *api_qual, List *pushed)
{
	ListCell   *lc;

	if (!cks_operation_takes_lists(op))
		return;
	foreach(lc, pushed)
	{
		CksPushedQual *qual = lfirst(lc);

		if (qual->target < 0 || qual == api_qual)
			continue;
		appendStringInfoChar(buf, ' ');
		append_pushed_qual(buf, root, op->parameters[qual->target], "=", qual);
	}
}

/*
 * An operation that discovers its things (GetMetricData): the listing
 * first when no qual names them, then every parameter each request sends,
 * pushed or default: "DescribeCustomKeyStores Limit=1000, then
 * GetMetricData KeyStoreIds=<each ...> MetricNames='XksProxyErrors' ...".
 */
static char *
explain_discovering(PlannerInfo *root, const CksOperation *op, int page_limit,
					List *pushed)
{
	const CksOperation *listing = op->discovery->operation;
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	if (cks_find_pushed(pushed, op->discovery->parameter) == NULL)
		appendStringInfo(&buf, "%s %s=%d, then ", listing->action,
						 listing->page.limit_field,
						 Min(page_limit, listing->page.max_limit));
	appendStringInfoString(&buf, op->action);
	for (i = 0; op->parameters[i] != NULL; i++)
	{
		CksPushedQual *qual = cks_find_pushed(pushed, i);

		appendStringInfoChar(&buf, ' ');
		if (qual != NULL)
			append_pushed_qual(&buf, root, op->parameters[i], "=", qual);
		else
			appendStringInfo(&buf, "%s=%s", op->parameters[i],
							 op->parameter_defaults[i]);
	}
	if (op->values_per_request != NULL)
		appendStringInfoString(&buf, ", at most 500 queries a request");
	return buf.data;
}

char *
cks_explain_request(PlannerInfo *root, const CksTableKind *kind,
					int page_limit, CksPushedQual *api_qual, List *pushed)
{
	const CksOperation *op = kind->operation;
	StringInfoData buf;

	if (cks_lookup_operation(op)->discovery != NULL)
		return explain_discovering(root, cks_lookup_operation(op), page_limit,
								   pushed);

	/* a pushed parameter goes to the lookup, which replaces the listing */
	if (api_qual != NULL)
		op = cks_lookup_operation(op);
	initStringInfo(&buf);
	appendStringInfoString(&buf, op->action);
	if (api_qual != NULL)
	{
		appendStringInfoChar(&buf, ' ');
		append_pushed_qual(&buf, root, op->parameters[api_qual->target], "=",
						   api_qual);
		append_other_filters(&buf, root, op, api_qual, pushed);
	}
	if (api_qual == NULL || !op->lookups_unpaged)
		appendStringInfo(&buf, " %s=%d", op->page.limit_field,
						 Min(page_limit, op->page.max_limit));
	if (op->expansion != NULL)
		appendStringInfo(&buf, ", then %s %s=<each %s>",
						 op->expansion->operation->action,
						 op->expansion->parameter, op->expansion->entry_field);
	return buf.data;
}

char *
cks_explain_filters(PlannerInfo *root, const CksTableKind *kind, List *pushed)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, pushed)
	{
		CksPushedQual *qual = lfirst(lc);

		if (qual->target != CKS_PUSH_REGION && qual->target != CKS_PUSH_ACCOUNT)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		append_pushed_qual(&buf, root, kind->columns[qual->column].name, " = ",
						   qual);
	}
	return buf.data;
}
