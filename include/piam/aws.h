/*
 * piam — one function per AWS action piam uses (IAM, STS, S3), and the transport settings
 * under them. Include <piam/piam.h>, which includes this header.
 *
 * Every operation signs its request (SigV4) with the client's credentials, sends it over the
 * client's one kept-alive connection, retries as the AWS SDKs' "standard" mode does, follows
 * pagination itself, corrects for a local clock that is off AWS's (once, from AWS's Date
 * header, as the SDKs do), and on failure records the code, AWS error code, HTTP status, request id
 * and a message ("CreateRole: EntityAlreadyExists (HTTP 409): ... [request id ...]") on the
 * client.
 *
 * Threads: a client is used by one thread at a time; clients share nothing. libcurl is
 * initialised on first use; with a libcurl older than 7.84, whose initialisation is not
 * thread-safe, call curl_global_init() once before using clients on several threads.
 *
 * Results. Operations that return data give a piam_aws_result: a list of records, each a list
 * of named text fields, read with piam_aws_result_count() and piam_aws_result_field(). Field
 * names are the names AWS uses in its replies and are listed with each function. Policy
 * documents come back decoded (JSON text). Resource tags of a record appear as fields named
 * "Tag:KEY". Pass NULL as `out` to a function whose result you do not need.
 *
 * Errors common to every operation: PIAM_EINVAL (an argument is NULL, empty or malformed,
 * text that is not UTF-8 or holds control characters; nothing was sent), PIAM_ECREDENTIALS,
 * PIAM_ECONFIG (no region where one is needed), PIAM_ENETWORK, PIAM_ETIMEOUT, PIAM_ETLS,
 * PIAM_ETOOBIG, PIAM_EPROTOCOL, PIAM_ENOMEM, and the AWS error mapping: PIAM_ENOTFOUND
 * (NoSuchEntity, NoSuchBucket, NoSuchBucketPolicy), PIAM_EEXISTS (EntityAlreadyExists),
 * PIAM_EACCESS (AccessDenied), PIAM_ETHROTTLED (Throttling, SlowDown, ... once retries are
 * spent), PIAM_EPOLICY (MalformedPolicyDocument; or a document argument that is not a JSON
 * object, and then nothing was sent), PIAM_ELIMIT (LimitExceeded), PIAM_ESIGNATURE
 * (SignatureDoesNotMatch, InvalidClientTokenId, RequestExpired, ...), PIAM_ECONFLICT
 * (DeleteConflict), PIAM_ESERVICE (any other).
 */
#ifndef PIAM_AWS_H
#define PIAM_AWS_H

#include "piam/piam.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- Transport settings ------------------------------------------------------------------ */

/**
 * Trust the CA certificates in `path` (PEM) instead of the system's, as AWS_CA_BUNDLE does
 * (which the client reads when piam_client_use_environment() is on and no file is set).
 * Certificates are always verified; plain http is only used for an explicit http:// endpoint.
 * @param path  copied; NULL restores the default.
 * @return PIAM_OK, PIAM_EINVAL (client NULL or path ""), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_client_set_ca_file(piam_client *client, const char *path);

/**
 * The most attempts one request makes (first try included), as AWS_MAX_ATTEMPTS does (read
 * when the environment is on and this is 0). Retries follow the SDKs' "standard" mode: only
 * connection errors, timeouts, HTTP 500/502/503/504 and throttling or transient AWS codes are
 * retried, after random(0,1) x min(2^(n-1) s, 20 s), while the client's retry quota (500
 * tokens; 5 per retry, 10 per retried timeout; refunded on success) lasts.
 * @param attempts  1 (no retries) to 20; 0 restores the default (3).
 * @return PIAM_OK, PIAM_EINVAL, PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_client_set_max_attempts(piam_client *client, int attempts);

/**
 * Address S3 buckets path-style (https://s3.REGION.amazonaws.com/BUCKET) instead of
 * virtual-hosted style (https://BUCKET.s3.REGION.amazonaws.com). Path style is always used
 * with an endpoint override and for bucket names containing dots.
 * @param enable  1 or 0.
 * @return PIAM_OK, PIAM_EINVAL, PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_client_set_s3_path_style(piam_client *client, int enable);

/* --- Results ----------------------------------------------------------------------------- */

