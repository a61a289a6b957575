/*-------------------------------------------------------------------------
 *
 * quals.c
 *	  Recognising the clauses cks_fdw can use: text equality (or = ANY) of
 *	  an id, name, region or account_id column with a value that does not
 *	  depend on the foreign row and can be computed once per scan.
 *
 *	  Only the built-in text equality under a deterministic collation is
 *	  accepted: AWS compares ids and names byte for byte, so a
 *	  case-insensitive collation or another operator would make the remote
 *	  answer differ from what PostgreSQL would return.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "catalog/pg_type.h"
#include "parser/parse_coerce.h"
#include "parser/parsetree.h"
#include "quals.h"
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

static bool
is_pushable_column(int column)
{
	return column == CKS_COL_ID || column == CKS_COL_NAME ||
		column == CKS_COL_REGION || column == CKS_COL_ACCOUNT_ID;
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
match_clause(PlannerInfo *root, RelOptInfo *baserel, const int *column_of_att,
			 RestrictInfo *rinfo)
{
	Expr	   *clause = rinfo->clause;
	CksPushedQual *pushed;
	int			column;

	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;
		Expr	   *left,
				   *right;

		if (list_length(op->args) != 2 || !is_text_equality(op->opno, op->inputcollid))
			return NULL;
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
		if (!is_pushable_column(column) || !is_usable_value(root, baserel, right))
			return NULL;
		pushed = palloc0(sizeof(CksPushedQual));
		pushed->column = column;
		pushed->value = right;
		pushed->is_array = false;
		pushed->rinfo = rinfo;
		return pushed;
	}
	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;

		if (!saop->useOr || !is_text_equality(saop->opno, saop->inputcollid))
			return NULL;
		column = column_of_expr(baserel, column_of_att, linitial(saop->args));
		if (!is_pushable_column(column) ||
			!is_usable_value(root, baserel, lsecond(saop->args)))
			return NULL;
		pushed = palloc0(sizeof(CksPushedQual));
		pushed->column = column;
		pushed->value = lsecond(saop->args);
		pushed->is_array = true;
		pushed->rinfo = rinfo;
		return pushed;
	}
	return NULL;
}

static bool
has_column(List *pushed, CksColumn column)
{
	ListCell   *lc;

	foreach(lc, pushed)
		if (((CksPushedQual *) lfirst(lc))->column == column)
			return true;
	return false;
}

List *
cks_find_pushable_quals(PlannerInfo *root, RelOptInfo *baserel,
						const int *column_of_att, List *clauses)
{
	List	   *pushed = NIL;
	ListCell   *lc;

	foreach(lc, clauses)
	{
		CksPushedQual *qual = match_clause(root, baserel, column_of_att,
										   lfirst_node(RestrictInfo, lc));

		/* one clause per column is enough: the rest are checked locally */
		if (qual && !has_column(pushed, qual->column))
			pushed = lappend(pushed, qual);
	}
	return pushed;
}

CksPushedQual *
cks_api_parameter_qual(List *pushed)
{
	ListCell   *lc;
	CksPushedQual *by_name = NULL;

	foreach(lc, pushed)
	{
		CksPushedQual *qual = lfirst(lc);

		if (qual->column == CKS_COL_ID)
			return qual;
		if (qual->column == CKS_COL_NAME)
			by_name = qual;
	}
	return by_name;
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
 * level (a LATERAL subquery's reference).  deparse_expression without a
 * plan to resolve it against crashes on one.
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
	if (IsA(bare, Param) && ((Param *) bare)->paramkind == PARAM_EXEC)
		return pstrdup("(outer value)");
	if (contains_exec_param((Node *) bare, NULL))
		return pstrdup("(expression)");
	if (IsA(bare, Const) && !((Const *) bare)->constisnull &&
		TypeCategory(((Const *) bare)->consttype) == TYPCATEGORY_STRING)
		return quote_literal_cstr(TextDatumGetCString(((Const *) bare)->constvalue));
	if (!contain_var_clause((Node *) bare))
		return deparse_expression((Node *) bare, NIL, false, false);
	return pstrdup("(expression)");
}
