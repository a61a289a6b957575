/*-------------------------------------------------------------------------
 *
 * table_kinds.c
 *	  The table kinds and their column tables (see table_kinds.h).  The
 *	  names are fixed by the interface's user-facing contract.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "aws/metric_queries.h"
#include "table_kinds.h"

/* custom_key_stores: DescribeCustomKeyStores entries, in the interface's order */
static const CksColumnDef custom_key_store_columns[] = {
	{"custom_key_store_id", "text", "CustomKeyStoreId", CKS_CONV_STRING},
	{"custom_key_store_name", "text", "CustomKeyStoreName", CKS_CONV_STRING},
	{"custom_key_store_type", "text", "CustomKeyStoreType", CKS_CONV_STRING},
	{"cloud_hsm_cluster_id", "text", "CloudHsmClusterId", CKS_CONV_STRING},
	{"trust_anchor_certificate", "text", "TrustAnchorCertificate", CKS_CONV_STRING},
	{"connection_state", "text", "ConnectionState", CKS_CONV_STRING},
	{"connection_error_code", "text", "ConnectionErrorCode", CKS_CONV_STRING},
	{"creation_date", "timestamptz", "CreationDate", CKS_CONV_EPOCH_TIME},
	{"xks_proxy_connectivity", "text", "XksProxyConfiguration.Connectivity", CKS_CONV_STRING},
	{"xks_proxy_uri_endpoint", "text", "XksProxyConfiguration.UriEndpoint", CKS_CONV_STRING},
	{"xks_proxy_uri_path", "text", "XksProxyConfiguration.UriPath", CKS_CONV_STRING},
	{"xks_proxy_vpc_endpoint_service_name", "text", "XksProxyConfiguration.VpcEndpointServiceName", CKS_CONV_STRING},
	{"xks_proxy_vpc_endpoint_service_owner", "text", "XksProxyConfiguration.VpcEndpointServiceOwner", CKS_CONV_STRING},
	{"xks_proxy_access_key_id", "text", "XksProxyConfiguration.AccessKeyId", CKS_CONV_STRING, true},
	{"region", "text", NULL, CKS_CONV_REGION},
	{"account_id", "text", NULL, CKS_CONV_ACCOUNT},
	{"account_name", "text", NULL, CKS_CONV_ACCOUNT_NAME},
	{"raw", "jsonb", NULL, CKS_CONV_RAW},
};

/* an id or a name names one store: DescribeCustomKeyStores looks it up */
static const CksPushdown custom_key_store_pushdown[] = {
	{"custom_key_store_id", "CustomKeyStoreId"},
	{"custom_key_store_name", "CustomKeyStoreName"},
	{NULL, NULL}
};

/*
 * The keys table's extra calls: each made only when one of its columns is
 * read, and only for keys that pass the query's other conditions.
 */
static const CksExtraCall key_last_usage = {
	.operation = &cks_op_get_key_last_usage,
	.scope = CKS_EXTRA_PER_ENTRY,
	.name = "LastUsage",
	.entry_field = "KeyId",
};

/* AWS managed keys' policies let no one list their tags */
static const CksExtraCall key_tags = {
	.operation = &cks_op_list_resource_tags,
	.scope = CKS_EXTRA_PER_ENTRY,
	.name = "Tags",
	.entry_field = "KeyId",
	.match_field = "TagKey",
	.value_field = "TagValue",
	.refused_code = "AccessDeniedException",
};

static const CksExtraCall key_aliases = {
	.operation = &cks_op_list_aliases,
	.scope = CKS_EXTRA_PER_REGION,
	.name = "Aliases",
	.entry_field = "KeyId",
	.match_field = "TargetKeyId",
	.value_field = "AliasName",
};