/** The records an operation returned. Opaque; free with piam_aws_result_free(). */
typedef struct piam_aws_result piam_aws_result;

/**
 * The number of records in `result` (0 for NULL).
 * @since 0.1
 */
PIAM_API size_t piam_aws_result_count(const piam_aws_result *result);

/**
 * The value of field `name` of record `index`, or NULL when the record has no such field or
 * `index` is out of range. Borrowed from `result` until it is freed.
 * @since 0.1
 */
PIAM_API const char *piam_aws_result_field(const piam_aws_result *result, size_t index, const char *name);

/**
 * The number of fields of record `index` (0 when out of range), to enumerate them with
 * piam_aws_result_field_name().
 * @since 0.1
 */
PIAM_API size_t piam_aws_result_field_count(const piam_aws_result *result, size_t index);

/**
 * The name of field `field` of record `index`, or NULL when out of range. Borrowed.
 * @since 0.1
 */
PIAM_API const char *piam_aws_result_field_name(const piam_aws_result *result, size_t index, size_t field);

/**
 * Free a result. Accepts NULL. A result does not depend on its client and may outlive it.
 * @since 0.1
 */
PIAM_API void piam_aws_result_free(piam_aws_result *result);

/* --- STS --------------------------------------------------------------------------------- */

/**
 * STS GetCallerIdentity: who the client's credentials belong to. Needs a region (STS is
 * called at its regional endpoint).
 * @param out  one record: Account, Arn, UserId.
 * @return PIAM_OK or an error common to every operation (above), e.g. PIAM_ECREDENTIALS,
 *         PIAM_ESIGNATURE, PIAM_ECONFIG (no region).
 * @since 0.1
 */
PIAM_API int piam_sts_get_caller_identity(piam_aws_result **out, piam_client *client);

/* --- IAM (global service; signed for the partition's IAM region) -------------------------- */

/**
 * IAM CreateRole.
 * @param out                   one record: RoleName, RoleId, Arn, Path, CreateDate,
 *                              AssumeRolePolicyDocument, Description, MaxSessionDuration,
 *                              Tag:KEY... (fields AWS did not return are absent). May be NULL.
 * @param name                  the role name (1-64 of A-Z a-z 0-9 +=,.\@_-).
 * @param trust_policy          the trust (assume-role) policy, JSON.
 * @param path                  e.g. "/service-role/"; NULL for "/".
 * @param description           NULL for none.
 * @param max_session_duration  seconds (3600-43200); 0 for AWS's default.
 * @param tag_keys, tag_values  `ntags` tags (both arrays NULL when ntags is 0).
 * @return PIAM_OK or an error common to every operation (above); PIAM_EEXISTS when a role of that
 *         name exists, PIAM_EPOLICY when IAM refuses the trust policy.
 * @since 0.1
 */
PIAM_API int piam_iam_create_role(piam_aws_result **out, piam_client *client, const char *name,
				  const char *trust_policy, const char *path, const char *description,
				  long max_session_duration, const char *const *tag_keys,
				  const char *const *tag_values, size_t ntags);

/**
 * IAM GetRole.
 * @param out   one record, fields as for piam_iam_create_role() (the role's tags included).
 * @param name  the role name.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND when there is no
 *         such role.
 * @since 0.1
 */
PIAM_API int piam_iam_get_role(piam_aws_result **out, piam_client *client, const char *name);

/**
 * IAM UpdateAssumeRolePolicy: replace the role's trust policy.
 * @param role          the role name.
 * @param trust_policy  the new trust policy, JSON.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such role),
 *         PIAM_EPOLICY (IAM refuses the document).
 * @since 0.1
 */
PIAM_API int piam_iam_set_trust(piam_client *client, const char *role, const char *trust_policy);

/**
 * IAM DeleteRole. The role must have no attached or inline policies left.
 * @param role  the role name.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such role),
 *         PIAM_ECONFLICT (policies still attached).
 * @since 0.1
 */
