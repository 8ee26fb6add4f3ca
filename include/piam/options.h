/*
 * piam — Options: what to set up (role, policy, buckets, key, account, region).
 * Include <piam/piam.h>, which includes this header.
 *
 * One piam_options object describes one Personalize setup. The policy renderers read it, and
 * so do plan, setup and teardown. Every setter validates its argument, copies it, and on bad
 * input returns PIAM_EINVAL with a message on the client, leaving the option as it was.
 * An options object belongs to the client it was created with and is used by one thread at a
 * time, like the client.
 */
#ifndef PIAM_OPTIONS_H
#define PIAM_OPTIONS_H

#include "piam/piam.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The options of one setup. Opaque. */
typedef struct piam_options piam_options;

/**
 * Create options with the defaults: role name "PersonalizeRole", policy name derived from the
 * role name (see piam_options_set_policy_name()), IAM path "/", no description, no account,
 * no region, no buckets, no KMS key, confused-deputy guard on.
 * @param out     receives the options; set to NULL on failure. Free with piam_options_free().
 * @param client  the client whose allocator the options use and on which errors are recorded.
 *                It must outlive the options.
 * @return PIAM_OK, PIAM_EINVAL (out or client NULL), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_new(piam_options **out, piam_client *client);

/**
 * Free options and the copies they hold. Accepts NULL.
 * @since 0.1
 */
PIAM_API void piam_options_free(piam_options *options);

/**
 * The name of the role Personalize assumes: 1-64 characters of A-Z a-z 0-9 and +=,.\@_-.
 * @param name  NULL restores the default "PersonalizeRole".
 * @return PIAM_OK, PIAM_EINVAL, PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_role_name(piam_options *options, const char *name);

/**
 * The name of the customer managed policy that grants the role its S3 (and KMS) access:
 * 1-128 characters of A-Z a-z 0-9 and +=,.\@_-.
 * @param name  NULL (the default) derives it from the role name: ROLE "-S3Access", e.g.
 *              "PersonalizeRole-S3Access".
 * @return PIAM_OK, PIAM_EINVAL, PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_policy_name(piam_options *options, const char *name);

/**
 * The IAM path of the role and the policy: "/" or "/a/b/" — printable ASCII, at most 512
 * characters. The wildcard characters '*' and '?' are refused as well, because the path becomes
 * part of the ARNs in the caller policy, where they would widen its scope.
 * @param path  NULL restores "/".
 * @return PIAM_OK, PIAM_EINVAL, PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_path(piam_options *options, const char *path);

/**
 * The role's description: UTF-8, at most 1000 characters of tab, newline, carriage return,
 * U+0020-U+007E and U+00A1-U+00FF (what IAM accepts).
 * @param description  NULL or "" for none.
 * @return PIAM_OK, PIAM_EINVAL, PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_description(piam_options *options, const char *description);

/**
 * The AWS account id (12 digits). The trust policy's guard needs it; the caller and user
 * policies use it to scope their ARNs (without it, their ARNs hold "*" for the account).
 * Setup fills it from GetCallerIdentity when it is not set.
 * @param account_id  NULL clears it.
 * @return PIAM_OK, PIAM_EINVAL, PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_account(piam_options *options, const char *account_id);

/**
 * The region Personalize runs in, e.g. "eu-west-1". It gives the partition of every ARN
 * (cn-* → aws-cn, us-gov-* → aws-us-gov, otherwise aws) and the region of the guard's SourceArn.
 * When unset, the region set on the client with piam_client_set_region() is used.
 * @param region  NULL clears it.
 * @return PIAM_OK, PIAM_EINVAL, PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_region(piam_options *options, const char *region);

/**
 * Add a bucket Personalize reads training data from (s3:GetObject, s3:ListBucket). Call once
 * per bucket; adding a bucket twice is harmless. Names follow the S3 rules: 3-63 characters of
 * lowercase letters, digits, '.' and '-', beginning and ending with a letter or digit, no "..",
 * not an IP address, not beginning "xn--" or "sthree-", not ending "-s3alias" or "--ol-s3".
 * @param bucket  the bucket's name, copied.
 * @return PIAM_OK, PIAM_EINVAL (an invalid name, or more than 100 buckets), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_add_input_bucket(piam_options *options, const char *bucket);

/**
 * Add a bucket Personalize writes to (batch inference, exports): the read actions plus
 * s3:PutObject. Same name rules as piam_options_add_input_bucket().
 * @param bucket  the bucket's name, copied.
 * @return PIAM_OK, PIAM_EINVAL, PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_add_output_bucket(piam_options *options, const char *bucket);

/**
 * The KMS key that encrypts the buckets: a key ARN, arn:PARTITION:kms:REGION:ACCOUNT:key/ID.
 * The role then gets kms:Decrypt, kms:GenerateDataKey and kms:DescribeKey on that key only.
 * Rendering fails with PIAM_EINVAL when the key's partition differs from the region's.
 * @param key_arn  NULL for none.
 * @return PIAM_OK, PIAM_EINVAL, PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_kms_key(piam_options *options, const char *key_arn);

/**
 * Turn the trust policy's confused-deputy guard on (1, the default) or off (0). With the guard,
 * the role may only be assumed by Personalize acting for this account in this region
 * (aws:SourceAccount and aws:SourceArn conditions), so the account and region are required.
 * @param enable  1 or 0.
 * @return PIAM_OK, PIAM_EINVAL (neither 0 nor 1).
 * @since 0.1
 */
PIAM_API int piam_options_set_guard(piam_options *options, int enable);

#ifdef __cplusplus
}
#endif

#endif
