/*
 * The setup's operations table over the real IAM, STS and S3 functions (include/piam/aws.h).
 *
 * Every call is logged at PIAM_LOG_DEBUG as "setup: AWS <Action> (read|write)", one line per
 * operation, so an embedder (and the tests) can count what a run costs.
 */
#include <string.h>

#include "request.h"
#include "setup.h"

static void note(piam_client *c, const char *action, int write)
{
	if (!piam__request_noting(c)) /* a call made only to note its request (send_together) costs nothing */
		piam__log(c, PIAM_LOG_DEBUG, "setup: AWS %s (%s)", action, write ? "write" : "read");
}

int piam__setup_last_attempts(piam_client *c)
{
	return c->http ? c->http->last_attempts : 0;
}

void piam__setup_sleep_ms(piam_client *c, long ms)
{
	piam__sleep_ms(c, ms);
}

/* A delete retried after a lost reply (reset, timeout) finds nothing left to delete when its
 * first attempt went through: that NoSuchEntity is the success the lost reply would have said. */
static int deleted(piam_client *c, int rc)
{
	if (rc == PIAM_ENOTFOUND && piam__setup_last_attempts(c) >= 2) {
		piam__log(c, PIAM_LOG_DEBUG, "setup: gone after a retried delete: the first attempt removed it");
		piam__error_clear(c);
		return PIAM_OK;
	}
	return rc;
}

/* A copy of `s` in the client's memory; PIAM_EPROTOCOL when AWS left the field out. */
static int copy_field(piam_client *c, const piam_aws_result *res, size_t i, const char *name, const char *action,
		      char **out)
{
	const char *v = piam_aws_result_field(res, i, name);

	*out = NULL;
	if (!v)
		return piam__error(c, PIAM_EPROTOCOL, "%s: the reply has no %s", action, name);
	return (*out = piam__strdup(c, v)) ? PIAM_OK : PIAM_ENOMEM;
}

static int caller_account(piam_client *c, void *ctx, char **account)
{
	piam_aws_result *res = NULL;
	int rc;

	(void)ctx;
	note(c, "GetCallerIdentity", 0);
	if (!(rc = piam_sts_get_caller_identity(&res, c)))
		rc = copy_field(c, res, 0, "Account", "GetCallerIdentity", account);
	piam_aws_result_free(res);
	return rc;
}

static int get_role(piam_client *c, void *ctx, const char *name, char **arn, char **trust, char **tag)
{
	piam_aws_result *res = NULL;
	const char *t;
	int rc;

	(void)ctx;
	*arn = *trust = *tag = NULL;
	note(c, "GetRole", 0);
	/* GetRole's reply carries the role's tags: no ListRoleTags needed for the ownership check */
	if (!(rc = piam_iam_get_role(&res, c, name)) && !(rc = copy_field(c, res, 0, "Arn", "GetRole", arn)) &&
	    !(rc = copy_field(c, res, 0, "AssumeRolePolicyDocument", "GetRole", trust)) &&
	    (t = piam_aws_result_field(res, 0, "Tag:" PIAM_OWNERSHIP_TAG_KEY)) && !(*tag = piam__strdup(c, t)))
		rc = PIAM_ENOMEM;
	piam_aws_result_free(res);
	if (rc) {
		piam__free(c, *arn);
		piam__free(c, *trust);
		*arn = *trust = NULL;
	}
	return rc;
}

static int create_role(piam_client *c, void *ctx, const char *name, const char *path, const char *description,
		       const char *trust, const char *const *tag_keys, const char *const *tag_values, size_t ntags,
		       char **arn)
{
	piam_aws_result *res = NULL;
	int rc;

	(void)ctx;
	note(c, "CreateRole", 1);
	if (!(rc = piam_iam_create_role(&res, c, name, trust, path, description, 0, tag_keys, tag_values, ntags)))
		rc = copy_field(c, res, 0, "Arn", "CreateRole", arn);
	piam_aws_result_free(res);
	return rc;
}

static int tag_role(piam_client *c, void *ctx, const char *name, const char *key, const char *value)
{
	(void)ctx;
	note(c, "TagRole", 1);
	return piam_iam_tag_role(c, name, &key, &value, 1);
}

static int update_trust(piam_client *c, void *ctx, const char *name, const char *trust)
{
	(void)ctx;
	note(c, "UpdateAssumeRolePolicy", 1);
	return piam_iam_set_trust(c, name, trust);
}

