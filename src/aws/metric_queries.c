/*-------------------------------------------------------------------------
 *
 * metric_queries.c
 *	  CloudWatch GetMetricData for key_store_metrics (see metric_queries.h):
 *	  the request body of one page and the rows of its answer.
 *
 *	  Each MetricDataQuery's Id says what it asks for, so that an answer
 *	  can be read without the request: "q" then the metric's, the
 *	  external key manager state's and the statistic's index (one digit
 *	  each), "_" the period, "_" the store id in hexadecimal (Ids allow
 *	  only letters, digits and "_", and must start with a lower-case
 *	  letter).  An Id that does not parse back is a bad response.
 *
 *	  Everything JSON goes through json-c, and every JSON text read goes
 *	  through the parse guard (parse_guard.c).  No backend needed.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <stdlib.h>

#include <json-c/json.h>

#include "aws/metric_queries.h"
#include "aws/parse_guard.h"

#define METRIC_NAMESPACE	"AWS/KMS"
#define STORE_DIMENSION		"KeyStoreId"
#define STATE_DIMENSION		"XksExternalKeyManagerState"
#define STATES_METRIC		4	/* index of XksExternalKeyManagerStates */

/* Longest store id a query names: its Id stays under the model's 255. */
#define MAX_STORE_ID_LEN	100

const char *const cks_xks_metric_names[] = {
	"XksProxyCertificateDaysToExpire", "XksProxyCredentialAge",
	"XksProxyErrors", "XksProxyLatency", "XksExternalKeyManagerStates",
	NULL
};

/* Statistic in botocore's model (the extended pNN ones are not asked for) */
const char *const cks_metric_statistics[] = {
	"Average", "Sum", "Minimum", "Maximum", "SampleCount", NULL
};

/* XksExternalKeyManagerState values AWS documents; index 0 is "none" */
static const char *const manager_states[] = {
	NULL, "Active", "Degraded", "Unavailable"
};

