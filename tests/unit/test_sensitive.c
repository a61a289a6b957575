/*-------------------------------------------------------------------------
 *
 * test_sensitive.c
 *	  Sensitive fields as data: the column tables agree with the operation
 *	  descriptors (a column reading a sensitive path is marked, a marked
 *	  column reads one), the entry-relative paths the row builder removes,
 *	  and aws_json_remove_path.  It also prints the descriptors for
 *	  tests/unit/check_sensitive.py (run_unit --descriptors), which compares
 *	  them with botocore's service models.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <json-c/json.h>

#include "aws/aws_json.h"
#include "aws/aws_service.h"
#include "table_kinds.h"
#include "unit.h"

static bool
path_listed(const char *const *paths, int n, const char *path)
{
	for (int i = 0; i < n; i++)
		if (strcmp(paths[i], path) == 0)
			return true;
	return false;
}

/* Every column on a sensitive path is marked sensitive, and no other. */
static void
test_columns_agree_with_descriptors(void)
{
	for (int k = 0; cks_table_kinds[k] != NULL; k++)
	{
		const CksTableKind *kind = cks_table_kinds[k];
		const char *paths[CKS_MAX_SENSITIVE_PATHS];
		int			n = cks_entry_sensitive_paths(cks_lookup_operation(kind->operation),
												  paths);

		for (int c = 0; c < kind->ncolumns; c++)
		{
			const CksColumnDef *col = &kind->columns[c];
			bool		on_path = col->json_path != NULL &&
				path_listed(paths, n, col->json_path);

			unit_check(on_path == col->sensitive, __FILE__, __LINE__,
					   "column marked sensitive exactly when its path is",
					   col->name);
		}
	}
}

static void
test_entry_paths(void)
{
	const char *paths[CKS_MAX_SENSITIVE_PATHS];

	CHECK(cks_entry_sensitive_paths(&cks_op_describe_custom_key_stores, paths) == 1);
	CHECK_STR(paths[0], "XksProxyConfiguration.AccessKeyId");
	CHECK(cks_entry_sensitive_paths(&cks_op_describe_clusters, paths) == 1);
	CHECK_STR(paths[0], "PreCoPassword");
	CHECK(cks_entry_sensitive_paths(&cks_op_organizations_list_accounts, paths) == 2);
	/* no entries: nothing reaches a row */
	CHECK(cks_entry_sensitive_paths(&cks_op_sts_assume_role, paths) == 0);
	CHECK(cks_entry_sensitive_paths(&cks_op_describe_key, paths) == 0);
	/* every operation is listed once */
	for (int i = 0; cks_operations[i] != NULL; i++)
		for (int j = i + 1; cks_operations[j] != NULL; j++)
			CHECK(cks_operations[i] != cks_operations[j]);
}

static char *
remove_and_print(const char *json, const char *path, int *removed)
{
	struct json_object *entry = json_tokener_parse(json);
	char	   *text;

	*removed = aws_json_remove_path(entry, path);
	text = pstrdup(json_object_to_json_string_ext(entry, JSON_C_TO_STRING_PLAIN));
	json_object_put(entry);
	return text;
}

static void
test_remove_path(void)
{
	int			n;

	CHECK_STR(remove_and_print("{\"A\":1,\"X\":{\"K\":\"secret\",\"U\":\"u\"}}",
							   "X.K", &n), "{\"A\":1,\"X\":{\"U\":\"u\"}}");
	CHECK(n == 1);
	CHECK_STR(remove_and_print("{\"P\":\"pw\",\"S\":\"s\"}", "P", &n),
			  "{\"S\":\"s\"}");
	CHECK(n == 1);
	/* absent, or a step of another type: nothing removed, nothing broken */
	CHECK_STR(remove_and_print("{\"X\":\"str\"}", "X.K", &n), "{\"X\":\"str\"}");
	CHECK(n == 0);
	CHECK_STR(remove_and_print("{\"A\":1}", "X.K", &n), "{\"A\":1}");
	CHECK(n == 0);
	/* every element of a list */
	CHECK_STR(remove_and_print("{\"L\":[{\"E\":\"a\",\"I\":1},{\"I\":2},{\"E\":\"b\"}]}",
							   "L[].E", &n), "{\"L\":[{\"I\":1},{\"I\":2},{}]}");
	CHECK(n == 2);
	/* a whole object (its strings wiped first) */
	CHECK_STR(remove_and_print("{\"X\":{\"K\":\"s\",\"L\":[\"t\"]},\"A\":0}", "X", &n),
			  "{\"A\":0}");
	CHECK(n == 1);
	/* a null field stays: it holds nothing to hide */
	CHECK_STR(remove_and_print("{\"P\":null}", "P", &n), "{\"P\":null}");
}

