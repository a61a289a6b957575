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
	{"xks_proxy_access_key_id", "text", "XksProxyConfiguration.AccessKeyId", CKS_CONV_STRING},
	{"region", "text", NULL, CKS_CONV_REGION},
	{"account_id", "text", NULL, CKS_CONV_ACCOUNT},
	{"raw", "jsonb", NULL, CKS_CONV_RAW},
};

/* an id or a name names one store: DescribeCustomKeyStores looks it up */
static const CksPushdown custom_key_store_pushdown[] = {
	{"custom_key_store_id", "CustomKeyStoreId"},
	{"custom_key_store_name", "CustomKeyStoreName"},
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

const CksTableKind *const cks_table_kinds[] = {
	&cks_kind_custom_key_stores,
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

const char *
cks_kind_pushdown_parameter(const CksTableKind *kind, int column)
{
	const CksPushdown *p;

	for (p = kind->pushdown; p->column != NULL; p++)
		if (strcmp(p->column, kind->columns[column].name) == 0)
			return p->parameter;
	return NULL;
}