PIAM_API int piam_iam_delete_role(piam_client *client, const char *role);

/**
 * IAM TagRole: add or overwrite `ntags` tags.
 * @param role                  the role name.
 * @param tag_keys, tag_values  `ntags` keys and values.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such role).
 * @since 0.1
 */
PIAM_API int piam_iam_tag_role(piam_client *client, const char *role, const char *const *tag_keys,
			       const char *const *tag_values, size_t ntags);

/**
 * IAM ListRoleTags, every page.
 * @param out   one record per tag: Key, Value.
 * @param role  the role name.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such role).
 * @since 0.1
 */
PIAM_API int piam_iam_list_role_tags(piam_aws_result **out, piam_client *client, const char *role);

/**
 * IAM AttachRolePolicy: attach the managed policy `policy_arn`.
 * @param role  the role name.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such role or
 *         policy). Attaching an attached policy succeeds.
 * @since 0.1
 */
PIAM_API int piam_iam_attach_role_policy(piam_client *client, const char *role, const char *policy_arn);

/**
 * IAM DetachRolePolicy.
 * @param role        the role name.
 * @param policy_arn  the managed policy's ARN.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND when the policy is
 *         not attached.
 * @since 0.1
 */
PIAM_API int piam_iam_detach_role_policy(piam_client *client, const char *role, const char *policy_arn);

/**
 * IAM ListAttachedRolePolicies, every page.
 * @param out   one record per attached managed policy: PolicyName, PolicyArn.
 * @param role  the role name.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such role).
 * @since 0.1
 */
PIAM_API int piam_iam_list_attached_role_policies(piam_aws_result **out, piam_client *client,
						  const char *role);

/**
 * IAM ListRolePolicies (the role's inline policies), every page.
 * @param out   one record per inline policy: PolicyName.
 * @param role  the role name.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such role).
 * @since 0.1
 */
PIAM_API int piam_iam_list_role_policies(piam_aws_result **out, piam_client *client, const char *role);

/**
 * IAM CreatePolicy: a customer managed policy.
 * @param out          one record: PolicyName, PolicyId, Arn, Path, DefaultVersionId,
 *                     AttachmentCount, IsAttachable, CreateDate, UpdateDate, Description,
 *                     Tag:KEY... May be NULL.
 * @param name         the policy name (1-128 of A-Z a-z 0-9 +=,.\@_-).
 * @param document     the policy document, JSON.
 * @param path         NULL for "/".
 * @param description  NULL for none.
 * @param tag_keys, tag_values  `ntags` tags (both arrays NULL when ntags is 0).
 * @return PIAM_OK or an error common to every operation (above); PIAM_EEXISTS (a policy of that
 *         name exists), PIAM_EPOLICY (IAM refuses the document).
 * @since 0.1
 */
PIAM_API int piam_iam_create_policy(piam_aws_result **out, piam_client *client, const char *name,
				    const char *document, const char *path, const char *description,
				    const char *const *tag_keys, const char *const *tag_values, size_t ntags);

/**
 * IAM GetPolicy.
 * @param out         one record, fields as for piam_iam_create_policy().
 * @param policy_arn  the policy's ARN.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such policy).
 * @since 0.1
 */
PIAM_API int piam_iam_get_policy(piam_aws_result **out, piam_client *client, const char *policy_arn);

/**
 * IAM GetPolicyVersion.
 * @param out         one record: VersionId, IsDefaultVersion ("true"/"false"), CreateDate, Document.
 * @param policy_arn  the policy's ARN.
 * @param version_id  e.g. "v1".
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such policy or
 *         version).
 * @since 0.1
 */
PIAM_API int piam_iam_get_policy_version(piam_aws_result **out, piam_client *client,
					 const char *policy_arn, const char *version_id);

/**
 * IAM ListPolicyVersions, every page.
 * @param out         one record per version: VersionId, IsDefaultVersion, CreateDate.
 * @param policy_arn  the policy's ARN.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such policy).
 * @since 0.1
 */
