/* piam — The guide as one call: plan, setup, teardown. Include <piam/piam.h>, which includes this header. */
#ifndef PIAM_SETUP_H
#define PIAM_SETUP_H

#include "piam/piam.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The tag piam puts on every role and policy it creates: key "piam:managed", value "true".
 * piam changes or deletes a role only when it carries this tag (or when adopt-existing is set,
 * in which case setup adds the tag), and deletes a customer managed policy only when it does.
 */
#define PIAM_OWNERSHIP_TAG_KEY "piam:managed"
#define PIAM_OWNERSHIP_TAG_VALUE "true"

/**
 * A plan: the ordered steps of a setup or teardown, each with a name, the resource it acts on
 * and a status. Opaque; read it with the piam_plan_* getters and free it with piam_plan_free().
 *
 * Step names: "role", "trust-policy", "attach-personalize-policy" (the AWS managed policy
 * AmazonPersonalizeFullAccess), "s3-access-policy", "attach-s3-access-policy",
 * "attach-cloudwatch", "bucket-policy" (one per bucket), and for teardown "detach-policy" (one
 * per attached policy). Statuses: from piam_setup_plan() "create", "update", "unchanged"; after
 * piam_setup_apply() "created", "updated", "unchanged"; from piam_setup_teardown() "deleted",
 * "unchanged". A step that failed says "failed"; steps it stopped keep their planned status.
 *
 * A plan does not refer to the client that made it and may outlive it.
 */
typedef struct piam_plan piam_plan;

/**
 * Progress callback, set with piam_options_set_progress(). Called before and after each step
 * is applied (`status` is the planned, then the final status, "failed" for a step that failed;
 * steps sent together are all announced before they go out, in plan order, then finished in
 * plan order) and on each attempt while waiting
 * for a new role to become visible (`step` "wait-role", `status` "waiting" then "visible" or
 * "timeout"). The strings are borrowed for the call. It must not call piam on the same client.
 */
typedef void (*piam_progress_fn)(const char *step, const char *resource, const char *status, void *userdata);

/**
 * Read the account's current state and compute what piam_setup_apply() would do.
 * Sends only reads: GetCallerIdentity, GetRole (whose reply carries the role's tags),
 * ListAttachedRolePolicies, GetPolicy, GetPolicyVersion, GetBucketPolicy.
 * @param out      receives the plan (free with piam_plan_free()); NULL on failure.
 * @param client   region and credentials come from it; the partition follows from the region.
 * @param options  role, policy, buckets, ...; validated before the first request.
 * @return PIAM_OK; PIAM_EINVAL (missing argument or invalid options, nothing sent);
 *         PIAM_ENOTOWNED (the role or policy exists and does not carry piam's tag, and
 *         adopt-existing is off); PIAM_EPOLICY (an existing bucket policy is malformed);
 *         or the error of the failing read (PIAM_EACCESS, PIAM_ESIGNATURE, PIAM_ENETWORK, ...).
 * @since 0.1
 */
PIAM_API int piam_setup_plan(piam_plan **out, piam_client *client, const piam_options *options);

/**
 * Compute the plan as piam_setup_plan() does, then apply it, in order: create the role (with
 * its trust policy and piam's tag) or repair its trust policy, attach AmazonPersonalizeFullAccess,
 * create the S3 access policy or
 * add a new default version when it drifted (deleting the oldest non-default version first at
 * IAM's limit of five), attach what is missing, merge piam's statement into each bucket policy,
 * and optionally wait for the new role to become visible. A converged account costs only the
 * reads: every step is "unchanged" and no mutating request is sent. Running it again after a
 * failure converges.
 *
 * Writes that do not need each other go out together, in rounds: a fresh setup sends CreateRole,
 * CreatePolicy and every PutBucketPolicy at once, then the attachments (which need the role and
 * the policy). A failed step stops the run after the other steps of its round, already sent,
 * have reported; later rounds are not sent.
 * @param out  receives the plan with the final statuses (free with piam_plan_free()). When a
 *             step fails after planning, *out is still set: piam_plan_failed_step() names the
 *             (first, in plan order) failed step and the statuses show what was done; the
 *             client's error message says the same. NULL when planning itself failed.
 * @return as piam_setup_plan(), plus the error of the failing write.
 * @since 0.1
 */
PIAM_API int piam_setup_apply(piam_plan **out, piam_client *client, const piam_options *options);

