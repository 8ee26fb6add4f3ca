/*
 * The guide as one call: read the account's state, compute the steps, apply them; and teardown.
 *
 * Everything is read before anything is written, so `plan` and a converged `setup` send only
 * reads, and a refusal (a foreign role, a malformed bucket policy) happens before any change.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "setup.h"

enum step_kind {
	STEP_ROLE,
	STEP_TRUST,
	STEP_ATTACH_PERSONALIZE,
	STEP_S3_POLICY,
	STEP_ATTACH_S3,
	STEP_ATTACH_CLOUDWATCH,
	STEP_BUCKET,
	STEP_DETACH,
};

enum step_status { ST_NONE, ST_CREATE, ST_UPDATE, ST_UNCHANGED, ST_DELETE, ST_FAILED };

struct step {
	enum step_kind kind;
	enum step_status planned;
	enum step_status status;
	size_t arg; /* bucket or attachment index */
	int done;
	char *resource;
};

struct piam_plan {
	size_t n;
	int failed;
	char *role_arn;
	struct step *steps;
};

struct bucket_state {
	const char *name;
	json_t *statement; /* piam's statement for this bucket (setup only) */
	char *want;        /* the merged (or, for teardown, cleaned) document; NULL: delete the policy */
};

struct run {
	piam_client *c;
	const piam_options *o;
	const struct piam__setup_options *so;
	const struct piam__setup_ops *ops;
	void *ctx;
	enum piam__setup_mode mode;

	const char *role;
	const char *region;
	const char *partition;
	char *account;
	char *role_arn;
	int role_exists;
	int role_owned;
	int trust_same;
	json_t *trust_doc;
	char *trust_text;

	char *policy_arn;
	int policy_owned;
	json_t *s3_doc;
	char *s3_text;

	char *personalize_arn; /* the guide's AmazonPersonalizeFullAccess, always attached */
	char *cloudwatch_arn;
	char **attached; /* the role's attached policies, as read */
	size_t nattached;

	struct bucket_state *buckets;
	size_t nbuckets;

	piam_plan *plan;
};

static const char *const step_names[] = {
	[STEP_ROLE] = "role",
	[STEP_TRUST] = "trust-policy",
	[STEP_ATTACH_PERSONALIZE] = "attach-personalize-policy",
	[STEP_S3_POLICY] = "s3-access-policy",
	[STEP_ATTACH_S3] = "attach-s3-access-policy",
	[STEP_ATTACH_CLOUDWATCH] = "attach-cloudwatch",
	[STEP_BUCKET] = "bucket-policy",
	[STEP_DETACH] = "detach-policy",
};

static const char *const planned_names[] = {
	[ST_NONE] = "", [ST_CREATE] = "create", [ST_UPDATE] = "update", [ST_UNCHANGED] = "unchanged",
	[ST_DELETE] = "delete", [ST_FAILED] = "failed",
};

static const char *const done_names[] = {
	[ST_NONE] = "", [ST_CREATE] = "created", [ST_UPDATE] = "updated", [ST_UNCHANGED] = "unchanged",
	[ST_DELETE] = "deleted", [ST_FAILED] = "failed",
};

static const char *status_name(const struct step *s)
{
	return s->done ? done_names[s->status] : planned_names[s->status];
}

PIAM_API void piam_plan_free(piam_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->n; i++)
		piam_free(plan->steps[i].resource);
	piam_free(plan->steps);
	piam_free(plan->role_arn);
	piam_free(plan);
}

PIAM_API size_t piam_plan_count(const piam_plan *plan)
{
	return plan ? plan->n : 0;
}

PIAM_API const char *piam_plan_step_name(const piam_plan *plan, size_t index)
{
	return plan && index < plan->n ? step_names[plan->steps[index].kind] : NULL;
}

PIAM_API const char *piam_plan_step_resource(const piam_plan *plan, size_t index)
{
	return plan && index < plan->n ? plan->steps[index].resource : NULL;
}

PIAM_API const char *piam_plan_step_status(const piam_plan *plan, size_t index)
{
	return plan && index < plan->n ? status_name(&plan->steps[index]) : NULL;
}

PIAM_API const char *piam_plan_role_arn(const piam_plan *plan)
{
	return plan && plan->role_arn ? plan->role_arn : "";
}

PIAM_API int piam_plan_failed_step(const piam_plan *plan)
{
	return plan ? plan->failed : -1;
}

/* An array of n strings and the array (either may be NULL). */
static void free_strings(piam_client *c, char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		piam__free(c, v[i]);
	piam__free(c, v);
}

static void run_free(struct run *r)
{
	piam_client *c = r->c;
	size_t i;

	piam__free(c, r->account);
	piam__free(c, r->role_arn);
	piam__free(c, r->trust_text);
	piam__free(c, r->policy_arn);
	piam__free(c, r->s3_text);
	if (r->trust_doc)
		json_decref(r->trust_doc);
	if (r->s3_doc)
		json_decref(r->s3_doc);
	piam__free(c, r->personalize_arn);
	piam__free(c, r->cloudwatch_arn);
	free_strings(c, r->attached, r->nattached);
	for (i = 0; i < r->nbuckets; i++) {
		piam__free(c, r->buckets[i].want);
		if (r->buckets[i].statement)
			json_decref(r->buckets[i].statement);
	}
	piam__free(c, r->buckets);
	piam_plan_free(r->plan);
}