/* keys: DescribeKey's KeyMetadata (ListKeys entries expanded), interface order */
static const CksColumnDef key_columns[] = {
	{"key_id", "text", "KeyId", CKS_CONV_STRING},
	{"arn", "text", "Arn", CKS_CONV_STRING},
	{"description", "text", "Description", CKS_CONV_STRING},
	{"enabled", "boolean", "Enabled", CKS_CONV_BOOLEAN},
	{"key_state", "text", "KeyState", CKS_CONV_STRING},
	{"key_usage", "text", "KeyUsage", CKS_CONV_STRING},
	{"key_spec", "text", "KeySpec", CKS_CONV_STRING},
	{"key_manager", "text", "KeyManager", CKS_CONV_STRING},
	{"origin", "text", "Origin", CKS_CONV_STRING},
	{"custom_key_store_id", "text", "CustomKeyStoreId", CKS_CONV_STRING},
	{"cloud_hsm_cluster_id", "text", "CloudHsmClusterId", CKS_CONV_STRING},
	{"xks_key_id", "text", "XksKeyConfiguration.Id", CKS_CONV_STRING},
	{"creation_date", "timestamptz", "CreationDate", CKS_CONV_EPOCH_TIME},
	{"deletion_date", "timestamptz", "DeletionDate", CKS_CONV_EPOCH_TIME},
	{"pending_deletion_window_in_days", "integer", "PendingDeletionWindowInDays", CKS_CONV_INTEGER},
	{"valid_to", "timestamptz", "ValidTo", CKS_CONV_EPOCH_TIME},
	{"expiration_model", "text", "ExpirationModel", CKS_CONV_STRING},
	{"multi_region", "boolean", "MultiRegion", CKS_CONV_BOOLEAN},
	{"encryption_algorithms", "text[]", "EncryptionAlgorithms", CKS_CONV_STRING_ARRAY},
	{"signing_algorithms", "text[]", "SigningAlgorithms", CKS_CONV_STRING_ARRAY},
	{"mac_algorithms", "text[]", "MacAlgorithms", CKS_CONV_STRING_ARRAY},
	{"key_agreement_algorithms", "text[]", "KeyAgreementAlgorithms", CKS_CONV_STRING_ARRAY},
	{"current_key_material_id", "text", "CurrentKeyMaterialId", CKS_CONV_STRING},
	{"multi_region_configuration", "jsonb", "MultiRegionConfiguration", CKS_CONV_JSON},
	{"last_used_at", "timestamptz", "LastUsage.KeyLastUsage.Timestamp", CKS_CONV_EPOCH_TIME, .extra = &key_last_usage},
	{"last_used_operation", "text", "LastUsage.KeyLastUsage.Operation", CKS_CONV_STRING, .extra = &key_last_usage},
	{"last_used_request_id", "text", "LastUsage.KeyLastUsage.KmsRequestId", CKS_CONV_STRING, .extra = &key_last_usage},
	{"last_used_cloudtrail_event_id", "text", "LastUsage.KeyLastUsage.CloudTrailEventId", CKS_CONV_STRING, .extra = &key_last_usage},
	{"usage_tracking_start", "timestamptz", "LastUsage.TrackingStartDate", CKS_CONV_EPOCH_TIME, .extra = &key_last_usage},
	{"tags", "jsonb", "Tags", CKS_CONV_JSON, .extra = &key_tags},
	{"aliases", "text[]", "Aliases", CKS_CONV_STRING_ARRAY, .extra = &key_aliases},
	{"region", "text", NULL, CKS_CONV_REGION},
	{"account_id", "text", NULL, CKS_CONV_ACCOUNT},
	{"account_name", "text", NULL, CKS_CONV_ACCOUNT_NAME},
	{"raw", "jsonb", NULL, CKS_CONV_RAW},
};

/* a key id, key ARN, alias name or alias ARN: one DescribeKey, no ListKeys */
static const CksPushdown key_pushdown[] = {
	{"key_id", "KeyId", .resolved_by_aws = true},
	{NULL, NULL}
};