/**
 * Undo what setup did: remove piam's statement from each bucket policy (deleting a bucket
 * policy only when nothing else is left in it), detach the policies attached to piam's role,
 * delete piam's S3 access policy (when IAM refuses because versions other than the default
 * are left, those first, then the policy again) and the role.
 * Only resources carrying piam's tag are deleted; a missing resource is "unchanged", so running
 * it twice succeeds. In rounds, as piam_setup_apply(): the bucket policies and the detaches
 * together, then the policy and the role.
 * @param out  receives the plan with the final statuses, also when a step failed (see
 *             piam_setup_apply()); NULL when reading the state failed.
 * @return PIAM_OK; PIAM_EINVAL; PIAM_ENOTOWNED (the role exists and is not piam's: nothing is
 *         changed); PIAM_ECONFLICT (the role has inline policies, which piam never adds: nothing
 *         is changed); or the error of the failing request.
 * @since 0.1
 */
PIAM_API int piam_setup_teardown(piam_plan **out, piam_client *client, const piam_options *options);

/**
 * The number of steps in the plan; 0 for NULL.
 * @since 0.1
 */
PIAM_API size_t piam_plan_count(const piam_plan *plan);

/**
 * The name of step `index` (e.g. "bucket-policy"); NULL when out of range. Borrowed from the plan.
 * @since 0.1
 */
PIAM_API const char *piam_plan_step_name(const piam_plan *plan, size_t index);

/**
 * The resource step `index` acts on: an ARN, or "s3://BUCKET" for a bucket policy; NULL when
 * out of range. Borrowed from the plan.
 * @since 0.1
 */
PIAM_API const char *piam_plan_step_resource(const piam_plan *plan, size_t index);

/**
 * The status of step `index` (see piam_plan); NULL when out of range. Borrowed from the plan.
 * @since 0.1
 */
PIAM_API const char *piam_plan_step_status(const piam_plan *plan, size_t index);

/**
 * The role's ARN (what Personalize import jobs take as roleArn); "" for NULL. Borrowed.
 * @since 0.1
 */
PIAM_API const char *piam_plan_role_arn(const piam_plan *plan);

/**
 * The index of the step that failed.
 * @return the index, or -1 when none did (or plan is NULL); not a status code.
 * @since 0.1
 */
PIAM_API int piam_plan_failed_step(const piam_plan *plan);

/**
 * Free a plan. Accepts NULL.
 * @since 0.1
 */
PIAM_API void piam_plan_free(piam_plan *plan);

/**
 * Setup-only options on a piam_options (see <piam/policy.h>). Each returns PIAM_OK, or
 * PIAM_EINVAL for a NULL options or an out-of-range value (and then changes nothing).
 */

/**
 * Also attach the AWS managed policy CloudWatchFullAccess to the role. Off (0) by default.
 * @param enable  1 or 0.
 * @return PIAM_OK, PIAM_EINVAL (options NULL, enable neither 0 nor 1), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_cloudwatch(piam_options *options, int enable);

/**
 * Merge piam's statement into each bucket's policy. On (1) by default; with 0, plan, setup
 * and teardown leave bucket policies alone.
 * @param enable  1 or 0.
 * @return PIAM_OK, PIAM_EINVAL (options NULL, enable neither 0 nor 1), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_bucket_policy(piam_options *options, int enable);

/**
 * Take over a role (and S3 access policy) of the configured name that piam did not create:
 * setup tags it as piam's and converges it; teardown will then delete it. Off (0) by default,
 * when such a role is refused with PIAM_ENOTOWNED and left untouched.
 * @param enable  1 or 0.
 * @return PIAM_OK, PIAM_EINVAL (options NULL, enable neither 0 nor 1), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_adopt_existing(piam_options *options, int enable);

/**
 * After creating the role, poll GetRole once a second until it is visible, for at most
 * `seconds` (0 to 300). 0 (the default) does not wait.
 * @return PIAM_OK, PIAM_EINVAL (options NULL, seconds out of range), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_wait(piam_options *options, int seconds);

/**
 * Add a tag to the role and policy piam creates (key 1-128, value 0-256 characters of IAM's
 * tag alphabet; at most 40 tags; keys starting "aws:" or equal to PIAM_OWNERSHIP_TAG_KEY are
 * refused). Both strings are copied.
 * @param key    the tag's key.
 * @param value  the tag's value ("" allowed).
 * @return PIAM_OK, PIAM_EINVAL (a NULL, a bad key or value, a reserved key, more than 40 tags),
 *         PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_add_tag(piam_options *options, const char *key, const char *value);

/**
 * Set (or with NULL, clear) the progress callback of setup and teardown. It runs on the
 * thread calling piam_setup_apply() or piam_setup_teardown(), during that call.
 * @param fn        the callback, or NULL.
 * @param userdata  passed to every call of `fn`; piam does not own it.
 * @return PIAM_OK, PIAM_EINVAL (options NULL), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_options_set_progress(piam_options *options, piam_progress_fn fn, void *userdata);

#ifdef __cplusplus
}
#endif

#endif