static int delete_role(piam_client *c, void *ctx, const char *name)
{
	(void)ctx;
	note(c, "DeleteRole", 1);
	return deleted(c, piam_iam_delete_role(c, name));
}

static int count_inline(piam_client *c, void *ctx, const char *role, size_t *n)
{
	piam_aws_result *res = NULL;
	int rc;

	(void)ctx;
	note(c, "ListRolePolicies", 0);
	rc = piam_iam_list_role_policies(&res, c, role);
	*n = rc ? 0 : piam_aws_result_count(res);
	piam_aws_result_free(res);
	return rc;
}

static int list_attached(piam_client *c, void *ctx, const char *role, char ***arns, size_t *n)
{
	piam_aws_result *res = NULL;
	size_t i, count;
	int rc;

	(void)ctx;
	*arns = NULL;
	*n = 0;
	note(c, "ListAttachedRolePolicies", 0);
	if ((rc = piam_iam_list_attached_role_policies(&res, c, role)))
		return rc;
	count = piam_aws_result_count(res);
	if (count && !(*arns = piam__calloc(c, count, sizeof(**arns))))
		rc = PIAM_ENOMEM;
	for (i = 0; i < count && !rc; i++)
		if (!(rc = copy_field(c, res, i, "PolicyArn", "ListAttachedRolePolicies", &(*arns)[i])))
			(*n)++;
	piam_aws_result_free(res);
	if (rc) {
		for (i = 0; i < *n; i++)
			piam__free(c, (*arns)[i]);
		piam__free(c, *arns);
		*arns = NULL;
		*n = 0;
	}
	return rc;
}

static int attach(piam_client *c, void *ctx, const char *role, const char *policy_arn)
{
	(void)ctx;
	note(c, "AttachRolePolicy", 1);
	return piam_iam_attach_role_policy(c, role, policy_arn);
}

static int detach(piam_client *c, void *ctx, const char *role, const char *policy_arn)
{
	(void)ctx;
	note(c, "DetachRolePolicy", 1);
	return deleted(c, piam_iam_detach_role_policy(c, role, policy_arn));
}

static int get_policy(piam_client *c, void *ctx, const char *arn, char **default_version, char **tag)
{
	piam_aws_result *res = NULL;
	const char *t;
	int rc;

	(void)ctx;
	*default_version = *tag = NULL;
	note(c, "GetPolicy", 0);
	if ((rc = piam_iam_get_policy(&res, c, arn)))
		return rc;
	rc = copy_field(c, res, 0, "DefaultVersionId", "GetPolicy", default_version);
	if (!rc && (t = piam_aws_result_field(res, 0, "Tag:" PIAM_OWNERSHIP_TAG_KEY)) && !(*tag = piam__strdup(c, t))) {
		/* the caller frees nothing on failure */
		piam__free(c, *default_version);
		*default_version = NULL;
		rc = PIAM_ENOMEM;
	}
	piam_aws_result_free(res);
	return rc;
}

static int list_versions(piam_client *c, void *ctx, const char *arn, struct piam__policy_version **versions,
			 size_t *n)
{
	piam_aws_result *res = NULL;
	size_t i, count;
	int rc;

	(void)ctx;
	*versions = NULL;
	*n = 0;
	note(c, "ListPolicyVersions", 0);
	if ((rc = piam_iam_list_policy_versions(&res, c, arn)))
		return rc;
	count = piam_aws_result_count(res);
	if (count && !(*versions = piam__calloc(c, count, sizeof(**versions))))
		rc = PIAM_ENOMEM;
	for (i = 0; i < count && !rc; i++) {
		const char *d = piam_aws_result_field(res, i, "IsDefaultVersion");

		if (!(rc = copy_field(c, res, i, "VersionId", "ListPolicyVersions", &(*versions)[i].id))) {
			(*versions)[i].is_default = d && strcmp(d, "true") == 0;
			(*n)++;
		}
	}
	piam_aws_result_free(res);
	if (rc) {
		for (i = 0; i < *n; i++)
			piam__free(c, (*versions)[i].id);
		piam__free(c, *versions);
		*versions = NULL;
		*n = 0;
	}
	return rc;
}