static int add_step(struct run *r, enum step_kind kind, enum step_status status, size_t arg, const char *resource)
{
	struct step *s = &r->plan->steps[r->plan->n];

	s->kind = kind;
	s->planned = s->status = status;
	s->arg = arg;
	if (!(s->resource = piam__out_strndup(r->c, resource, strlen(resource))))
		return PIAM_ENOMEM;
	r->plan->n++;
	return PIAM_OK;
}

static int is_attached(const struct run *r, const char *arn)
{
	size_t i;

	for (i = 0; i < r->nattached; i++)
		if (strcmp(r->attached[i], arn) == 0)
			return 1;
	return 0;
}

static char *dupf(piam_client *c, const char *fmt, ...) PIAM__PRINTF(2, 3);

static char *dupf(piam_client *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = piam__malloc(c, (size_t)n + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static int to_text(piam_client *c, const json_t *doc, char **out)
{
	size_t len;

	return piam__policy_text(c, doc, 0, out, &len);
}

/* Send what `calls(r)` would send all at once, when the operations can; the same calls, made
 * next, take the replies. NULL forgets the replies nothing took. */
static void together(struct run *r, void (*calls)(void *arg))
{
	if (r->ops->send_together)
		(void)r->ops->send_together(r->c, r->ctx, calls, r);
}

/* The reads that need nothing first: the account (unless known), the role and the bucket policies. */
static void note_first_reads(void *arg)
{
	struct run *r = arg;
	char *a = NULL, *b = NULL, *t = NULL;
	size_t i;

	if (!r->account) {
		(void)r->ops->caller_account(r->c, r->ctx, &a);
		piam__free(r->c, a);
		a = NULL;
	}
	(void)r->ops->get_role(r->c, r->ctx, r->role, &a, &b, &t);
	piam__free(r->c, a);
	piam__free(r->c, b);
	piam__free(r->c, t);
	for (i = 0; i < r->nbuckets && !r->so->no_bucket_policy; i++) {
		a = NULL;
		(void)r->ops->get_bucket_policy(r->c, r->ctx, r->buckets[i].name, &a);
		piam__free(r->c, a);
	}
}

/* Once the role is known to exist and to be piam's: its attachments (for teardown, its inline
 * policies too) and the S3 policy. */
static void note_role_reads(void *arg)
{
	struct run *r = arg;
	char *a = NULL, *b = NULL, **v = NULL;
	size_t n = 0;

	(void)r->ops->list_attached(r->c, r->ctx, r->role, &v, &n);
	free_strings(r->c, v, n);
	if (r->mode == PIAM__SETUP_TEARDOWN)
		(void)r->ops->count_inline(r->c, r->ctx, r->role, &n);
	(void)r->ops->get_policy(r->c, r->ctx, r->policy_arn, &a, &b);
	piam__free(r->c, a);
	piam__free(r->c, b);
}

static int read_role(struct run *r)
{
	char *trust = NULL, *tag = NULL;
	int rc, same;

	rc = r->ops->get_role(r->c, r->ctx, r->role, &r->role_arn, &trust, &tag);
	if (rc == PIAM_ENOTFOUND)
		return PIAM_OK;
	if (rc)
		return rc;
	r->role_exists = 1;
	r->role_owned = tag && strcmp(tag, PIAM_OWNERSHIP_TAG_VALUE) == 0;
	if (!r->role_owned && (r->mode == PIAM__SETUP_TEARDOWN || !r->so->adopt)) {
		rc = piam__error(r->c, PIAM_ENOTOWNED,
				 "role %s exists and was not created by piam (no tag %s=%s); it was left untouched%s",
				 r->role, PIAM_OWNERSHIP_TAG_KEY, PIAM_OWNERSHIP_TAG_VALUE,
				 r->mode == PIAM__SETUP_TEARDOWN ? "" : " (adopt-existing takes it over)");
		goto out;
	}
	together(r, note_role_reads); /* only for a role piam may touch */
	if (r->mode != PIAM__SETUP_TEARDOWN &&
	    !(rc = piam__policy_compare(r->c, trust ? trust : "", trust ? strlen(trust) : 0, r->trust_doc, &same)))
		r->trust_same = same;
out:
	piam__free(r->c, trust);
	piam__free(r->c, tag);
	return rc;
}

static int read_attachments(struct run *r)
{
	if (!r->role_exists)
		return PIAM_OK;
	return r->ops->list_attached(r->c, r->ctx, r->role, &r->attached, &r->nattached);
}

/* DeleteRole would fail on inline policies, which piam never adds: refuse before changing anything. */
static int check_no_inline(struct run *r)
{
	size_t n = 0;
	int rc;

	if ((rc = r->ops->count_inline(r->c, r->ctx, r->role, &n)))
		return rc;
	if (n)
		return piam__error(r->c, PIAM_ECONFLICT,
				   "role %s has %zu inline policies that piam did not add; nothing was changed "
				   "(delete them, then run teardown again)",
				   r->role, n);
	return PIAM_OK;
}

static int read_policy(struct run *r)
{
	char *version = NULL, *tag = NULL, *doc = NULL;
	int rc, same = 0;

	rc = r->ops->get_policy(r->c, r->ctx, r->policy_arn, &version, &tag);
	if (rc == PIAM_ENOTFOUND) {
		piam__error_clear(r->c);
		return r->mode == PIAM__SETUP_TEARDOWN ? PIAM_OK : add_step(r, STEP_S3_POLICY, ST_CREATE, 0, r->policy_arn);
	}
	if (rc)
		return rc;
	r->policy_owned = tag && strcmp(tag, PIAM_OWNERSHIP_TAG_VALUE) == 0;
	if (r->mode == PIAM__SETUP_TEARDOWN) {
		rc = add_step(r, STEP_S3_POLICY, r->policy_owned ? ST_DELETE : ST_UNCHANGED, 0, r->policy_arn);
		goto out;
	}
	if (!r->policy_owned && !r->so->adopt) {
		rc = piam__error(r->c, PIAM_ENOTOWNED,
				 "policy %s exists and was not created by piam (no tag %s=%s); it was left untouched "
				 "(adopt-existing takes it over)",
				 r->policy_arn, PIAM_OWNERSHIP_TAG_KEY, PIAM_OWNERSHIP_TAG_VALUE);
		goto out;
	}
	if (!version) {
		rc = piam__error(r->c, PIAM_EPROTOCOL, "GetPolicy: no default version for %s", r->policy_arn);
		goto out;
	}
	rc = r->ops->get_version(r->c, r->ctx, r->policy_arn, version, &doc);
	if (!rc)
		rc = piam__policy_compare(r->c, doc ? doc : "", doc ? strlen(doc) : 0, r->s3_doc, &same);
	if (!rc)
		rc = add_step(r, STEP_S3_POLICY, same ? ST_UNCHANGED : ST_UPDATE, 0, r->policy_arn);
out:
	piam__free(r->c, version);
	piam__free(r->c, tag);
	piam__free(r->c, doc);
	return rc;
}

static int read_bucket(struct run *r, size_t i)
{
	struct bucket_state *b = &r->buckets[i];
	char *cur = NULL, *resource = NULL;
	json_t *merged = NULL;
	enum step_status st;
	int rc, change = PIAM_POLICY_UNCHANGED;

	rc = r->ops->get_bucket_policy(r->c, r->ctx, b->name, &cur);
	if (rc)
		return rc;
	/* a malformed existing policy stops everything here, before any write */
	rc = piam__policy_bucket_merge(r->c, cur, cur ? strlen(cur) : 0, b->statement, &merged, &change);
	if (rc)
		goto out;
	if (change == PIAM_POLICY_PUT && (rc = to_text(r->c, merged, &b->want)))
		goto out;
	if (change == PIAM_POLICY_UNCHANGED)
		st = ST_UNCHANGED;
	else if (r->mode == PIAM__SETUP_TEARDOWN)
		st = ST_DELETE;
	else
		st = cur ? ST_UPDATE : ST_CREATE;
	if (!(resource = dupf(r->c, "s3://%s", b->name)))
		rc = PIAM_ENOMEM;
	else
		rc = add_step(r, STEP_BUCKET, st, i, resource);
out:
	if (merged)
		json_decref(merged);
	piam__free(r->c, cur);
	piam__free(r->c, resource);
	return rc;
}

static int read_buckets(struct run *r)
{
	size_t i;
	int rc;

	if (r->so->no_bucket_policy)
		return PIAM_OK;
	for (i = 0; i < r->nbuckets; i++)
		if ((rc = read_bucket(r, i)))
			return rc;
	return PIAM_OK;
}

/* Everything the plan needs, read in the order a reader of the output expects the steps. */
static int read_state(struct run *r)
{
	char name_buf[PIAM__POLICY_NAME_MAX + 1];
	size_t max_steps;
	int rc;

	/* when the options name the account, nothing else is read before the credentials are checked to be its */
	if (!r->o->account)
		together(r, note_first_reads);
	if ((rc = r->ops->caller_account(r->c, r->ctx, &r->account)))
		return rc;
	if (r->o->account && strcmp(r->o->account, r->account) != 0)
		return piam__error(r->c, PIAM_EINVAL, "the options name account %s, but the credentials belong to %s",
				   r->o->account, r->account);
	if (r->o->account)
		together(r, note_first_reads);
	r->policy_arn = dupf(r->c, "arn:%s:iam::%s:policy%s%s", r->partition, r->account, r->o->path,
			     piam__options_policy_name(r->o, name_buf));
	r->personalize_arn = dupf(r->c, "arn:%s:iam::aws:policy/service-role/AmazonPersonalizeFullAccess",
				  r->partition);
	r->cloudwatch_arn = dupf(r->c, "arn:%s:iam::aws:policy/CloudWatchFullAccess", r->partition);
	if (!r->policy_arn || !r->personalize_arn || !r->cloudwatch_arn)
		return PIAM_ENOMEM;
	if (r->mode != PIAM__SETUP_TEARDOWN &&
	    ((rc = piam__policy_trust_doc(r->o, r->account, r->region, &r->trust_doc)) ||
	     (rc = to_text(r->c, r->trust_doc, &r->trust_text))))
		return rc;
	if ((rc = read_role(r)))
		return rc;
	if ((rc = read_attachments(r)))
		return rc;
	if (r->mode == PIAM__SETUP_TEARDOWN && r->role_exists && (rc = check_no_inline(r)))
		return rc;
	/* teardown: one detach per attachment; setup: at most role, trust, policy, three attachments */
	max_steps = 6 + r->nbuckets + r->nattached;
	if (!(r->plan->steps = piam__out_alloc(r->c, max_steps * sizeof(*r->plan->steps))))
		return PIAM_ENOMEM;
	memset(r->plan->steps, 0, max_steps * sizeof(*r->plan->steps));
	if (r->role_arn && !(r->plan->role_arn = piam__out_strndup(r->c, r->role_arn, strlen(r->role_arn))))
		return PIAM_ENOMEM;
	return PIAM_OK;
}

static int plan_setup(struct run *r)
{
	char *arn = NULL;
	int rc;

	if (!r->role_exists) {
		/* the ARN CreateRole will return; shown by plan, replaced by the real one on apply */
		arn = dupf(r->c, "arn:%s:iam::%s:role%s%s", r->partition, r->account, r->o->path, r->role);
		if (!arn)
			return PIAM_ENOMEM;
		if (!(r->plan->role_arn = piam__out_strndup(r->c, arn, strlen(arn))) ||
		    add_step(r, STEP_ROLE, ST_CREATE, 0, arn) || add_step(r, STEP_TRUST, ST_CREATE, 0, arn)) {
			piam__free(r->c, arn);
			return PIAM_ENOMEM;
		}
		piam__free(r->c, arn);
	} else {
		rc = add_step(r, STEP_ROLE, r->role_owned ? ST_UNCHANGED : ST_UPDATE, 0, r->role_arn);
		if (!rc)
			rc = add_step(r, STEP_TRUST, r->trust_same ? ST_UNCHANGED : ST_UPDATE, 0, r->role_arn);
		if (rc)
			return rc;
	}
	rc = add_step(r, STEP_ATTACH_PERSONALIZE, is_attached(r, r->personalize_arn) ? ST_UNCHANGED : ST_CREATE, 0,
		      r->personalize_arn);
	if (rc || (rc = read_policy(r)))
		return rc;
	rc = add_step(r, STEP_ATTACH_S3, is_attached(r, r->policy_arn) ? ST_UNCHANGED : ST_CREATE, 0, r->policy_arn);
	if (rc)
		return rc;
	if (r->so->cloudwatch) {
		rc = add_step(r, STEP_ATTACH_CLOUDWATCH, is_attached(r, r->cloudwatch_arn) ? ST_UNCHANGED : ST_CREATE, 0,
			      r->cloudwatch_arn);
		if (rc)
			return rc;
	}
	return read_buckets(r);
}

static int plan_teardown(struct run *r)
{
	size_t i;
	int rc;

	if ((rc = read_buckets(r)))
		return rc;
	if (r->role_exists)
		for (i = 0; i < r->nattached; i++)
			if ((rc = add_step(r, STEP_DETACH, ST_DELETE, i, r->attached[i])))
				return rc;
	if ((rc = read_policy(r)))
		return rc;
	return add_step(r, STEP_ROLE, r->role_exists ? ST_DELETE : ST_UNCHANGED, 0,
			r->role_arn ? r->role_arn : r->role);
}

static void progress(struct run *r, const char *step, const char *resource, const char *status)
{
	if (r->so->progress)
		r->so->progress(step, resource, status, r->so->progress_userdata);
}

/* IAM allows five versions: make room by deleting the oldest one that is not the default. */
static int make_room_for_version(struct run *r)
{
	struct piam__policy_version *v = NULL;
	size_t n = 0, i, oldest = (size_t)-1;
	int rc;

	if ((rc = r->ops->list_versions(r->c, r->ctx, r->policy_arn, &v, &n)))
		return rc;
	if (n >= 5) {
		for (i = 0; i < n; i++)
			if (!v[i].is_default &&
			    (oldest == (size_t)-1 || atol(v[i].id + 1) < atol(v[oldest].id + 1)))
				oldest = i;
		if (oldest != (size_t)-1)
			rc = r->ops->delete_version(r->c, r->ctx, r->policy_arn, v[oldest].id);
	}
	for (i = 0; i < n; i++)
		piam__free(r->c, v[i].id);
	piam__free(r->c, v);
	return rc;
}

static int set_role_arn(struct run *r, char *arn)
{
	char *copy = piam__out_strndup(r->c, arn, strlen(arn));

	if (!copy) {
		piam__free(r->c, arn);
		return PIAM_ENOMEM;
	}
	piam_free(r->plan->role_arn);
	r->plan->role_arn = copy;
	piam__free(r->c, r->role_arn);
	r->role_arn = arn;
	return PIAM_OK;
}

/*
 * A create that was retried after a lost reply (reset, timeout) can find what its own first
 * attempt made: EntityAlreadyExists. When the resource carries piam's tag, the create did
 * happen; anything else keeps the error. `arn` is the role's or policy's ARN, read back.
 */
static int created_by_lost_reply(struct run *r, enum step_kind kind, int rc, char **arn)
{
	char *tag = NULL, *other = NULL;
	int owned, rc2;

	*arn = NULL;
	if (rc != PIAM_EEXISTS || piam__setup_last_attempts(r->c) < 2)
		return rc;
	if (kind == STEP_ROLE) {
		rc2 = r->ops->get_role(r->c, r->ctx, r->role, arn, &other, &tag);
		owned = !rc2 && tag && strcmp(tag, PIAM_OWNERSHIP_TAG_VALUE) == 0;
		if (!owned) {
			piam__free(r->c, *arn);
			*arn = NULL;
		}
	} else {
		rc2 = r->ops->get_policy(r->c, r->ctx, r->policy_arn, &other, &tag);
		owned = !rc2 && tag && strcmp(tag, PIAM_OWNERSHIP_TAG_VALUE) == 0;
		if (owned && !(*arn = piam__strdup(r->c, r->policy_arn)))
			rc2 = PIAM_ENOMEM;
	}
	piam__free(r->c, tag);
	piam__free(r->c, other);
	if (rc2)
		return rc2;
	if (!owned)
		return piam__error(r->c, PIAM_EEXISTS, "%s was created meanwhile, not by piam",
				   kind == STEP_ROLE ? r->role : r->policy_arn);
	piam__log(r->c, PIAM_LOG_DEBUG, "setup: %s exists after a retried create: the first attempt made it",
		  kind == STEP_ROLE ? r->role : r->policy_arn);
	piam__error_clear(r->c);
	return PIAM_OK;
}

static int apply_step(struct run *r, struct step *s)
{
	const struct piam__setup_options *so = r->so;
	const char *keys[PIAM__SETUP_MAX_TAGS + 1], *values[PIAM__SETUP_MAX_TAGS + 1];
	char name_buf[PIAM__POLICY_NAME_MAX + 1];
	size_t ntags = 1, i;
	char *arn = NULL;
	int rc;

	/* what piam creates carries its ownership tag, then the caller's tags */
	keys[0] = PIAM_OWNERSHIP_TAG_KEY;
	values[0] = PIAM_OWNERSHIP_TAG_VALUE;
	for (i = 0; i < so->ntags; i++, ntags++) {
		keys[ntags] = so->tag_keys[i];
		values[ntags] = so->tag_values[i];
	}

	switch (s->kind) {
	case STEP_ROLE:
		if (r->mode == PIAM__SETUP_TEARDOWN)
			return r->ops->delete_role(r->c, r->ctx, r->role);
		if (s->planned == ST_UPDATE)
			return r->ops->tag_role(r->c, r->ctx, r->role, PIAM_OWNERSHIP_TAG_KEY, PIAM_OWNERSHIP_TAG_VALUE);
		rc = r->ops->create_role(r->c, r->ctx, r->role, r->o->path, r->o->description, r->trust_text, keys, values, ntags, &arn);
		if (rc && (rc = created_by_lost_reply(r, STEP_ROLE, rc, &arn)))
			return rc;
		return set_role_arn(r, arn);
	case STEP_TRUST:
		/* CreateRole set the trust policy of a new role */
		if (s->planned == ST_CREATE)
			return PIAM_OK;
		return r->ops->update_trust(r->c, r->ctx, r->role, r->trust_text);
	case STEP_S3_POLICY:
		if (s->planned == ST_DELETE) {
			struct piam__policy_version *v = NULL;
			size_t n = 0, k;

			/* IAM deletes the default version along with the policy but refuses (DeleteConflict)
			 * while others are left: list and delete them only then. A policy that never drifted
			 * has the one version, and its teardown a request less. */
			rc = r->ops->delete_policy(r->c, r->ctx, r->policy_arn);
			if (rc != PIAM_ECONFLICT || strcmp(piam_client_error_aws_code(r->c), "DeleteConflict") != 0)
				return rc;
			rc = r->ops->list_versions(r->c, r->ctx, r->policy_arn, &v, &n);
			for (k = 0; k < n; k++) {
				if (!rc && !v[k].is_default)
					rc = r->ops->delete_version(r->c, r->ctx, r->policy_arn, v[k].id);
				piam__free(r->c, v[k].id);
			}
			piam__free(r->c, v);
			return rc ? rc : r->ops->delete_policy(r->c, r->ctx, r->policy_arn);
		}
		if (s->planned == ST_UPDATE) {
			if ((rc = make_room_for_version(r)))
				return rc;
			return r->ops->create_version(r->c, r->ctx, r->policy_arn, r->s3_text);
		}
		rc = r->ops->create_policy(r->c, r->ctx, piam__options_policy_name(r->o, name_buf), r->o->path,
					   r->o->description, r->s3_text, keys, values, ntags,
					   &arn);
		if (rc && (rc = created_by_lost_reply(r, STEP_S3_POLICY, rc, &arn)))
			return rc;
		if (strcmp(arn, r->policy_arn) != 0)
			piam__log(r->c, PIAM_LOG_WARN, "CreatePolicy returned %s, expected %s", arn, r->policy_arn);
		piam__free(r->c, r->policy_arn);
		r->policy_arn = arn;
		return PIAM_OK;
	case STEP_ATTACH_PERSONALIZE:
		return r->ops->attach(r->c, r->ctx, r->role, r->personalize_arn);
	case STEP_ATTACH_S3:
		return r->ops->attach(r->c, r->ctx, r->role, r->policy_arn);
	case STEP_ATTACH_CLOUDWATCH:
		return r->ops->attach(r->c, r->ctx, r->role, r->cloudwatch_arn);
	case STEP_DETACH:
		return r->ops->detach(r->c, r->ctx, r->role, r->attached[s->arg]);
	case STEP_BUCKET:
		if (!r->buckets[s->arg].want)
			return r->ops->delete_bucket_policy(r->c, r->ctx, r->buckets[s->arg].name);
		return r->ops->put_bucket_policy(r->c, r->ctx, r->buckets[s->arg].name, r->buckets[s->arg].want);
	}
	return PIAM_EINVAL;
}

/* Rewrite the client's error so that it names the failed step and what was already done. */
static void explain_failure(struct run *r, size_t failed)
{
	piam_client *c = r->c;
	char code[PIAM__ERRCODE_MAX], reqid[PIAM__REQID_MAX], msg[PIAM__ERRMSG_MAX], done[PIAM__ERRMSG_MAX];
	const struct step *s = &r->plan->steps[failed];
	size_t i, len = 0;
	int n;

	memcpy(code, c->err_aws_code, sizeof(code));
	memcpy(reqid, c->err_request_id, sizeof(reqid));
	memcpy(msg, c->err_message, sizeof(msg));
	done[0] = '\0';
	for (i = 0; i < r->plan->n; i++) {
		const struct step *d = &r->plan->steps[i];

		/* steps sent together with the failed one, later in the plan, may have been done too */
		if (!d->done || d->status == ST_UNCHANGED || d->status == ST_FAILED)
			continue;
		n = snprintf(done + len, sizeof(done) - len, "%s%s %s", len ? ", " : "", step_names[d->kind],
			     done_names[d->status]);
		if (n < 0 || (size_t)n >= sizeof(done) - len)
			break;
		len += (size_t)n;
	}
	piam__error_aws(c, c->err_code ? c->err_code : PIAM_ESERVICE, c->err_http_status, code[0] ? code : NULL,
			reqid[0] ? reqid : NULL, "step %s (%s) failed: %s; already done: %s", step_names[s->kind],
			s->resource, msg, len ? done : "nothing");
}

/* The role's steps show the ARN CreateRole returned rather than the one the plan predicted. */
static int show_created_arn(struct run *r)
{
	size_t i;
	char *copy;

	for (i = 0; i < r->plan->n; i++) {
		struct step *s = &r->plan->steps[i];

		if (s->kind != STEP_ROLE && s->kind != STEP_TRUST)
			continue;
		if (!(copy = piam__out_strndup(r->c, r->role_arn, strlen(r->role_arn))))
			return PIAM_ENOMEM;
		piam_free(s->resource);
		s->resource = copy;
	}
	return PIAM_OK;
}

#define NEW_ENTITY_RETRIES 5

/* Whether step `s` attaches something this run has just created (the role, or the policy). */
static int created_now(const struct run *r, const struct step *s)
{
	size_t i;

	if (r->mode != PIAM__SETUP_APPLY ||
	    (s->kind != STEP_ATTACH_PERSONALIZE && s->kind != STEP_ATTACH_S3 && s->kind != STEP_ATTACH_CLOUDWATCH))
		return 0;
	for (i = 0; i < r->plan->n; i++) {
		const struct step *t = &r->plan->steps[i];

		if (t->planned == ST_CREATE && t->status != ST_FAILED && t->done &&
		    (t->kind == STEP_ROLE || (t->kind == STEP_S3_POLICY && s->kind == STEP_ATTACH_S3)))
			return 1;
	}
	return 0;
}

/*
 * Whether step `s` must wait until `t`, earlier in the plan, is done: an attachment needs the
 * role it attaches to, and piam's policy, when this run creates them; teardown deletes a policy
 * or the role once what it detaches is detached. Everything else is independent.
 */
static int waits_for(const struct run *r, const struct step *s, const struct step *t)
{
	if (r->mode == PIAM__SETUP_TEARDOWN)
		return t->kind == STEP_DETACH && (s->kind == STEP_S3_POLICY || s->kind == STEP_ROLE);
	/* taking over a role (adopt: TagRole) comes before anything else, so that a refusal changes nothing */
	if (t->kind == STEP_ROLE && t->planned == ST_UPDATE)
		return 1;
	if (t->planned != ST_CREATE)
		return 0;
	if (t->kind == STEP_ROLE)
		return s->kind != STEP_S3_POLICY && s->kind != STEP_BUCKET;
	return t->kind == STEP_S3_POLICY && s->kind == STEP_ATTACH_S3;
}

/* A round of steps that can go out together: those whose every step to wait for is done. */
struct wave {
	struct run *r;
	size_t *steps;
	size_t n;
};

static void pick_wave(struct run *r, struct wave *w)
{
	size_t i, j;

	w->n = 0;
	for (i = 0; i < r->plan->n; i++) {
		struct step *s = &r->plan->steps[i];

		if (s->done)
			continue;
		for (j = 0; j < i; j++)
			if (!r->plan->steps[j].done && waits_for(r, s, &r->plan->steps[j]))
				break;
		if (j == i)
			w->steps[w->n++] = i;
	}
}

/* Run the wave's steps only for the operations to note the requests they would send first. */
static void note_wave(void *arg)
{
	struct wave *w = arg;
	size_t i;

	for (i = 0; i < w->n; i++)
		(void)apply_step(w->r, &w->r->plan->steps[w->steps[i]]);
}

static int apply_one(struct run *r, struct step *s)
{
	int rc, tries;

	rc = apply_step(r, s);
	/* IAM is eventually consistent: an attachment right after CreateRole or CreatePolicy can
	 * still be told NoSuchEntity. Try again, a second apart, a few times (not once the run has
	 * failed: the rest of a wave only reports what its requests found). */
	for (tries = 0; rc == PIAM_ENOTFOUND && tries < NEW_ENTITY_RETRIES && r->plan->failed < 0 && created_now(r, s);
	     tries++) {
		piam__log(r->c, PIAM_LOG_DEBUG, "setup: %s: not visible yet, trying again in 1 s", step_names[s->kind]);
		piam__setup_sleep_ms(r->c, 1000);
		rc = apply_step(r, s);
	}
	if (!rc && s->kind == STEP_ROLE && s->planned == ST_CREATE)
		rc = show_created_arn(r);
	return rc;
}

/*
 * Apply the plan in waves: every step whose prerequisites are done goes out in the same round
 * (a fresh setup: the role, the S3 policy and the bucket policies, then the attachments). A
 * step that fails stops the run once the rest of its wave, already sent, is accounted for;
 * the error is the first failed step's, in plan order.
 */
static int apply(struct run *r)
{
	struct piam__http_error first;
	struct wave w;
	size_t i, k;
	int rc = PIAM_OK;

	for (i = 0; i < r->plan->n; i++)
		if (r->plan->steps[i].planned == ST_UNCHANGED)
			r->plan->steps[i].done = 1;
	w.r = r;
	if (!(w.steps = piam__calloc(r->c, r->plan->n ? r->plan->n : 1, sizeof(*w.steps))))
		return PIAM_ENOMEM;
	for (pick_wave(r, &w); w.n && r->plan->failed < 0; pick_wave(r, &w)) {
		int sent = 0, announced = w.n > 1 && r->ops->send_together;

		if (announced) {
			for (k = 0; k < w.n; k++) {
				struct step *s = &r->plan->steps[w.steps[k]];

				progress(r, step_names[s->kind], s->resource, planned_names[s->planned]);
			}
			sent = r->ops->send_together(r->c, r->ctx, note_wave, &w);
		}
		/* what was not sent together goes one step at a time, and the first failure stops it */
		for (k = 0; k < w.n && (sent || r->plan->failed < 0); k++) {
			struct step *s = &r->plan->steps[w.steps[k]];
			int src;

			if (!announced)
				progress(r, step_names[s->kind], s->resource, planned_names[s->planned]);
			s->done = 1;
			if ((src = apply_one(r, s))) {
				s->status = ST_FAILED;
				if (r->plan->failed < 0) {
					r->plan->failed = (int)w.steps[k];
					rc = src;
					piam__http_error_save(r->c, &first);
				}
			}
			progress(r, step_names[s->kind], s->resource, done_names[s->status]);
		}
		if (sent)
			together(r, NULL); /* every reply of the round was taken; none may answer a later request */
	}
	piam__free(r->c, w.steps);
	if (r->plan->failed >= 0) {
		piam__http_error_restore(r->c, &first);
		explain_failure(r, (size_t)r->plan->failed);
	}
	return rc;
}

/* IAM is eventually consistent: poll until the new role reads back, for at most wait_seconds. */
static int wait_for_role(struct run *r)
{
	char *arn = NULL, *trust = NULL, *tag = NULL;
	int attempt, rc = PIAM_ENOTFOUND;

	for (attempt = 0; attempt < r->so->wait_seconds; attempt++) {
		progress(r, "wait-role", r->role_arn, "waiting");
		rc = r->ops->get_role(r->c, r->ctx, r->role, &arn, &trust, &tag);
		piam__free(r->c, arn);
		piam__free(r->c, trust);
		piam__free(r->c, tag);
		arn = trust = tag = NULL;
		if (rc != PIAM_ENOTFOUND)
			break;
		r->ops->sleep_ms(r->c, r->ctx, 1000);
	}
	if (rc == PIAM_ENOTFOUND) {
		progress(r, "wait-role", r->role_arn, "timeout");
		return piam__error(r->c, PIAM_ETIMEOUT, "role %s did not become visible within %d s", r->role,
				   r->so->wait_seconds);
	}
	if (!rc)
		progress(r, "wait-role", r->role_arn, "visible");
	return rc;
}

static int has_bucket(const struct run *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nbuckets; i++)
		if (strcmp(r->buckets[i].name, name) == 0)
			return 1;
	return 0;
}

static int add_bucket(struct run *r, const char *name)
{
	struct bucket_state *b;

	if (has_bucket(r, name))
		return PIAM_OK;
	b = &r->buckets[r->nbuckets++];
	b->name = name;
	if (r->mode == PIAM__SETUP_TEARDOWN || r->so->no_bucket_policy)
		return PIAM_OK;
	return piam__policy_bucket_statement(r->o, r->region, name, &b->statement);
}

/* Everything that can be checked without AWS is checked here, so bad input sends no request. */
static int prepare(struct run *r)
{
	const piam_options *o = r->o;
	size_t i;
	int rc;

	r->region = o->region ? o->region : piam__config_region(r->c);
	if (!r->region)
		return piam__error(r->c, PIAM_EINVAL, "no region: set one on the client or the options (the piam command: --region or AWS_REGION)");
	r->partition = piam__partition(r->region);
	if (r->mode != PIAM__SETUP_TEARDOWN) {
		if ((rc = piam__policy_s3_access_doc(o, r->region, &r->s3_doc)) ||
		    (rc = to_text(r->c, r->s3_doc, &r->s3_text)))
			return rc;
	}
	if (o->n_input + o->n_output &&
	    !(r->buckets = piam__calloc(r->c, o->n_input + o->n_output, sizeof(*r->buckets))))
		return PIAM_ENOMEM;
	/* a bucket that is both input and output gets one statement, with the output's actions */
	for (i = 0; i < o->n_input; i++)
		if ((rc = add_bucket(r, o->input_buckets[i])))
			return rc;
	for (i = 0; i < o->n_output; i++)
		if ((rc = add_bucket(r, o->output_buckets[i])))
			return rc;
	return PIAM_OK;
}

static int role_was_created(const struct run *r)
{
	size_t i;

	for (i = 0; i < r->plan->n; i++)
		if (r->plan->steps[i].kind == STEP_ROLE && r->plan->steps[i].planned == ST_CREATE)
			return 1;
	return 0;
}

int piam__setup_run(piam_plan **out, piam_client *c, const piam_options *o, enum piam__setup_mode mode,
		    const struct piam__setup_ops *ops, void *ctx)
{
	struct run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.o = o;
	r.ops = ops;
	r.ctx = ctx;
	r.mode = mode;
	r.so = piam__setup_options_get(o);
	r.role = o->role_name;
	if (o->client != c)
		return piam__error(c, PIAM_EINVAL, "the options were created with another client");
	if ((rc = prepare(&r)))
		goto out;
	if (!(r.plan = piam__out_alloc(c, sizeof(*r.plan)))) {
		rc = PIAM_ENOMEM;
		goto out;
	}
	memset(r.plan, 0, sizeof(*r.plan));
	r.plan->failed = -1;
	if ((rc = read_state(&r)))
		goto out;
	rc = mode == PIAM__SETUP_TEARDOWN ? plan_teardown(&r) : plan_setup(&r);
	together(&r, NULL); /* the reads are over; no write may take an old reply */
	if (rc)
		goto out;
	if (mode == PIAM__SETUP_PLAN) {
		*out = r.plan;
		r.plan = NULL;
		goto out;
	}
	rc = apply(&r);
	if (!rc && mode == PIAM__SETUP_APPLY && r.so->wait_seconds > 0 && role_was_created(&r))
		rc = wait_for_role(&r);
	*out = r.plan;
	r.plan = NULL;
out:
	if (r.ops)
		together(&r, NULL);
	run_free(&r);
	if (!rc)
		piam__error_clear(c);
	return rc;
}

PIAM_API int piam_setup_plan(piam_plan **out, piam_client *client, const piam_options *options)
{
	if (out)
		*out = NULL;
	if (!out || !client || !options)
		return client ? piam__error(client, PIAM_EINVAL, "piam_setup_plan: NULL argument") : PIAM_EINVAL;
	return piam__setup_run(out, client, options, PIAM__SETUP_PLAN, &piam__setup_aws_ops, NULL);
}

PIAM_API int piam_setup_apply(piam_plan **out, piam_client *client, const piam_options *options)
{
	if (out)
		*out = NULL;
	if (!out || !client || !options)
		return client ? piam__error(client, PIAM_EINVAL, "piam_setup_apply: NULL argument") : PIAM_EINVAL;
	return piam__setup_run(out, client, options, PIAM__SETUP_APPLY, &piam__setup_aws_ops, NULL);
}

PIAM_API int piam_setup_teardown(piam_plan **out, piam_client *client, const piam_options *options)
{
	if (out)
		*out = NULL;
	if (!out || !client || !options)
		return client ? piam__error(client, PIAM_EINVAL, "piam_setup_teardown: NULL argument") : PIAM_EINVAL;
	return piam__setup_run(out, client, options, PIAM__SETUP_TEARDOWN, &piam__setup_aws_ops, NULL);
}