PIAM_API int piam_iam_list_policy_versions(piam_aws_result **out, piam_client *client,
					   const char *policy_arn);

/**
 * IAM CreatePolicyVersion.
 * @param out         one record: VersionId, IsDefaultVersion, CreateDate. May be NULL.
 * @param policy_arn  the policy's ARN.
 * @param document    the new version's document, JSON.
 * @param set_default 1 to make the new version the default, 0 not to.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ELIMIT when the policy already
 *         has 5 versions, PIAM_ENOTFOUND (no such policy), PIAM_EPOLICY.
 * @since 0.1
 */
PIAM_API int piam_iam_create_policy_version(piam_aws_result **out, piam_client *client,
					    const char *policy_arn, const char *document, int set_default);

/**
 * IAM DeletePolicyVersion.
 * @param policy_arn  the policy's ARN.
 * @param version_id  a non-default version, e.g. "v1".
 * @return PIAM_OK or an error common to every operation (above); PIAM_ECONFLICT (the default
 *         version), PIAM_ENOTFOUND (no such policy or version).
 * @since 0.1
 */
PIAM_API int piam_iam_delete_policy_version(piam_client *client, const char *policy_arn,
					    const char *version_id);

/**
 * IAM DeletePolicy. Its non-default versions must be deleted and it detached first.
 * @param policy_arn  the policy's ARN.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ECONFLICT (still attached, or
 *         versions left), PIAM_ENOTFOUND (no such policy).
 * @since 0.1
 */
PIAM_API int piam_iam_delete_policy(piam_client *client, const char *policy_arn);

/**
 * IAM CreateUser.
 * @param out   one record: UserName, UserId, Arn, Path, CreateDate. May be NULL.
 * @param name  the user name.
 * @param path  NULL for "/".
 * @return PIAM_OK or an error common to every operation (above); PIAM_EEXISTS (a user of that name
 *         exists).
 * @since 0.1
 */
PIAM_API int piam_iam_create_user(piam_aws_result **out, piam_client *client, const char *name,
				  const char *path);

/**
 * IAM AttachUserPolicy.
 * @param user        the user name.
 * @param policy_arn  the managed policy's ARN.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such user or
 *         policy).
 * @since 0.1
 */
PIAM_API int piam_iam_attach_user_policy(piam_client *client, const char *user, const char *policy_arn);

/* --- S3 (needs a region; a bucket in another region is found and signed for its own) ------ */

/**
 * S3 GetBucketPolicy.
 * @param out     the policy document (JSON), released with piam_free().
 * @param bucket  the bucket's name.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND when the
 *         bucket has no policy (NoSuchBucketPolicy) or does not exist (NoSuchBucket);
 *         piam_client_error_aws_code() tells which.
 * @since 0.1
 */
PIAM_API int piam_s3_get_bucket_policy(char **out, piam_client *client, const char *bucket);

/**
 * S3 PutBucketPolicy (sent with its Content-MD5, as S3 requires).
 * @param bucket  the bucket's name.
 * @param policy  the whole new bucket policy, JSON (see piam_policy_bucket_merge()).
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such bucket),
 *         PIAM_EPOLICY (S3 refuses the document).
 * @since 0.1
 */
PIAM_API int piam_s3_put_bucket_policy(piam_client *client, const char *bucket, const char *policy);

/**
 * S3 DeleteBucketPolicy. Succeeds when the bucket has no policy.
 * @param bucket  the bucket's name.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such bucket).
 * @since 0.1
 */
PIAM_API int piam_s3_delete_bucket_policy(piam_client *client, const char *bucket);

/**
 * S3 GetBucketLocation: the bucket's region ("us-east-1" where S3 says none, "eu-west-1" for
 * the legacy "EU").
 * @param out     the region, released with piam_free().
 * @param bucket  the bucket's name.
 * @return PIAM_OK or an error common to every operation (above); PIAM_ENOTFOUND (no such bucket).
 * @since 0.1
 */
PIAM_API int piam_s3_get_bucket_location(char **out, piam_client *client, const char *bucket);

#ifdef __cplusplus
}
#endif

#endif