/* cloudhsm_clusters: DescribeClusters entries, interface order */
static const CksColumnDef cluster_columns[] = {
	{"cluster_id", "text", "ClusterId", CKS_CONV_STRING},
	{"state", "text", "State", CKS_CONV_STRING},
	{"state_message", "text", "StateMessage", CKS_CONV_STRING},
	{"hsm_type", "text", "HsmType", CKS_CONV_STRING},
	{"mode", "text", "Mode", CKS_CONV_STRING},
	{"vpc_id", "text", "VpcId", CKS_CONV_STRING},
	{"security_group", "text", "SecurityGroup", CKS_CONV_STRING},
	{"network_type", "text", "NetworkType", CKS_CONV_STRING},
	{"subnet_mapping", "jsonb", "SubnetMapping", CKS_CONV_JSON},
	{"hsm_count", "integer", "Hsms", CKS_CONV_ARRAY_LENGTH},
	{"hsms", "jsonb", "Hsms", CKS_CONV_JSON},
	{"backup_policy", "text", "BackupPolicy", CKS_CONV_STRING},
	{"backup_retention", "jsonb", "BackupRetentionPolicy", CKS_CONV_JSON},
	{"source_backup_id", "text", "SourceBackupId", CKS_CONV_STRING},
	{"certificates", "jsonb", "Certificates", CKS_CONV_JSON},
	{"tags", "jsonb", "TagList", CKS_CONV_JSON},
	{"create_timestamp", "timestamptz", "CreateTimestamp", CKS_CONV_EPOCH_TIME},
	{"region", "text", NULL, CKS_CONV_REGION},
	{"account_id", "text", NULL, CKS_CONV_ACCOUNT},
	{"account_name", "text", NULL, CKS_CONV_ACCOUNT_NAME},
	{"raw", "jsonb", NULL, CKS_CONV_RAW},
	/* what a key store needs: two ACTIVE HSMs in two Availability Zones */
	{"active_hsm_count", "integer", "Hsms", CKS_CONV_COUNT_WHERE,
		.where_field = "State", .where_value = "ACTIVE"},
	{"active_hsm_azs", "text[]", "Hsms", CKS_CONV_DISTINCT_WHERE,
		.where_field = "State", .where_value = "ACTIVE",
		.element_field = "AvailabilityZone"},
	/* BackupRetentionPolicy.Value is a string of days ("90"): Type DAYS is
	 * the only type the model knows */
	{"backup_retention_days", "integer", "BackupRetentionPolicy.Value", CKS_CONV_STRING},
	{"hsm_type_rollback_expiration", "timestamptz", "HsmTypeRollbackExpiration", CKS_CONV_EPOCH_TIME},
};

/* ClusterState in botocore's cloudhsmv2 model */
static const char *const cluster_states[] = {
	"CREATE_IN_PROGRESS", "UNINITIALIZED", "INITIALIZE_IN_PROGRESS",
	"INITIALIZED", "ACTIVE", "UPDATE_IN_PROGRESS", "MODIFY_IN_PROGRESS",
	"ROLLBACK_IN_PROGRESS", "DELETE_IN_PROGRESS", "DELETED", "DEGRADED",
	NULL
};

/*
 * DescribeClusters's Filters: all three are lists AWS matches exactly, so
 * = ANY is one request with every value.  A state outside the model's enum
 * (one AWS added since) is not sent: the scan lists every cluster and the
 * clause, kept as a local qual, picks the rows.
 */
static const CksPushdown cluster_pushdown[] = {
	{"cluster_id", "clusterIds"},
	{"state", "states", .valid_values = cluster_states},
	{"vpc_id", "vpcIds"},
	{NULL, NULL}
};

/* cloudhsm_hsms: the Hsms of each DescribeClusters entry, interface order */
static const CksColumnDef hsm_columns[] = {
	{"cluster_id", "text", "ClusterId", CKS_CONV_STRING},
	{"hsm_id", "text", "HsmId", CKS_CONV_STRING},
	{"state", "text", "State", CKS_CONV_STRING},
	{"state_message", "text", "StateMessage", CKS_CONV_STRING},
	{"availability_zone", "text", "AvailabilityZone", CKS_CONV_STRING},
	{"subnet_id", "text", "SubnetId", CKS_CONV_STRING},
	{"eni_id", "text", "EniId", CKS_CONV_STRING},
	{"eni_ip", "text", "EniIp", CKS_CONV_STRING},
	{"eni_ip_v6", "text", "EniIpV6", CKS_CONV_STRING},
	{"hsm_type", "text", "HsmType", CKS_CONV_STRING},
	{"region", "text", NULL, CKS_CONV_REGION},
	{"account_id", "text", NULL, CKS_CONV_ACCOUNT},
	{"account_name", "text", NULL, CKS_CONV_ACCOUNT_NAME},
	{"raw", "jsonb", NULL, CKS_CONV_RAW},
};

/* an HSM's cluster is a cluster filter; its state is not the cluster's */
static const CksPushdown hsm_pushdown[] = {
	{"cluster_id", "clusterIds"},
	{NULL, NULL}
};