void
run_sensitive_tests(void)
{
	test_columns_agree_with_descriptors();
	test_entry_paths();
	test_remove_path();
}

/*
 * The descriptors as JSON on stdout: every operation cks_fdw calls
 * (botocore model, action, entries field, sensitive paths) and every
 * table kind's columns, for check_sensitive.py to compare with the
 * models.  Read from the code's own tables, so nothing is copied.
 */
void
dump_descriptors(void)
{
	struct json_object *root = json_object_new_object();
	struct json_object *ops = json_object_new_array();
	struct json_object *kinds = json_object_new_array();

	for (int i = 0; cks_operations[i] != NULL; i++)
	{
		const CksOperation *op = cks_operations[i];
		struct json_object *o = json_object_new_object();
		struct json_object *paths = json_object_new_array();

		json_object_object_add(o, "model", json_object_new_string(op->service->model_name));
		json_object_object_add(o, "action", json_object_new_string(op->action));
		json_object_object_add(o, "entries", op->page.entries_field ?
							   json_object_new_string(op->page.entries_field) : NULL);
		json_object_object_add(o, "single_entry", json_object_new_boolean(op->page.single_entry));
		for (int p = 0; op->sensitive_paths[p] != NULL; p++)
			json_object_array_add(paths, json_object_new_string(op->sensitive_paths[p]));
		json_object_object_add(o, "sensitive", paths);
		paths = json_object_new_array();
		for (int p = 0; op->shown_paths[p] != NULL; p++)
			json_object_array_add(paths, json_object_new_string(op->shown_paths[p]));
		json_object_object_add(o, "shown", paths);
		json_object_array_add(ops, o);
	}
	for (int k = 0; cks_table_kinds[k] != NULL; k++)
	{
		const CksTableKind *kind = cks_table_kinds[k];
		struct json_object *o = json_object_new_object();
		struct json_object *cols = json_object_new_array();

		json_object_object_add(o, "name", json_object_new_string(kind->name));
		json_object_object_add(o, "action",
							   json_object_new_string(cks_lookup_operation(kind->operation)->action));
		json_object_object_add(o, "nested", kind->nested_entries ?
							   json_object_new_string(kind->nested_entries) : NULL);
		for (int c = 0; c < kind->ncolumns; c++)
		{
			struct json_object *col = json_object_new_object();

			json_object_object_add(col, "name", json_object_new_string(kind->columns[c].name));
			json_object_object_add(col, "path", kind->columns[c].json_path ?
								   json_object_new_string(kind->columns[c].json_path) : NULL);
			json_object_object_add(col, "sensitive",
								   json_object_new_boolean(kind->columns[c].sensitive));
			/* an extra call's column: its path starts with the call's name */
			if (kind->columns[c].extra != NULL)
			{
				json_object_object_add(col, "extra_action",
									   json_object_new_string(kind->columns[c].extra->operation->action));
				json_object_object_add(col, "extra_name",
									   json_object_new_string(kind->columns[c].extra->name));
			}
			json_object_array_add(cols, col);
		}
		json_object_object_add(o, "columns", cols);
		json_object_array_add(kinds, o);
	}
	json_object_object_add(root, "operations", ops);
	json_object_object_add(root, "kinds", kinds);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
}
