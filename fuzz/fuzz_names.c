/*-------------------------------------------------------------------------
 *
 * fuzz_names.c
 *	  libFuzzer target for the grammars of src/aws/aws_names.c: any bytes a
 *	  user can put into an option must be refused or accepted without a
 *	  crash or undefined behaviour, and what is accepted must keep the
 *	  module's promises:
 *	    - an ARN cks_arn_parse accepts has fields that lie inside it, an
 *	      account of 12 digits, and cks_arn_account_id returns that account;
 *	    - a role ARN is an ARN of service iam;
 *	    - an accepted region list has only region names in it;
 *	    - an endpoint URL that is accepted over http:// names a loopback
 *	      host (checked again through libcurl's own parse).
 *
 *	  Each input is used up to its first NUL.  Built as frontend code by
 *	  "make fuzz"; run by tests/suites/fuzz.sh.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <curl/curl.h>

#include "aws/aws_names.h"
#include "fuzz_common.h"

static void
fuzz_arn(const char *text)
{
	CksArn		arn;
	char	   *account = cks_arn_account_id(text);
	bool		parsed = cks_arn_parse(text, &arn);

	if (parsed != (account != NULL))
		broken_promise("fuzz_names", "cks_arn_account_id disagrees with cks_arn_parse");
	if (parsed)
	{
		size_t		len = strlen(text);

		if (arn.partition < text || arn.resource > text + len ||
			arn.partition_len == 0 || arn.service_len == 0 ||
			strlen(account) != CKS_ACCOUNT_ID_LEN ||
			!cks_is_account_id(account) ||
			strncmp(arn.account, account, CKS_ACCOUNT_ID_LEN) != 0)
			broken_promise("fuzz_names", "cks_arn_parse returned fields outside the ARN");
	}
	if (cks_is_role_arn(text) &&
		(!parsed || arn.service_len != 3 || strncmp(arn.service, "iam", 3) != 0))
		broken_promise("fuzz_names", "a role ARN that is not an IAM ARN");
	if (account)
		pfree(account);
}

static void
fuzz_region_list(const char *text)
{
	const char *bad = NULL;
	size_t		bad_len = 0;
	const char *cursor = text;
	const char *item;
	size_t		len;

	if (cks_check_region_list(text, &bad, &bad_len) != CKS_REGION_LIST_OK)
		return;
	while (cks_list_next(&cursor, &item, &len))
	{
		if (len == 0 || !cks_is_region_name_n(item, len))
			broken_promise("fuzz_names", "accepted region list with a bad element");
	}
}

/* An accepted http:// endpoint must name loopback as libcurl reads it. */
static void
fuzz_endpoint(const char *text)
{
	const char *message;
	char	   *url;
	CURLU	   *h;
	char	   *scheme = NULL;
	char	   *host = NULL;

	if (cks_url_problem(text, CKS_URL_ENDPOINT, &message) != CKS_URL_OK)
		return;
	url = cks_endpoint_for_region(text, CKS_SAMPLE_REGION);
	h = curl_url();
	if (h == NULL || curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
		curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		broken_promise("fuzz_names", "accepted endpoint that libcurl cannot parse");
	if (strcmp(scheme, "http") == 0 && !cks_host_is_loopback(host))
		broken_promise("fuzz_names", "accepted http:// endpoint off loopback");
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(h);
	pfree(url);
	(void) cks_url_problem(text, CKS_URL_PROXY, &message);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = pnstrdup((const char *) data, size);

	fuzz_arn(text);
	fuzz_region_list(text);
	fuzz_endpoint(text);
	(void) cks_is_external_id(text);
	(void) cks_is_role_session_name(text);
	(void) cks_is_no_proxy_list(text);
	(void) cks_host_is_loopback(text);
	pfree(text);
	return 0;
}