/* cloudhsm_backups: DescribeBackups entries, every field of Backup */
static const CksColumnDef backup_columns[] = {
	{"backup_id", "text", "BackupId", CKS_CONV_STRING},
	{"backup_arn", "text", "BackupArn", CKS_CONV_STRING},
	{"backup_state", "text", "BackupState", CKS_CONV_STRING},
	{"cluster_id", "text", "ClusterId", CKS_CONV_STRING},
	{"create_timestamp", "timestamptz", "CreateTimestamp", CKS_CONV_EPOCH_TIME},
	{"copy_timestamp", "timestamptz", "CopyTimestamp", CKS_CONV_EPOCH_TIME},
	{"delete_timestamp", "timestamptz", "DeleteTimestamp", CKS_CONV_EPOCH_TIME},
	{"never_expires", "boolean", "NeverExpires", CKS_CONV_BOOLEAN},
	{"source_region", "text", "SourceRegion", CKS_CONV_STRING},
	{"source_backup", "text", "SourceBackup", CKS_CONV_STRING},
	{"source_cluster", "text", "SourceCluster", CKS_CONV_STRING},
	{"hsm_type", "text", "HsmType", CKS_CONV_STRING},
	{"mode", "text", "Mode", CKS_CONV_STRING},
	{"tags", "jsonb", "TagList", CKS_CONV_TAG_OBJECT},
	{"region", "text", NULL, CKS_CONV_REGION},
	{"account_id", "text", NULL, CKS_CONV_ACCOUNT},
	{"account_name", "text", NULL, CKS_CONV_ACCOUNT_NAME},
	{"raw", "jsonb", NULL, CKS_CONV_RAW},
};

/* BackupState in botocore's cloudhsmv2 model */
static const char *const backup_states[] = {
	"CREATE_IN_PROGRESS", "READY", "DELETED", "PENDING_DELETION", NULL
};

/*
 * DescribeBackups's Filters.  neverExpires takes the text of a boolean;
 * the column is boolean, whose text equality is not pushed (quals.c
 * accepts text equality only), so it is listed for the day it is.
 */
static const CksPushdown backup_pushdown[] = {
	{"backup_id", "backupIds"},
	{"cluster_id", "clusterIds"},
	{"backup_state", "states", .valid_values = backup_states},
	{"never_expires", "neverExpires", .valid_values = (const char *const[]) {"true", "false", NULL}},
	{NULL, NULL}
};

/*
 * key_store_metrics: one row per datapoint of GetMetricData, as
 * metric_queries.c reads them back; no raw (a datapoint has no document).
 */
static const CksColumnDef metric_columns[] = {
	{"custom_key_store_id", "text", "KeyStoreId", CKS_CONV_STRING},
	{"metric_name", "text", "MetricName", CKS_CONV_STRING},
	{"statistic", "text", "Stat", CKS_CONV_STRING},
	{"period_seconds", "integer", "Period", CKS_CONV_INTEGER},
	{"timestamp", "timestamptz", "Timestamp", CKS_CONV_EPOCH_TIME},
	{"value", "double precision", "Value", CKS_CONV_NUMBER},
	{"external_key_manager_state", "text", "XksExternalKeyManagerState", CKS_CONV_STRING},
	{"region", "text", NULL, CKS_CONV_REGION},
	{"account_id", "text", NULL, CKS_CONV_ACCOUNT},
	{"account_name", "text", NULL, CKS_CONV_ACCOUNT_NAME},
};

/*
 * The stores, metrics, statistics and period choose the queries (a metric
 * or statistic we do not ask for is filtered locally); timestamp bounds
 * become StartTime and EndTime.
 */
static const CksPushdown metric_pushdown[] = {
	{"custom_key_store_id", "KeyStoreIds"},
	{"metric_name", "MetricNames", .valid_values = cks_xks_metric_names},
	{"statistic", "Stat", .valid_values = cks_metric_statistics},
	{"period_seconds", "Period"},
	{"timestamp", "StartTime", .bound = CKS_BOUND_LOWER},
	{"timestamp", "EndTime", .bound = CKS_BOUND_UPPER},
	{NULL, NULL}
};

const CksTableKind cks_kind_custom_key_stores = {
	.remote_schema = "kms",
	.name = "custom_key_stores",
	.entry_noun = "custom key store",
	.operation = &cks_op_describe_custom_key_stores,
	.columns = custom_key_store_columns,
	.ncolumns = lengthof(custom_key_store_columns),
	.pushdown = custom_key_store_pushdown,
};

