/*
 * Private declarations of the setup module (lib/setup*.c). Never installed.
 *
 * Setup reads and writes AWS through a table of operations, so the same plan/apply/teardown
 * logic runs against the real IAM, STS and S3 functions (lib/setup_aws.c) and against an
 * in-memory account in the unit tests.
 */
#ifndef PIAM_SETUP_PRIVATE_H
#define PIAM_SETUP_PRIVATE_H

#include "internal.h"
#include "policy.h"

#define PIAM__SETUP_MAX_TAGS 40
#define PIAM__SETUP_MAX_WAIT 300

/* Setup-only options, hanging off a piam_options (lib/setup_options.c). */
struct piam__setup_options {
	int cloudwatch;
	int no_bucket_policy; /* stored inverted so that zeroed memory means the defaults */
	int adopt;
	int wait_seconds;
	size_t ntags;
	char *tag_keys[PIAM__SETUP_MAX_TAGS];
	char *tag_values[PIAM__SETUP_MAX_TAGS];
	piam_progress_fn progress;
	void *progress_userdata;
};

/* Default options for a piam_options that has none set. */
extern const struct piam__setup_options piam__setup_defaults;

/* Free the setup-only options of a piam_options (called by piam_options_free). Accepts NULL. */
void piam__setup_options_free(piam_client *c, struct piam__setup_options *so);

/* One policy version as ListPolicyVersions returns it. */
struct piam__policy_version {
	char *id; /* "v3" */
	int is_default;
};

/*
 * What setup needs from AWS. Each returns PIAM_OK or a negative code with the error recorded on
 * the client; `ctx` is the table's own state. Strings returned through `char **` are allocated
 * with the client's allocator (piam__free). Policy documents come back URL-decoded.
 */
struct piam__setup_ops {
	int (*caller_account)(piam_client *c, void *ctx, char **account);
	/* PIAM_ENOTFOUND when there is no such role; *tag is the ownership tag's value or NULL. */
	int (*get_role)(piam_client *c, void *ctx, const char *name, char **arn, char **trust, char **tag);
	int (*create_role)(piam_client *c, void *ctx, const char *name, const char *path, const char *description,
			   const char *trust, const char *const *tag_keys, const char *const *tag_values, size_t ntags,
			   char **arn);
	int (*tag_role)(piam_client *c, void *ctx, const char *name, const char *key, const char *value);
	int (*update_trust)(piam_client *c, void *ctx, const char *name, const char *trust);
	int (*delete_role)(piam_client *c, void *ctx, const char *name);
	int (*count_inline)(piam_client *c, void *ctx, const char *role, size_t *n);
	int (*list_attached)(piam_client *c, void *ctx, const char *role, char ***arns, size_t *n);
	int (*attach)(piam_client *c, void *ctx, const char *role, const char *policy_arn);
	int (*detach)(piam_client *c, void *ctx, const char *role, const char *policy_arn);
	/* PIAM_ENOTFOUND when there is no such policy; *tag is the ownership tag's value or NULL. */
	int (*get_policy)(piam_client *c, void *ctx, const char *arn, char **default_version, char **tag);
	int (*list_versions)(piam_client *c, void *ctx, const char *arn, struct piam__policy_version **versions,
			     size_t *n);
	int (*get_version)(piam_client *c, void *ctx, const char *arn, const char *version, char **document);
	int (*create_policy)(piam_client *c, void *ctx, const char *name, const char *path, const char *description,
			     const char *document, const char *const *tag_keys, const char *const *tag_values,
			     size_t ntags, char **arn);
	int (*create_version)(piam_client *c, void *ctx, const char *arn, const char *document);
	int (*delete_version)(piam_client *c, void *ctx, const char *arn, const char *version);
	int (*delete_policy)(piam_client *c, void *ctx, const char *arn);
	/* *document NULL (and PIAM_OK) when the bucket has no policy. */
	int (*get_bucket_policy)(piam_client *c, void *ctx, const char *bucket, char **document);
	int (*put_bucket_policy)(piam_client *c, void *ctx, const char *bucket, const char *document);
	int (*delete_bucket_policy)(piam_client *c, void *ctx, const char *bucket);
	void (*sleep_ms)(piam_client *c, void *ctx, long ms);
	/*
	 * Optional (NULL: each request goes out when it is made). Run `calls(arg)` only to learn the
	 * first request each of its operations would send, without sending anything or changing any
	 * state (every operation returns at once, as on an error), then send those requests together;
	 * making the same calls again takes their replies, and reports what they found exactly as
	 * it would have. Setup makes each write again once; replies nothing takes are forgotten when
	 * `calls` is NULL, which setup does before its first write and after each round of writes.
	 * Returns 1 when the requests went out together, 0 when none did (each then goes out when
	 * it is made).
	 */
	int (*send_together)(piam_client *c, void *ctx, void (*calls)(void *arg), void *arg);
};

/* The table over the real AWS operations (lib/setup_aws.c). */
extern const struct piam__setup_ops piam__setup_aws_ops;

enum piam__setup_mode { PIAM__SETUP_PLAN, PIAM__SETUP_APPLY, PIAM__SETUP_TEARDOWN };

/* plan, apply or teardown with the given operations; the public functions call it with the real ones. */
int piam__setup_run(piam_plan **out, piam_client *c, const piam_options *o, enum piam__setup_mode mode,
		    const struct piam__setup_ops *ops, void *ctx);

/* The setup-only options of `o`, or the defaults when none were set. */
const struct piam__setup_options *piam__setup_options_get(const piam_options *o);

/* lib/setup_aws.c: how many times the last request was sent, to tell a retried write from a
 * first try (0 without a transport); a pause through the client's sleep hook. */
int piam__setup_last_attempts(piam_client *c);
void piam__setup_sleep_ms(piam_client *c, long ms);

#endif
