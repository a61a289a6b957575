/*-------------------------------------------------------------------------
 *
 * metric_queries.h
 *	  CloudWatch GetMetricData for the metrics external key stores publish
 *	  in AWS/KMS by KeyStoreId, without the networking: the request body
 *	  of one page (one MetricDataQuery per store, metric, state and
 *	  statistic, at most CKS_METRIC_QUERIES_PER_REQUEST), and the rows of
 *	  an answer (one per datapoint, with the store, metric, state,
 *	  statistic and period read back from the query's Id).
 *
 *	  Frontend-safe (no backend needed): unit-tested and fuzzed alone.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_AWS_METRIC_QUERIES_H
#define CKS_AWS_METRIC_QUERIES_H

#include "aws/aws_json.h"
#include "aws/aws_service.h"

/* GetMetricData takes at most this many MetricDataQueries (botocore's
 * model and AWS's documentation). */
#define CKS_METRIC_QUERIES_PER_REQUEST	500
/* CloudWatch returns at most 100,800 datapoints per GetMetricData call;
 * an answer with more is not AWS's, and each datapoint becomes a row
 * object, so the bound also caps what one answer costs beyond its body. */
#define CKS_METRIC_MAX_DATAPOINTS	100800

/* The defaults sent when no qual says otherwise. */
#define CKS_METRIC_DEFAULT_STAT		"Average"
#define CKS_METRIC_DEFAULT_PERIOD	300
#define CKS_METRIC_DEFAULT_WINDOW_SECONDS	(3 * 3600)

/* Parameter indexes of cks_op_get_metric_data (its parameters[]). */
#define CKS_METRIC_PARAM_STORES		0
#define CKS_METRIC_PARAM_METRICS	1
#define CKS_METRIC_PARAM_STATS		2
#define CKS_METRIC_PARAM_PERIOD		3
#define CKS_METRIC_PARAM_START		4
#define CKS_METRIC_PARAM_END		5

/* The AWS/KMS metrics of an external key store, NULL-terminated. */
extern const char *const cks_xks_metric_names[];

/* The statistics a query may ask for, NULL-terminated. */
extern const char *const cks_metric_statistics[];

/*
 * The request body of one page (a CksRequestBuilder): values are the
 * operation's parameters -- KeyStoreIds, MetricNames and Stat as JSON
 * lists of strings (MetricNames NULL: every metric, Stat NULL: Average),
 * Period a list of one integer text (NULL: 300), StartTime and EndTime
 * epoch seconds.  palloc'd.  The stores beyond what fits in
 * CKS_METRIC_QUERIES_PER_REQUEST queries are left out: the scan sends no
 * more than cks_metric_stores_per_request.
 */
extern char *cks_metric_data_request(const CksOperation *op,
									 const char *const *values,
									 const char *token, int limit);

/*
 * How many stores one request may carry so that it holds at most
 * CKS_METRIC_QUERIES_PER_REQUEST queries, for these fixed values (the
 * metrics and statistics asked for).  At least 1.
 */
extern int	cks_metric_stores_per_request(const CksOperation *op,
										  const char *const *values);

/*
 * Replace the page's entries (MetricDataResults) by one row object per
 * datapoint: {KeyStoreId, MetricName, XksExternalKeyManagerState, Stat,
 * Period, Timestamp, Value}, the numbers as AWS sent them.  A result whose
 * Id is not one this module makes, or whose Timestamps and Values differ
 * in length or are not numbers, is CKS_ERR_BAD_RESPONSE.
 */
extern bool cks_metric_page_rows(CksJsonPage *page, CksAwsError *err);

#endif							/* CKS_AWS_METRIC_QUERIES_H */
