/*
 * piam — Policy documents: render, validate, compare, merge. Include <piam/piam.h>, which
 * includes this header.
 *
 * Every function here is pure: it reads its arguments (and the options), never the network,
 * the clock, files or the environment. Rendered documents are deterministic — the same options
 * give the same bytes — indented by two spaces with keys in a fixed order, without a trailing
 * newline. They are released with piam_free(). Errors are recorded on the options' client
 * (or the client passed in).
 *
 * Memory: the documents are built with jansson. Everything piam allocates itself goes through the
 * client's allocator; jansson's own allocations use jansson's allocator, which piam never changes
 * (json_set_alloc_funcs is process-wide).
 *
 * Rendering checks the sizes AWS enforces before anything is sent: a trust policy of at most
 * 2048 characters and a managed policy of at most 6144 characters, not counting whitespace;
 * a bucket policy of at most 20 KB. A larger document fails with PIAM_EPOLICY.
 */
#ifndef PIAM_POLICY_H
#define PIAM_POLICY_H

#include "piam/piam.h"
#include "piam/options.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The Sid of the statement piam owns in a bucket policy. */
#define PIAM_POLICY_BUCKET_SID "PersonalizeS3BucketAccessPolicy"

/** What a bucket-policy merge asks the caller to do. */
typedef enum piam_policy_change {
	PIAM_POLICY_UNCHANGED = 0, /**< the existing policy is already right; write nothing */
	PIAM_POLICY_PUT = 1,       /**< write the returned document as the bucket policy */
	PIAM_POLICY_DELETE = 2     /**< nothing is left in it: delete the bucket policy */
} piam_policy_change;

