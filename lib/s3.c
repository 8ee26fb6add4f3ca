/* S3 bucket policy and location: REST calls on the bucket's ?policy and ?location subresources. */
#include <string.h>

#include "ops.h"

/* The most a bucket policy may be (S3 allows 20 KB); larger replies are not a policy. */
#define MAX_BUCKET_POLICY (20 * 1024)

static int s3_call(piam_client *c, const char *op, const char *method, const char *bucket, const char *query,
		   const char *body, int md5, struct piam__http_response *resp)
{
	struct piam__request req;

	memset(&req, 0, sizeof(req));
	req.svc = PIAM__SVC_S3;
	req.op = op;
	req.method = method;
	req.bucket = bucket;
	req.query = query;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.content_md5 = md5;
	return piam__request_send(c, &req, resp);
}

int piam__s3_get_bucket_policy(char **out, piam_client *c, const char *bucket)
{
	struct piam__http_response resp;
	int rc;

	*out = NULL;
	if (!(rc = s3_call(c, "GetBucketPolicy", "GET", bucket, "policy", NULL, 0, &resp)) &&
	    !(*out = piam__out_strndup(c, resp.body.data ? resp.body.data : "", resp.body.len)))
		rc = PIAM_ENOMEM;
	piam__http_response_free(c, &resp);
	return rc;
}

int piam__s3_put_bucket_policy(piam_client *c, const char *bucket, const char *policy)
{
	struct piam__http_response resp;
	int rc = s3_call(c, "PutBucketPolicy", "PUT", bucket, "policy", policy, 1, &resp);

	piam__http_response_free(c, &resp);
	return rc;
}

int piam__s3_delete_bucket_policy(piam_client *c, const char *bucket)
{
	struct piam__http_response resp;
	int rc = s3_call(c, "DeleteBucketPolicy", "DELETE", bucket, "policy", NULL, 0, &resp);

	piam__http_response_free(c, &resp);
	return rc;
}

int piam__s3_get_bucket_location(char **out, piam_client *c, const char *bucket)
{
	struct piam__http_response resp;
	struct piam__xml *doc = NULL;
	const struct piam__xml_node *root;
	const char *region;
	int rc;

	*out = NULL;
	if ((rc = s3_call(c, "GetBucketLocation", "GET", bucket, "location", NULL, 0, &resp)))
		goto out;
	if ((rc = piam__xml_parse(c, resp.body.data ? resp.body.data : "", resp.body.len, &doc)))
		goto out;
	root = piam__xml_root(doc);
	if (strcmp(root->name, "LocationConstraint") != 0) {
		rc = piam__error(c, PIAM_EPROTOCOL, "GetBucketLocation: the reply has no LocationConstraint");
		goto out;
	}
	/* S3 names us-east-1 by saying nothing, and eu-west-1 by its legacy name. */
	region = !*root->text ? "us-east-1" : strcmp(root->text, "EU") == 0 ? "eu-west-1" : root->text;
	if (!piam__is_region(region)) {
		rc = piam__error(c, PIAM_EPROTOCOL, "GetBucketLocation: unexpected region in the reply");
		goto out;
	}
	if (!(*out = piam__out_strndup(c, region, strlen(region))))
		rc = PIAM_ENOMEM;
out:
	piam__xml_free(c, doc);
	piam__http_response_free(c, &resp);
	return rc;
}

int piam__s3_create_bucket(piam_client *c, const char *bucket)
{
	struct piam__http_response resp;
	const char *region = piam__config_region(c);
	piam__buf body = {NULL, 0, 0};
	int rc = PIAM_OK;

	memset(&resp, 0, sizeof(resp));
	if (region && strcmp(region, "us-east-1") != 0)
		rc = piam__buf_printf(c, &body,
				      "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
				      "<LocationConstraint>%s</LocationConstraint></CreateBucketConfiguration>",
				      region);
	if (!rc)
		rc = s3_call(c, "CreateBucket", "PUT", bucket, NULL, body.data, 0, &resp);
	piam__http_response_free(c, &resp);
	piam__buf_free(c, &body);
	return rc;
}

int piam__check_bucket(piam_client *c, const char *bucket)
{
	size_t n, i;

	if (!bucket || !*bucket)
		return piam__error(c, PIAM_EINVAL, "bucket name is missing");
	n = strlen(bucket);
	for (i = 0; i < n; i++)
		if (!((bucket[i] >= 'a' && bucket[i] <= 'z') || (bucket[i] >= '0' && bucket[i] <= '9') ||
		      bucket[i] == '.' || bucket[i] == '-'))
			break;
	if (n < 3 || n > 63 || i < n || bucket[0] == '.' || bucket[0] == '-' || bucket[n - 1] == '.' ||
	    bucket[n - 1] == '-')
		return piam__error(c, PIAM_EINVAL, "invalid bucket name: 3 to 63 of a-z 0-9 . -");
	return PIAM_OK;
}

PIAM_API int piam_s3_get_bucket_policy(char **out, piam_client *client, const char *bucket)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (!out)
		return piam__error(client, PIAM_EINVAL, "out is NULL");
	*out = NULL;
	if ((rc = piam__check_bucket(client, bucket)))
		return rc;
	return piam__s3_get_bucket_policy(out, client, bucket);
}

PIAM_API int piam_s3_put_bucket_policy(piam_client *client, const char *bucket, const char *policy)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if ((rc = piam__check_bucket(client, bucket)) ||
	    (rc = piam__check_document(client, "bucket policy", policy, MAX_BUCKET_POLICY)))
		return rc;
	return piam__s3_put_bucket_policy(client, bucket, policy);
}

PIAM_API int piam_s3_delete_bucket_policy(piam_client *client, const char *bucket)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if ((rc = piam__check_bucket(client, bucket)))
		return rc;
	return piam__s3_delete_bucket_policy(client, bucket);
}

PIAM_API int piam_s3_get_bucket_location(char **out, piam_client *client, const char *bucket)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (!out)
		return piam__error(client, PIAM_EINVAL, "out is NULL");
	*out = NULL;
	if ((rc = piam__check_bucket(client, bucket)))
		return rc;
	return piam__s3_get_bucket_location(out, client, bucket);
}