static int
index_of(const char *const *names, const char *name)
{
	int			i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/*
 * Which of 'names' a JSON list value holds, as a bit mask (duplicates and
 * unknown names fall away); all_when_absent for a NULL value.
 */
static unsigned int
names_in_list(const char *value, const char *const *names,
			  unsigned int all_when_absent)
{
	char	   *problem = NULL;
	struct json_object *list;
	unsigned int mask = 0;
	size_t		i;

	if (value == NULL)
		return all_when_absent;
	list = cks_parse_json(value, strlen(value), &problem);
	if (list != NULL && json_object_is_type(list, json_type_array))
	{
		for (i = 0; i < json_object_array_length(list); i++)
		{
			struct json_object *item = json_object_array_get_idx(list, i);
			int			n;

			if (!json_object_is_type(item, json_type_string))
				continue;
			n = index_of(names, json_object_get_string(item));
			if (n >= 0)
				mask |= 1u << n;
		}
	}
	json_object_put(list);
	if (problem)
		pfree(problem);
	return mask;
}

static int
bits(unsigned int mask)
{
	int			n = 0;

	for (; mask != 0; mask >>= 1)
		n += mask & 1;
	return n;
}

/* Queries per store: each metric once, the states metric once per state;
 * times the statistics. */
static int
queries_per_store(const char *const *values)
{
	unsigned int metrics = names_in_list(values[CKS_METRIC_PARAM_METRICS],
										 cks_xks_metric_names, 0x1f);
	unsigned int stats = names_in_list(values[CKS_METRIC_PARAM_STATS],
									   cks_metric_statistics, 1);
	int			per_metric = bits(metrics & ~(1u << STATES_METRIC)) +
		((metrics & (1u << STATES_METRIC)) ? 3 : 0);

	return per_metric * bits(stats);
}

int
cks_metric_stores_per_request(const CksOperation *op, const char *const *values)
{
	int			per_store = queries_per_store(values);

	return Max(1, CKS_METRIC_QUERIES_PER_REQUEST / Max(per_store, 1));
}

/*
 * An integer in text: "300", or a list of one ("[\"300\"]", as a pushed
 * filter value comes); fallback when absent or not an integer.
 */
static long long
number_value(const char *value, long long fallback)
{
	const char *p = value;
	const char *digits;
	bool		negative = false;
	long long	n = 0;

	if (value == NULL)
		return fallback;
	if (strncmp(p, "[\"", 2) == 0)
		p += 2;
	if (*p == '-')
	{
		negative = true;
		p++;
	}
	for (digits = p; *p >= '0' && *p <= '9' && p - digits < 12; p++)
		n = n * 10 + (*p - '0');
	if (p == digits || (strcmp(p, "\"]") != 0 && *p != '\0'))
		return fallback;
	return negative ? -n : n;
}

static struct json_object *
dimension(const char *name, const char *value)
{
	struct json_object *dim = json_object_new_object();

	json_object_object_add(dim, "Name", json_object_new_string(name));
	json_object_object_add(dim, "Value", json_object_new_string(value));
	return dim;
}

/* One MetricDataQuery, members in botocore's order. */
static struct json_object *
one_query(const char *store, int metric, int state, int stat, long long period)
{
	struct json_object *query = json_object_new_object();
	struct json_object *metric_stat = json_object_new_object();
	struct json_object *metric_obj = json_object_new_object();
	struct json_object *dims = json_object_new_array();
	char	   *id = palloc(2 * strlen(store) + 40);
	char	   *p;
	const char *s;

	p = id + sprintf(id, "q%d%d%d_%lld_", metric, state, stat, period);
	for (s = store; *s; s++)
		p += sprintf(p, "%02x", (unsigned char) *s);
	json_object_object_add(query, "Id", json_object_new_string(id));
	pfree(id);
	json_object_array_add(dims, dimension(STORE_DIMENSION, store));
	if (state > 0)
		json_object_array_add(dims, dimension(STATE_DIMENSION,
											  manager_states[state]));
	json_object_object_add(metric_obj, "Namespace",
						   json_object_new_string(METRIC_NAMESPACE));
	json_object_object_add(metric_obj, "MetricName",
						   json_object_new_string(cks_xks_metric_names[metric]));
	json_object_object_add(metric_obj, "Dimensions", dims);
	json_object_object_add(metric_stat, "Metric", metric_obj);
	json_object_object_add(metric_stat, "Period", json_object_new_int64(period));
	json_object_object_add(metric_stat, "Stat",
						   json_object_new_string(cks_metric_statistics[stat]));
	json_object_object_add(query, "MetricStat", metric_stat);
	json_object_object_add(query, "ReturnData", json_object_new_boolean(1));
	return query;
}

/* Every query of one store, into 'queries'. */
static void
store_queries(struct json_object *queries, const char *store,
			  unsigned int metrics, unsigned int stats, long long period)
{
	int			m,
				t,
				s;

	for (m = 0; cks_xks_metric_names[m] != NULL; m++)
	{
		if (!(metrics & (1u << m)))
			continue;
		for (s = (m == STATES_METRIC ? 1 : 0);
			 s <= (m == STATES_METRIC ? 3 : 0); s++)
			for (t = 0; cks_metric_statistics[t] != NULL; t++)
				if (stats & (1u << t))
					json_object_array_add(queries,
										  one_query(store, m, s, t, period));
	}
}

/* The queries of the stores of the KeyStoreIds list, at most
 * CKS_METRIC_QUERIES_PER_REQUEST (the scan sends no more stores). */
static void
add_store_queries(struct json_object *queries, const char *const *values,
				  long long period)
{
	unsigned int metrics = names_in_list(values[CKS_METRIC_PARAM_METRICS],
										 cks_xks_metric_names, 0x1f);
	unsigned int stats = names_in_list(values[CKS_METRIC_PARAM_STATS],
									   cks_metric_statistics, 1);
	const char *stores_text = values[CKS_METRIC_PARAM_STORES];
	int			per_store = queries_per_store(values);
	char	   *problem = NULL;
	struct json_object *stores;
	size_t		i;

	if (stores_text == NULL || metrics == 0 || stats == 0)
		return;
	stores = cks_parse_json(stores_text, strlen(stores_text), &problem);
	if (problem)
		pfree(problem);
	for (i = 0; stores != NULL && json_object_is_type(stores, json_type_array) &&
		 i < json_object_array_length(stores); i++)
	{
		struct json_object *item = json_object_array_get_idx(stores, i);

		if (json_object_is_type(item, json_type_string) &&
			json_object_get_string_len(item) <= MAX_STORE_ID_LEN &&
			json_object_array_length(queries) + per_store <=
			CKS_METRIC_QUERIES_PER_REQUEST)
			store_queries(queries, json_object_get_string(item), metrics,
						  stats, period);
	}
	json_object_put(stores);
}

char *
cks_metric_data_request(const CksOperation *op, const char *const *values,
						const char *token, int limit)
{
	long long	period = number_value(values[CKS_METRIC_PARAM_PERIOD],
										  CKS_METRIC_DEFAULT_PERIOD);
	long long	start = number_value(values[CKS_METRIC_PARAM_START], 0);
	long long	end = number_value(values[CKS_METRIC_PARAM_END], 0);
	struct json_object *request = json_object_new_object();
	struct json_object *queries = json_object_new_array();
	char	   *body;

	/* a bad period or window is sent as it is: CloudWatch's error says
	 * what is wrong with it better than we could */
	json_object_object_add(request, "MetricDataQueries", queries);
	add_store_queries(queries, values, period);
	json_object_object_add(request, "StartTime", json_object_new_int64(start));
	json_object_object_add(request, "EndTime", json_object_new_int64(end));
	if (token != NULL)
		json_object_object_add(request, "NextToken",
							   json_object_new_string(token));
	if (limit > 0)
		json_object_object_add(request, op->page.limit_field,
							   json_object_new_int(limit));
	body = pstrdup(json_object_to_json_string_ext(request,
												  AWS_JSON_PRINT_FLAGS));
	json_object_put(request);
	return body;
}

/* A hexadecimal digit's value, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Read back what a query Id says (see the file header); false when it is
 * not one of ours.  *store is palloc'd.
 */
static bool
parse_query_id(const char *id, int *metric, int *state, int *stat,
			   long long *period, char **store)
{
	const char *p;
	char	   *out;
	int			nmetrics = lengthof(cks_xks_metric_names) - 1;
	int			nstats = lengthof(cks_metric_statistics) - 1;

	if (strlen(id) < 8 || id[0] != 'q' || id[4] != '_')
		return false;
	*metric = id[1] - '0';
	*state = id[2] - '0';
	*stat = id[3] - '0';
	if (*metric < 0 || *metric >= nmetrics || *state < 0 || *state > 3 ||
		*stat < 0 || *stat >= nstats ||
		(*state > 0) != (*metric == STATES_METRIC))
		return false;
	*period = 0;
	for (p = id + 5; *p >= '0' && *p <= '9' && p - id < 17; p++)
		*period = *period * 10 + (*p - '0');
	if (p == id + 5 || *p != '_' || strlen(p + 1) % 2 != 0 ||
		strlen(p + 1) > 2 * MAX_STORE_ID_LEN)
		return false;
	*store = out = palloc(strlen(p + 1) / 2 + 1);
	for (p++; *p; p += 2)
	{
		int			hi = hex_value(p[0]);
		int			lo = hex_value(p[1]);

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
		{
			pfree(*store);
			return false;
		}
		*out++ = (char) (hi * 16 + lo);
	}
	*out = '\0';
	return true;
}

static bool
is_number(struct json_object *value)
{
	return json_object_is_type(value, json_type_double) ||
		json_object_is_type(value, json_type_int);
}

/* The rows of one MetricDataResult, appended to rows; NULL when sound,
 * else what is wrong (palloc'd).  *total counts the answer's datapoints
 * so far, against CKS_METRIC_MAX_DATAPOINTS. */
static char *
result_rows(struct json_object *result, int index, struct json_object *rows,
			size_t *total)
{
	struct json_object *id = aws_json_member(result, "Id");
	struct json_object *stamps = aws_json_member(result, "Timestamps");
	struct json_object *values = aws_json_member(result, "Values");
	int			metric,
				state,
				stat;
	long long	period;
	char	   *store;
	size_t		n,
				i;

	if ((stamps != NULL && !json_object_is_type(stamps, json_type_array)) ||
		(values != NULL && !json_object_is_type(values, json_type_array)))
		return psprintf("MetricDataResults[%d]'s Timestamps or Values is not an array", index);
	n = stamps ? json_object_array_length(stamps) : 0;
	if (n != (values ? json_object_array_length(values) : 0))
		return psprintf("MetricDataResults[%d] has %zu Timestamps but %zu Values", index,
						n, values ? json_object_array_length(values) : 0);
	if (n > CKS_METRIC_MAX_DATAPOINTS - *total)
		return psprintf("the answer has more than %d datapoints, CloudWatch's most per request",
						CKS_METRIC_MAX_DATAPOINTS);
	*total += n;
	for (i = 0; i < n; i++)
		if (!is_number(json_object_array_get_idx(stamps, i)) ||
			!is_number(json_object_array_get_idx(values, i)))
			return psprintf("MetricDataResults[%d] has a datapoint that is not a number", index);
	if (id == NULL || !json_object_is_type(id, json_type_string) ||
		!parse_query_id(json_object_get_string(id), &metric, &state, &stat,
						&period, &store))
		return psprintf("MetricDataResults[%d].Id is not a query cks_fdw sent", index);
	for (i = 0; i < n; i++)
	{
		struct json_object *stamp = json_object_array_get_idx(stamps, i);
		struct json_object *value = json_object_array_get_idx(values, i);
		struct json_object *row;

		row = json_object_new_object();
		json_object_object_add(row, "KeyStoreId", json_object_new_string(store));
		json_object_object_add(row, "MetricName",
							   json_object_new_string(cks_xks_metric_names[metric]));
		if (state > 0)
			json_object_object_add(row, STATE_DIMENSION,
								   json_object_new_string(manager_states[state]));
		json_object_object_add(row, "Stat",
							   json_object_new_string(cks_metric_statistics[stat]));
		json_object_object_add(row, "Period", json_object_new_int64(period));
		json_object_object_add(row, "Timestamp", json_object_get(stamp));
		json_object_object_add(row, "Value", json_object_get(value));
		json_object_array_add(rows, row);
	}
	pfree(store);
	return NULL;
}

bool
cks_metric_page_rows(CksJsonPage *page, CksAwsError *err)
{
	struct json_object *rows = json_object_new_array();
	size_t		total = 0;
	int			i;

	for (i = 0; i < page->nentries; i++)
	{
		char	   *problem = result_rows(json_object_array_get_idx(page->entries, i),
										  i, rows, &total);

		if (problem != NULL)
		{
			json_object_put(rows);
			memset(err, 0, sizeof(*err));
			err->kind = CKS_ERR_BAD_RESPONSE;
			err->http_status = 200;
			err->message = problem;
			return false;
		}
	}
	aws_json_page_replace_entries(page, rows);
	return true;
}