/**
 * The role's trust policy: personalize.amazonaws.com may sts:AssumeRole. With the guard (the
 * default) the statement carries StringEquals aws:SourceAccount ACCOUNT and ArnLike
 * aws:SourceArn arn:PARTITION:personalize:REGION:ACCOUNT:*.
 * @param out      receives the document; free with piam_free(). NULL on failure.
 * @param options  role and guard settings; the guard needs the account and the region.
 * @return PIAM_OK, PIAM_EINVAL (argument NULL; guard on without account or region),
 *         PIAM_EPOLICY (too large), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_policy_trust(char **out, const piam_options *options);

/**
 * The customer managed policy attached to the role: s3:GetObject and s3:ListBucket on each
 * input bucket and its objects; the same plus s3:PutObject on each output bucket; with a KMS
 * key, kms:Decrypt, kms:GenerateDataKey and kms:DescribeKey on that key. Never a "*".
 * @param out      receives the document; free with piam_free(). NULL on failure.
 * @param options  at least one input or output bucket; region (for the partition) optional.
 * @return PIAM_OK, PIAM_EINVAL (argument NULL, no bucket, KMS key in another partition),
 *         PIAM_EPOLICY (too large), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_policy_s3_access(char **out, const piam_options *options);

/**
 * A bucket policy holding only piam's statement for `bucket`: Sid
 * PIAM_POLICY_BUCKET_SID, Principal {"Service": "personalize.amazonaws.com"},
 * s3:GetObject and s3:ListBucket (plus s3:PutObject for an output bucket) on the bucket and its
 * objects. To keep other statements of an existing policy, use piam_policy_bucket_merge().
 * @param out      receives the document; free with piam_free(). NULL on failure.
 * @param options  must list `bucket` as an input or output bucket.
 * @param bucket   the bucket's name.
 * @return PIAM_OK, PIAM_EINVAL (argument NULL, bucket not in the options), PIAM_EPOLICY,
 *         PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_policy_bucket(char **out, const piam_options *options, const char *bucket);

/**
 * The least-privilege policy for the identity that runs piam: exactly the actions plan, setup
 * and teardown call — sts:GetCallerIdentity; on the role: iam:CreateRole, GetRole,
 * UpdateAssumeRolePolicy, DeleteRole, TagRole, ListRoleTags, AttachRolePolicy,
 * DetachRolePolicy, ListAttachedRolePolicies, ListRolePolicies; on the policy: iam:CreatePolicy,
 * GetPolicy, GetPolicyVersion, ListPolicyVersions, CreatePolicyVersion, DeletePolicyVersion,
 * DeletePolicy, TagPolicy; on the buckets: s3:GetBucketPolicy, PutBucketPolicy,
 * DeleteBucketPolicy, GetBucketLocation. IAM ARNs name the account ("*" when the options have
 * none), the path, the role and the policy; S3 ARNs name the buckets ("*" when there are none).
 * @param out      receives the document; free with piam_free(). NULL on failure.
 * @return PIAM_OK, PIAM_EINVAL, PIAM_EPOLICY (too large), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_policy_caller(char **out, const piam_options *options);

/**
 * The Personalize guide's policy for a user restricted to Amazon Personalize operations:
 * personalize:* on every resource (as the guide has it: List actions take no resource), and
 * iam:PassRole on the role only, with the condition
 * iam:PassedToService = personalize.amazonaws.com.
 * @param out      receives the document; free with piam_free(). NULL on failure.
 * @return PIAM_OK, PIAM_EINVAL, PIAM_EPOLICY (too large), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_policy_user(char **out, const piam_options *options);

/**
 * Whether two policy documents mean the same: a one-element list equals its string; the order
 * of statements, actions, resources, principals and condition values does not matter, nor do
 * duplicates; action names and condition keys compare without case; a missing Version is
 * "2008-10-17". Either text may be URL-encoded, as IAM returns documents.
 * @param out     receives 1 when equal, 0 when not.
 * @param client  where an error is recorded.
 * @param a, b    the documents, NUL-terminated.
 * @return PIAM_OK, PIAM_EINVAL (argument NULL), PIAM_EPOLICY (a document is not a valid
 *         policy: not JSON, wrong types, too large or too deeply nested), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_policy_equal(int *out, piam_client *client, const char *a, const char *b);

/**
 * Put piam's statement for `bucket` into an existing bucket policy: the statement with Sid
 * PIAM_POLICY_BUCKET_SID is inserted, or replaced where it is; every other statement and
 * top-level field is kept. A malformed existing policy is an error, never overwritten.
 * @param out         receives the resulting document (free with piam_free()) when *out_change
 *                    is PIAM_POLICY_PUT or PIAM_POLICY_UNCHANGED; NULL otherwise.
 * @param out_change  receives PIAM_POLICY_PUT, or PIAM_POLICY_UNCHANGED when the existing
 *                    policy already holds exactly this statement.
 * @param options     must list `bucket` as an input or output bucket.
 * @param existing    the bucket's current policy, or NULL when it has none.
 * @return PIAM_OK, PIAM_EINVAL, PIAM_EPOLICY (existing malformed, or the result above 20 KB),
 *         PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_policy_bucket_merge(char **out, int *out_change, const piam_options *options,
				      const char *bucket, const char *existing);

/**
 * Take piam's statement (Sid PIAM_POLICY_BUCKET_SID) out of an existing bucket policy, for
 * teardown; every other statement and top-level field is kept.
 * @param out         receives the resulting document (free with piam_free()) when *out_change
 *                    is PIAM_POLICY_PUT or PIAM_POLICY_UNCHANGED with an existing policy;
 *                    NULL otherwise.
 * @param out_change  PIAM_POLICY_PUT (write *out), PIAM_POLICY_DELETE (no statement is left:
 *                    delete the bucket policy) or PIAM_POLICY_UNCHANGED (no statement of piam's).
 * @param client      where an error is recorded.
 * @param existing    the bucket's current policy, or NULL when it has none.
 * @return PIAM_OK, PIAM_EINVAL, PIAM_EPOLICY (existing malformed), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_policy_bucket_remove(char **out, int *out_change, piam_client *client,
				       const char *existing);

#ifdef __cplusplus
}
#endif

#endif
