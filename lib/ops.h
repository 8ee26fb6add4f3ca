/*
 * The AWS operations (lib/iam.c, lib/sts.c, lib/s3.c) as internal functions, for the setup
 * layer. They take the same arguments as the public piam_iam_* / piam_sts_* / piam_s3_*
 * functions (include/piam/aws.h documents them) but do not check arguments beyond what the
 * request needs and do not clear the client's last error: callers validate first. `out` may be
 * NULL where the public function allows it. Results are piam_aws_result records; read them
 * with piam_aws_result_field().
 */
#ifndef PIAM_OPS_H
#define PIAM_OPS_H

#include "request.h"

/* Building results (lib/result.c). Fields are added to the last record. */
int piam__result_new(piam_client *c, piam_aws_result **out);
int piam__result_add_record(piam_client *c, piam_aws_result *r);
int piam__result_add_field(piam_client *c, piam_aws_result *r, const char *name, const char *value);
int piam__result_add_fieldn(piam_client *c, piam_aws_result *r, const char *name, size_t name_len,
			    const char *value);
/* A new record from `node`'s leaf children; Tags/member become "Tag:KEY"; documents decoded. */
int piam__result_add_xml(piam_client *c, piam_aws_result *r, const struct piam__xml_node *node);

/* STS */
int piam__sts_get_caller_identity(piam_aws_result **out, piam_client *c);

/* IAM */
int piam__iam_create_role(piam_aws_result **out, piam_client *c, const char *name, const char *trust_policy,
			  const char *path, const char *description, long max_session_duration,
			  const char *const *tag_keys, const char *const *tag_values, size_t ntags);
int piam__iam_get_role(piam_aws_result **out, piam_client *c, const char *name);
int piam__iam_set_trust(piam_client *c, const char *role, const char *trust_policy);
int piam__iam_delete_role(piam_client *c, const char *role);
int piam__iam_tag_role(piam_client *c, const char *role, const char *const *tag_keys,
		       const char *const *tag_values, size_t ntags);
int piam__iam_list_role_tags(piam_aws_result **out, piam_client *c, const char *role);
int piam__iam_attach_role_policy(piam_client *c, const char *role, const char *policy_arn);
int piam__iam_detach_role_policy(piam_client *c, const char *role, const char *policy_arn);
int piam__iam_list_attached_role_policies(piam_aws_result **out, piam_client *c, const char *role);
int piam__iam_list_role_policies(piam_aws_result **out, piam_client *c, const char *role);
int piam__iam_create_policy(piam_aws_result **out, piam_client *c, const char *name, const char *document,
			    const char *path, const char *description, const char *const *tag_keys,
			    const char *const *tag_values, size_t ntags);
int piam__iam_get_policy(piam_aws_result **out, piam_client *c, const char *policy_arn);
int piam__iam_get_policy_version(piam_aws_result **out, piam_client *c, const char *policy_arn,
				 const char *version_id);
int piam__iam_list_policy_versions(piam_aws_result **out, piam_client *c, const char *policy_arn);
int piam__iam_create_policy_version(piam_aws_result **out, piam_client *c, const char *policy_arn,
				    const char *document, int set_default);
int piam__iam_delete_policy_version(piam_client *c, const char *policy_arn, const char *version_id);
int piam__iam_delete_policy(piam_client *c, const char *policy_arn);
int piam__iam_create_user(piam_aws_result **out, piam_client *c, const char *name, const char *path);
int piam__iam_attach_user_policy(piam_client *c, const char *user, const char *policy_arn);

/* S3. *out strings come from piam__out_strndup (released with piam_free). */
int piam__s3_get_bucket_policy(char **out, piam_client *c, const char *bucket);
int piam__s3_put_bucket_policy(piam_client *c, const char *bucket, const char *policy);
int piam__s3_delete_bucket_policy(piam_client *c, const char *bucket);
int piam__s3_get_bucket_location(char **out, piam_client *c, const char *bucket);
/* CreateBucket in the client's region (tests and the demo); EEXISTS when it is already there. */
int piam__s3_create_bucket(piam_client *c, const char *bucket);

/* Argument checks shared by the public wrappers; each records PIAM_EINVAL with a message. */
int piam__check_name(piam_client *c, const char *what, const char *s, size_t max);
int piam__check_text(piam_client *c, const char *what, const char *s, size_t max, int optional);
/* Text as piam__check_text, that is also a JSON policy document (PIAM_EPOLICY otherwise). */
int piam__check_document(piam_client *c, const char *what, const char *doc, size_t max);
int piam__check_tags(piam_client *c, const char *const *keys, const char *const *values, size_t n);
int piam__check_bucket(piam_client *c, const char *bucket);

#endif