static int get_version(piam_client *c, void *ctx, const char *arn, const char *version, char **document)
{
	piam_aws_result *res = NULL;
	int rc;

	(void)ctx;
	note(c, "GetPolicyVersion", 0);
	if (!(rc = piam_iam_get_policy_version(&res, c, arn, version)))
		rc = copy_field(c, res, 0, "Document", "GetPolicyVersion", document);
	piam_aws_result_free(res);
	return rc;
}

static int create_policy(piam_client *c, void *ctx, const char *name, const char *path, const char *description,
			 const char *document, const char *const *tag_keys, const char *const *tag_values,
			 size_t ntags, char **arn)
{
	piam_aws_result *res = NULL;
	int rc;

	(void)ctx;
	note(c, "CreatePolicy", 1);
	if (!(rc = piam_iam_create_policy(&res, c, name, document, path, description, tag_keys, tag_values, ntags)))
		rc = copy_field(c, res, 0, "Arn", "CreatePolicy", arn);
	piam_aws_result_free(res);
	return rc;
}

static int create_version(piam_client *c, void *ctx, const char *arn, const char *document)
{
	(void)ctx;
	note(c, "CreatePolicyVersion", 1);
	return piam_iam_create_policy_version(NULL, c, arn, document, 1);
}

static int delete_version(piam_client *c, void *ctx, const char *arn, const char *version)
{
	(void)ctx;
	note(c, "DeletePolicyVersion", 1);
	return deleted(c, piam_iam_delete_policy_version(c, arn, version));
}

static int delete_policy(piam_client *c, void *ctx, const char *arn)
{
	(void)ctx;
	note(c, "DeletePolicy", 1);
	return deleted(c, piam_iam_delete_policy(c, arn));
}

static int get_bucket_policy(piam_client *c, void *ctx, const char *bucket, char **document)
{
	char *doc = NULL;
	int rc;

	(void)ctx;
	*document = NULL;
	note(c, "GetBucketPolicy", 0);
	rc = piam_s3_get_bucket_policy(&doc, c, bucket);
	if (rc == PIAM_ENOTFOUND && strcmp(piam_client_error_aws_code(c), "NoSuchBucketPolicy") == 0) {
		piam__error_clear(c);
		return PIAM_OK;
	}
	if (!rc && !(*document = piam__strdup(c, doc)))
		rc = PIAM_ENOMEM;
	piam_free(doc);
	return rc;
}

static int put_bucket_policy(piam_client *c, void *ctx, const char *bucket, const char *document)
{
	(void)ctx;
	note(c, "PutBucketPolicy", 1);
	return piam_s3_put_bucket_policy(c, bucket, document);
}

static int delete_bucket_policy(piam_client *c, void *ctx, const char *bucket)
{
	(void)ctx;
	note(c, "DeleteBucketPolicy", 1);
	return piam_s3_delete_bucket_policy(c, bucket);
}

static int send_together(piam_client *c, void *ctx, void (*calls)(void *arg), void *arg)
{
	struct piam__http_error saved;
	int sent = 0;

	(void)ctx;
	if (!calls) {
		if (c->http && c->http->nahead)
			piam__log(c, PIAM_LOG_DEBUG, "setup: %zu replies sent ahead were not asked for", c->http->nahead);
		piam__request_read_ahead(c, NULL, 0); /* forget the replies nothing took */
		return 0;
	}
	piam__http_error_save(c, &saved);
	if (piam__request_note_begin(c) == PIAM_OK) {
		calls(arg);
		sent = piam__request_note_send(c);
	}
	piam__http_error_restore(c, &saved); /* what the calls said while noting is not news */
	return sent;
}

static void sleep_ms(piam_client *c, void *ctx, long ms)
{
	(void)ctx;
	piam__sleep_ms(c, ms);
}

const struct piam__setup_ops piam__setup_aws_ops = {
	.caller_account = caller_account,
	.get_role = get_role,
	.create_role = create_role,
	.tag_role = tag_role,
	.update_trust = update_trust,
	.delete_role = delete_role,
	.count_inline = count_inline,
	.list_attached = list_attached,
	.attach = attach,
	.detach = detach,
	.get_policy = get_policy,
	.list_versions = list_versions,
	.get_version = get_version,
	.create_policy = create_policy,
	.create_version = create_version,
	.delete_version = delete_version,
	.delete_policy = delete_policy,
	.get_bucket_policy = get_bucket_policy,
	.put_bucket_policy = put_bucket_policy,
	.delete_bucket_policy = delete_bucket_policy,
	.sleep_ms = sleep_ms,
	.send_together = send_together,
};