const CksTableKind cks_kind_keys = {
	.remote_schema = "kms",
	.name = "keys",
	.entry_noun = "KMS key",
	.operation = &cks_op_list_keys,
	.columns = key_columns,
	.ncolumns = lengthof(key_columns),
	.pushdown = key_pushdown,
	.key_manager_field = "KeyManager",
	.account_field = "AWSAccountId",
	.extras = {&key_last_usage, &key_tags, &key_aliases},
};

const CksTableKind cks_kind_cloudhsm_clusters = {
	.remote_schema = "cloudhsm",
	.name = "cloudhsm_clusters",
	.entry_noun = "CloudHSM cluster",
	.operation = &cks_op_describe_clusters,
	.columns = cluster_columns,
	.ncolumns = lengthof(cluster_columns),
	.pushdown = cluster_pushdown,
};

const CksTableKind cks_kind_cloudhsm_hsms = {
	.remote_schema = "cloudhsm",
	.name = "cloudhsm_hsms",
	.entry_noun = "CloudHSM HSM",
	.operation = &cks_op_describe_clusters,
	.columns = hsm_columns,
	.ncolumns = lengthof(hsm_columns),
	.pushdown = hsm_pushdown,
	.nested_entries = "Hsms",
};

const CksTableKind cks_kind_cloudhsm_backups = {
	.remote_schema = "cloudhsm",
	.name = "cloudhsm_backups",
	.entry_noun = "CloudHSM backup",
	.operation = &cks_op_describe_backups,
	.columns = backup_columns,
	.ncolumns = lengthof(backup_columns),
	.pushdown = backup_pushdown,
};

const CksTableKind cks_kind_key_store_metrics = {
	.remote_schema = "cloudwatch",
	.name = "key_store_metrics",
	.entry_noun = "key store metric",
	.operation = &cks_op_get_metric_data,
	.columns = metric_columns,
	.ncolumns = lengthof(metric_columns),
	.pushdown = metric_pushdown,
};

const CksTableKind *const cks_table_kinds[] = {
	&cks_kind_custom_key_stores,
	&cks_kind_keys,
	&cks_kind_cloudhsm_clusters,
	&cks_kind_cloudhsm_hsms,
	&cks_kind_cloudhsm_backups,
	&cks_kind_key_store_metrics,
	NULL
};

const CksTableKind *
cks_table_kind_by_name(const char *name)
{
	int			i;

	for (i = 0; cks_table_kinds[i] != NULL; i++)
		if (strcmp(cks_table_kinds[i]->name, name) == 0)
			return cks_table_kinds[i];
	return NULL;
}

bool
cks_remote_schema_exists(const char *remote_schema)
{
	int			i;

	for (i = 0; cks_table_kinds[i] != NULL; i++)
		if (strcmp(cks_table_kinds[i]->remote_schema, remote_schema) == 0)
			return true;
	return false;
}

int
cks_kind_column(const CksTableKind *kind, const char *name)
{
	int			i;

	for (i = 0; i < kind->ncolumns; i++)
		if (strcmp(kind->columns[i].name, name) == 0)
			return i;
	return -1;
}

const CksPushdown *
cks_kind_bound_pushdown(const CksTableKind *kind, int column, CksBound bound)
{
	const CksPushdown *p;

	for (p = kind->pushdown; p->column != NULL; p++)
		if (strcmp(p->column, kind->columns[column].name) == 0 &&
			p->bound == bound)
			return p;
	return NULL;
}

const CksPushdown *
cks_kind_pushdown(const CksTableKind *kind, int column)
{
	return cks_kind_bound_pushdown(kind, column, CKS_BOUND_NONE);
}

const CksPushdown *
cks_kind_pushdown_of_parameter(const CksTableKind *kind, int parameter)
{
	const CksOperation *lookup = cks_lookup_operation(kind->operation);
	const CksPushdown *p;

	for (p = kind->pushdown; p->column != NULL; p++)
		if (cks_operation_parameter(lookup, p->parameter) == parameter)
			return p;
	return NULL;
}

int
cks_kind_extra_index(const CksTableKind *kind, const CksExtraCall *extra)
{
	int			i;

	for (i = 0; kind->extras[i] != NULL; i++)
		if (kind->extras[i] == extra)
			return i;
	return -1;
}

bool
cks_pushdown_value_is_valid(const CksPushdown *pushdown, const char *value)
{
	const char *const *v;

	if (pushdown == NULL || pushdown->valid_values == NULL)
		return true;
	for (v = pushdown->valid_values; *v != NULL; v++)
		if (strcmp(*v, value) == 0)
			return true;
	return false;
}
