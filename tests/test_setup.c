/*
 * Plan, apply and teardown against an in-memory account: the statuses each step reports, the
 * requests a run costs, drift repair, ownership, failures in the middle, and allocation failures.
 * (tests/integration/test_setup.py runs the same job against moto_server.)
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "setup.h"
#include "testalloc.h"

CHECK_MAIN;

#define ACCOUNT "123456789012"
#define MAX_ATTACHED 8
#define MAX_VERSIONS 8
#define MAX_BUCKETS 4

struct fake {
	int role_exists;
	char role_arn[128];
	char *trust;
	char role_tag[16]; /* value of piam:managed, "" if none */
	int inline_policies;
	char *attached[MAX_ATTACHED];
	size_t nattached;

	int policy_exists;
	char policy_arn[128];
	int policy_owned;
	struct {
		int id;
		char *doc;
	} versions[MAX_VERSIONS];
	size_t nversions;
	int default_version;
	int next_version;

	struct {
		const char *name;
		char *policy;
	} buckets[MAX_BUCKETS];
	size_t nbuckets;

	int reads, writes;
	const char *fail; /* the action to fail with AccessDenied */
	char log[1024];   /* the writes, in order */
	int noting;       /* inside send_together: requests are noted in `together`, not made */
	char together[1024];
};

static struct fake *F(void *ctx)
{
	return ctx;
}

static char *dup_or_null(const char *s)
{
	return s ? strcpy(malloc(strlen(s) + 1), s) : NULL;
}

/* Count the request; fail it when the test asks. */
static int request(piam_client *c, struct fake *f, const char *action, int write)
{
	if (f->noting) {
		strcat(f->together, action);
		strcat(f->together, " ");
		return 1; /* as the real operations return PIAM__NOTED: at once, changing nothing */
	}
	if (write) {
		f->writes++;
		strcat(f->log, action);
		strcat(f->log, " ");
	} else {
		f->reads++;
	}
	if (f->fail && strcmp(f->fail, action) == 0)
		return piam__error_aws(c, PIAM_EACCESS, 403, "AccessDenied", "req-1", "%s: AccessDenied (HTTP 403): no",
				       action);
	return PIAM_OK;
}

static int out_str(piam_client *c, const char *s, char **out)
{
	return (*out = piam__strdup(c, s)) ? PIAM_OK : PIAM_ENOMEM;
}

static int not_found(piam_client *c, const char *action)
{
	return piam__error_aws(c, PIAM_ENOTFOUND, 404, "NoSuchEntity", NULL, "%s: NoSuchEntity", action);
}

static int f_account(piam_client *c, void *ctx, char **account)
{
	int rc = request(c, F(ctx), "GetCallerIdentity", 0);

	return rc ? rc : out_str(c, ACCOUNT, account);
}

static int f_get_role(piam_client *c, void *ctx, const char *name, char **arn, char **trust, char **tag)
{
	struct fake *f = ctx;
	int rc = request(c, f, "GetRole", 0);

	(void)name;
	*arn = *trust = *tag = NULL;
	if (rc)
		return rc;
	if (!f->role_exists)
		return not_found(c, "GetRole");
	if ((rc = out_str(c, f->role_arn, arn)) || (rc = out_str(c, f->trust, trust)) ||
	    (f->role_tag[0] && (rc = out_str(c, f->role_tag, tag)))) {
		piam__free(c, *arn);
		piam__free(c, *trust);
		*arn = *trust = NULL;
	}
	return rc;
}

static int f_create_role(piam_client *c, void *ctx, const char *name, const char *path, const char *description,
			 const char *trust, const char *const *keys, const char *const *values, size_t ntags,
			 char **arn)
{
	struct fake *f = ctx;
	int rc = request(c, f, "CreateRole", 1);

	(void)description;
	if (rc)
		return rc;
	CHECK(ntags >= 1 && strcmp(keys[0], PIAM_OWNERSHIP_TAG_KEY) == 0 && strcmp(values[0], "true") == 0);
	f->role_exists = 1;
	snprintf(f->role_arn, sizeof(f->role_arn), "arn:aws:iam::" ACCOUNT ":role%s%s", path, name);
	free(f->trust);
	f->trust = dup_or_null(trust);
	strcpy(f->role_tag, "true");
	return out_str(c, f->role_arn, arn);
}

static int f_tag_role(piam_client *c, void *ctx, const char *name, const char *key, const char *value)
{
	struct fake *f = ctx;
	int rc = request(c, f, "TagRole", 1);

	(void)name;
	if (!rc && strcmp(key, PIAM_OWNERSHIP_TAG_KEY) == 0)
		snprintf(f->role_tag, sizeof(f->role_tag), "%s", value);
	return rc;
}

static int f_update_trust(piam_client *c, void *ctx, const char *name, const char *trust)
{
	struct fake *f = ctx;
	int rc = request(c, f, "UpdateAssumeRolePolicy", 1);

	(void)name;
	if (!rc) {
		free(f->trust);
		f->trust = dup_or_null(trust);
	}
	return rc;
}

static int f_delete_role(piam_client *c, void *ctx, const char *name)
{
	struct fake *f = ctx;
	int rc = request(c, f, "DeleteRole", 1);

	(void)name;
	if (rc)
		return rc;
	if (f->nattached)
		return piam__error_aws(c, PIAM_ECONFLICT, 409, "DeleteConflict", NULL, "DeleteRole: DeleteConflict");
	f->role_exists = 0;
	f->role_tag[0] = '\0';
	free(f->trust);
	f->trust = NULL;
	return PIAM_OK;
}

static int f_count_inline(piam_client *c, void *ctx, const char *role, size_t *n)
{
	struct fake *f = ctx;

	(void)role;
	*n = (size_t)f->inline_policies;
	return request(c, f, "ListRolePolicies", 0);
}

static int f_list_attached(piam_client *c, void *ctx, const char *role, char ***arns, size_t *n)
{
	struct fake *f = ctx;
	size_t i;
	int rc = request(c, f, "ListAttachedRolePolicies", 0);

	(void)role;
	*arns = NULL;
	*n = 0;
	if (rc || !f->nattached)
		return rc;
	if (!(*arns = piam__calloc(c, f->nattached, sizeof(**arns))))
		return PIAM_ENOMEM;
	for (i = 0; i < f->nattached; i++) {
		if (!((*arns)[i] = piam__strdup(c, f->attached[i]))) {
			while (i--)
				piam__free(c, (*arns)[i]);
			piam__free(c, *arns);
			*arns = NULL;
			return PIAM_ENOMEM;
		}
	}
	*n = f->nattached;
	return PIAM_OK;
}

static int f_attach(piam_client *c, void *ctx, const char *role, const char *arn)
{
	struct fake *f = ctx;
	int rc = request(c, f, "AttachRolePolicy", 1);

	(void)role;
	if (!rc)
		f->attached[f->nattached++] = dup_or_null(arn);
	return rc;
}

static int f_detach(piam_client *c, void *ctx, const char *role, const char *arn)
{
	struct fake *f = ctx;
	size_t i;
	int rc = request(c, f, "DetachRolePolicy", 1);

	(void)role;
	if (rc)
		return rc;
	for (i = 0; i < f->nattached; i++)
		if (strcmp(f->attached[i], arn) == 0) {
			free(f->attached[i]);
			f->attached[i] = f->attached[--f->nattached];
			return PIAM_OK;
		}
	return not_found(c, "DetachRolePolicy");
}

static int f_get_policy(piam_client *c, void *ctx, const char *arn, char **version, char **tag)
{
	struct fake *f = ctx;
	char v[16];
	int rc = request(c, f, "GetPolicy", 0);

	*version = *tag = NULL;
	if (rc)
		return rc;
	if (!f->policy_exists || strcmp(arn, f->policy_arn) != 0)
		return not_found(c, "GetPolicy");
	snprintf(v, sizeof(v), "v%d", f->default_version);
	if ((rc = out_str(c, v, version)))
		return rc;
	if (f->policy_owned && (rc = out_str(c, "true", tag))) {
		piam__free(c, *version);
		*version = NULL;
	}
	return rc;
}

static int f_list_versions(piam_client *c, void *ctx, const char *arn, struct piam__policy_version **out, size_t *n)
{
	struct fake *f = ctx;
	char v[16];
	size_t i;
	int rc = request(c, f, "ListPolicyVersions", 0);

	(void)arn;
	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	if (!(*out = piam__calloc(c, f->nversions, sizeof(**out))))
		return PIAM_ENOMEM;
	for (i = 0; i < f->nversions; i++) {
		snprintf(v, sizeof(v), "v%d", f->versions[i].id);
		if (!((*out)[i].id = piam__strdup(c, v))) {
			while (i--)
				piam__free(c, (*out)[i].id);
			piam__free(c, *out);
			*out = NULL;
			return PIAM_ENOMEM;
		}
		(*out)[i].is_default = f->versions[i].id == f->default_version;
	}
	*n = f->nversions;
	return PIAM_OK;
}

static int f_get_version(piam_client *c, void *ctx, const char *arn, const char *version, char **doc)
{
	struct fake *f = ctx;
	size_t i;
	int rc = request(c, f, "GetPolicyVersion", 0);

	(void)arn;
	if (rc)
		return rc;
	for (i = 0; i < f->nversions; i++)
		if (f->versions[i].id == atoi(version + 1))
			return out_str(c, f->versions[i].doc, doc);
	return not_found(c, "GetPolicyVersion");
}

static void add_version(struct fake *f, const char *doc)
{
	f->versions[f->nversions].id = ++f->next_version;
	f->versions[f->nversions].doc = dup_or_null(doc);
	f->default_version = f->next_version;
	f->nversions++;
}

static int f_create_policy(piam_client *c, void *ctx, const char *name, const char *path, const char *description,
			   const char *doc, const char *const *keys, const char *const *values, size_t ntags, char **arn)
{
	struct fake *f = ctx;
	int rc = request(c, f, "CreatePolicy", 1);

	(void)description;
	(void)values;
	if (rc)
		return rc;
	CHECK(ntags >= 1 && strcmp(keys[0], PIAM_OWNERSHIP_TAG_KEY) == 0);
	f->policy_exists = 1;
	f->policy_owned = 1;
	snprintf(f->policy_arn, sizeof(f->policy_arn), "arn:aws:iam::" ACCOUNT ":policy%s%s", path, name);
	add_version(f, doc);
	return out_str(c, f->policy_arn, arn);
}

static int f_create_version(piam_client *c, void *ctx, const char *arn, const char *doc)
{
	struct fake *f = ctx;
	int rc = request(c, f, "CreatePolicyVersion", 1);

	(void)arn;
	if (rc)
		return rc;
	if (f->nversions >= 5)
		return piam__error_aws(c, PIAM_ELIMIT, 409, "LimitExceeded", NULL, "CreatePolicyVersion: LimitExceeded");
	add_version(f, doc);
	return PIAM_OK;
}

static int f_delete_version(piam_client *c, void *ctx, const char *arn, const char *version)
{
	struct fake *f = ctx;
	size_t i;
	int rc = request(c, f, "DeletePolicyVersion", 1);

	(void)arn;
	if (rc)
		return rc;
	for (i = 0; i < f->nversions; i++)
		if (f->versions[i].id == atoi(version + 1)) {
			CHECK(f->versions[i].id != f->default_version);
			free(f->versions[i].doc);
			memmove(&f->versions[i], &f->versions[i + 1], (f->nversions - i - 1) * sizeof(f->versions[0]));
			f->nversions--;
			return PIAM_OK;
		}
	return not_found(c, "DeletePolicyVersion");
}

static int f_delete_policy(piam_client *c, void *ctx, const char *arn)
{
	struct fake *f = ctx;
	int rc = request(c, f, "DeletePolicy", 1);

	(void)arn;
	if (rc)
		return rc;
	if (f->nversions > 1) /* as IAM: the default version goes with the policy, no other may be left */
		return piam__error_aws(c, PIAM_ECONFLICT, 409, "DeleteConflict", NULL,
				       "DeletePolicy: DeleteConflict (HTTP 409): the policy has non-default versions");
	while (f->nversions)
		free(f->versions[--f->nversions].doc);
	f->policy_exists = 0;
	return PIAM_OK;
}

static size_t bucket_index(struct fake *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nbuckets; i++)
		if (strcmp(f->buckets[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

static int f_get_bucket_policy(piam_client *c, void *ctx, const char *bucket, char **doc)
{
	struct fake *f = ctx;
	size_t i = bucket_index(f, bucket);
	int rc = request(c, f, "GetBucketPolicy", 0);

	*doc = NULL;
	if (rc)
		return rc;
	if (i == (size_t)-1)
		return piam__error_aws(c, PIAM_ENOTFOUND, 404, "NoSuchBucket", NULL, "GetBucketPolicy: NoSuchBucket");
	return f->buckets[i].policy ? out_str(c, f->buckets[i].policy, doc) : PIAM_OK;
}

static int f_put_bucket_policy(piam_client *c, void *ctx, const char *bucket, const char *doc)
{
	struct fake *f = ctx;
	size_t i = bucket_index(f, bucket);
	int rc = request(c, f, "PutBucketPolicy", 1);

	if (!rc) {
		free(f->buckets[i].policy);
		f->buckets[i].policy = dup_or_null(doc);
	}
	return rc;
}

static int f_delete_bucket_policy(piam_client *c, void *ctx, const char *bucket)
{
	struct fake *f = ctx;
	size_t i = bucket_index(f, bucket);
	int rc = request(c, f, "DeleteBucketPolicy", 1);

	if (!rc) {
		free(f->buckets[i].policy);
		f->buckets[i].policy = NULL;
	}
	return rc;
}

static int slept_ms;

static void f_sleep(piam_client *c, void *ctx, long ms)
{
	(void)c;
	(void)ctx;
	slept_ms += (int)ms;
}

static const struct piam__setup_ops fake_ops = {
	.caller_account = f_account,
	.get_role = f_get_role,
	.create_role = f_create_role,
	.tag_role = f_tag_role,
	.update_trust = f_update_trust,
	.delete_role = f_delete_role,
	.count_inline = f_count_inline,
	.list_attached = f_list_attached,
	.attach = f_attach,
	.detach = f_detach,
	.get_policy = f_get_policy,
	.list_versions = f_list_versions,
	.get_version = f_get_version,
	.create_policy = f_create_policy,
	.create_version = f_create_version,
	.delete_version = f_delete_version,
	.delete_policy = f_delete_policy,
	.get_bucket_policy = f_get_bucket_policy,
	.put_bucket_policy = f_put_bucket_policy,
	.delete_bucket_policy = f_delete_bucket_policy,
	.sleep_ms = f_sleep,
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->buckets[0].name = "training-data";
	f->buckets[1].name = "exports";
	f->nbuckets = 2;
}

static void fake_free(struct fake *f)
{
	size_t i;

	free(f->trust);
	for (i = 0; i < f->nattached; i++)
		free(f->attached[i]);
	for (i = 0; i < f->nversions; i++)
		free(f->versions[i].doc);
	for (i = 0; i < f->nbuckets; i++)
		free(f->buckets[i].policy);
}

static void reset_counts(struct fake *f)
{
	f->reads = f->writes = 0;
	f->log[0] = '\0';
}

struct env {
	piam_client *c;
	piam_options *o;
	struct fake f;
};

static void env_init(struct env *e)
{
	fake_init(&e->f);
	CHECK_INT(piam_client_new(&e->c, NULL), PIAM_OK);
	CHECK_INT(piam_client_set_region(e->c, "eu-west-1"), PIAM_OK);
	CHECK_INT(piam_options_new(&e->o, e->c), PIAM_OK);
	CHECK_INT(piam_options_set_role_name(e->o, "PersonalizeRole"), PIAM_OK);
	CHECK_INT(piam_options_add_input_bucket(e->o, "training-data"), PIAM_OK);
	CHECK_INT(piam_options_add_output_bucket(e->o, "exports"), PIAM_OK);
}

static void env_free(struct env *e)
{
	piam_options_free(e->o);
	piam_client_free(e->c);
	fake_free(&e->f);
}

static int run(struct env *e, enum piam__setup_mode mode, piam_plan **plan)
{
	*plan = NULL;
	reset_counts(&e->f);
	return piam__setup_run(plan, e->c, e->o, mode, &fake_ops, &e->f);
}

/* The plan's steps as "name=status name=status ...". */
static const char *steps(const piam_plan *p)
{
	static char buf[512];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < piam_plan_count(p); i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, piam_plan_step_name(p, i));
		strcat(buf, "=");
		strcat(buf, piam_plan_step_status(p, i));
	}
	return buf;
}

static void test_fresh_then_converged(void)
{
	struct env e;
	piam_plan *p;

	env_init(&e);
	CHECK_INT(run(&e, PIAM__SETUP_PLAN, &p), PIAM_OK);
	CHECK_STR(steps(p), "role=create trust-policy=create attach-personalize-policy=create s3-access-policy=create "
			    "attach-s3-access-policy=create bucket-policy=create bucket-policy=create");
	CHECK_STR(piam_plan_role_arn(p), "arn:aws:iam::" ACCOUNT ":role/PersonalizeRole");
	CHECK_STR(piam_plan_step_resource(p, 2), "arn:aws:iam::aws:policy/service-role/AmazonPersonalizeFullAccess");
	CHECK_STR(piam_plan_step_resource(p, 3), "arn:aws:iam::" ACCOUNT ":policy/PersonalizeRole-S3Access");
	CHECK_STR(piam_plan_step_resource(p, 5), "s3://training-data");
	CHECK_STR(piam_plan_step_resource(p, 6), "s3://exports");
	CHECK_INT(piam_plan_failed_step(p), -1);
	CHECK_INT(e.f.writes, 0);
	/* GetCallerIdentity, GetRole, GetPolicy, GetBucketPolicy x2 */
	CHECK_INT(e.f.reads, 5);
	piam_plan_free(p);

	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_STR(steps(p), "role=created trust-policy=created attach-personalize-policy=created s3-access-policy=created "
			    "attach-s3-access-policy=created bucket-policy=created bucket-policy=created");
	/* in waves: what needs nothing else first, then the attachments, which need the role or the policy */
	CHECK_STR(e.f.log, "CreateRole CreatePolicy PutBucketPolicy PutBucketPolicy AttachRolePolicy AttachRolePolicy ");
	CHECK(e.f.nattached == 2 && strcmp(e.f.attached[0], "arn:aws:iam::aws:policy/service-role/AmazonPersonalizeFullAccess") == 0);
	CHECK_STR(piam_plan_role_arn(p), "arn:aws:iam::" ACCOUNT ":role/PersonalizeRole");
	CHECK_STR(piam_client_error_message(e.c), "");
	CHECK(e.f.trust && strstr(e.f.trust, "personalize.amazonaws.com") && strstr(e.f.trust, ACCOUNT));
	CHECK(e.f.buckets[1].policy && strstr(e.f.buckets[1].policy, "s3:PutObject"));
	CHECK(e.f.buckets[0].policy && !strstr(e.f.buckets[0].policy, "s3:PutObject"));
	piam_plan_free(p);

	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_STR(steps(p), "role=unchanged trust-policy=unchanged attach-personalize-policy=unchanged "
			    "s3-access-policy=unchanged attach-s3-access-policy=unchanged bucket-policy=unchanged "
			    "bucket-policy=unchanged");
	CHECK_INT(e.f.writes, 0);
	/* GetCallerIdentity, GetRole (with its tags), ListAttachedRolePolicies, GetPolicy, GetPolicyVersion,
	 * GetBucketPolicy x2 */
	CHECK_INT(e.f.reads, 7);
	piam_plan_free(p);
	env_free(&e);
}

static void test_drift_repair(void)
{
	struct env e;
	piam_plan *p;

	env_init(&e);
	CHECK_INT(piam_options_set_cloudwatch(e.o, 1), PIAM_OK);
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_STR(e.f.log, "CreateRole CreatePolicy PutBucketPolicy PutBucketPolicy AttachRolePolicy AttachRolePolicy "
			   "AttachRolePolicy ");
	piam_plan_free(p);

	/* someone edits the trust, detaches the CloudWatch policy and edits the S3 policy, four times */
	free(e.f.trust);
	e.f.trust = dup_or_null("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
				"\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}");
	free(e.f.attached[2]);
	e.f.nattached = 2;
	add_version(&e.f, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
			  "\"Resource\":\"*\"}]}");
	add_version(&e.f, e.f.versions[1].doc);
	add_version(&e.f, e.f.versions[1].doc);
	add_version(&e.f, e.f.versions[1].doc);
	CHECK_INT(e.f.nversions, 5);

	CHECK_INT(run(&e, PIAM__SETUP_PLAN, &p), PIAM_OK);
	CHECK_STR(steps(p), "role=unchanged trust-policy=update attach-personalize-policy=unchanged s3-access-policy=update "
			    "attach-s3-access-policy=unchanged attach-cloudwatch=create bucket-policy=unchanged "
			    "bucket-policy=unchanged");
	CHECK_STR(piam_plan_step_resource(p, 5), "arn:aws:iam::aws:policy/CloudWatchFullAccess");
	CHECK_INT(e.f.writes, 0);
	piam_plan_free(p);

	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_STR(steps(p), "role=unchanged trust-policy=updated attach-personalize-policy=unchanged "
			    "s3-access-policy=updated attach-s3-access-policy=unchanged attach-cloudwatch=created "
			    "bucket-policy=unchanged bucket-policy=unchanged");
	/* v1 is the oldest non-default version: it makes room for the sixth */
	CHECK_STR(e.f.log, "UpdateAssumeRolePolicy DeletePolicyVersion CreatePolicyVersion AttachRolePolicy ");
	CHECK_INT(e.f.nversions, 5);
	CHECK_INT(e.f.versions[0].id, 2);
	CHECK_INT(e.f.default_version, 6);
	CHECK(strstr(e.f.trust, "personalize.amazonaws.com") != NULL);
	piam_plan_free(p);

	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_INT(e.f.writes, 0);
	piam_plan_free(p);

	/* five versions: DeletePolicy is refused until the four non-default ones are gone */
	CHECK_INT(run(&e, PIAM__SETUP_TEARDOWN, &p), PIAM_OK);
	CHECK_STR(e.f.log, "DeleteBucketPolicy DeleteBucketPolicy DetachRolePolicy DetachRolePolicy DetachRolePolicy "
			   "DeletePolicy DeletePolicyVersion DeletePolicyVersion DeletePolicyVersion DeletePolicyVersion "
			   "DeletePolicy DeleteRole ");
	CHECK(!e.f.policy_exists && !e.f.role_exists);
	CHECK_STR(piam_client_error_message(e.c), "");
	piam_plan_free(p);
	env_free(&e);
}

static const char foreign_trust[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
				    "\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";

/* An account where a role of piam's name exists, made by someone else (no tag, EC2's trust). */
static void env_init_foreign_role(struct env *e)
{
	env_init(e);
	e->f.role_exists = 1;
	strcpy(e->f.role_arn, "arn:aws:iam::" ACCOUNT ":role/PersonalizeRole");
	e->f.trust = dup_or_null(foreign_trust);
}

static void test_foreign_role(void)
{
	struct env e;
	piam_plan *p;

	env_init_foreign_role(&e);

	CHECK_INT(run(&e, PIAM__SETUP_PLAN, &p), PIAM_ENOTOWNED);
	CHECK(p == NULL);
	CHECK(strstr(piam_client_error_message(e.c), "not created by piam") != NULL);
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_ENOTOWNED);
	CHECK(p == NULL);
	CHECK_INT(e.f.writes, 0);
	CHECK_INT(run(&e, PIAM__SETUP_TEARDOWN, &p), PIAM_ENOTOWNED);
	CHECK(p == NULL);
	CHECK_INT(e.f.writes, 0);
	CHECK_STR(e.f.trust, foreign_trust);

	CHECK_INT(piam_options_set_adopt_existing(e.o, 1), PIAM_OK);
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_STR(steps(p), "role=updated trust-policy=updated attach-personalize-policy=created s3-access-policy=created "
			    "attach-s3-access-policy=created bucket-policy=created bucket-policy=created");
	CHECK_STR(e.f.role_tag, "true");
	piam_plan_free(p);
	env_free(&e);
}

static void test_foreign_policy_and_inline(void)
{
	struct env e;
	piam_plan *p;

	env_init(&e);
	e.f.policy_exists = 1;
	strcpy(e.f.policy_arn, "arn:aws:iam::" ACCOUNT ":policy/PersonalizeRole-S3Access");
	add_version(&e.f, "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_ENOTOWNED);
	CHECK_INT(e.f.writes, 0);
	CHECK(p == NULL);

	/* adopted, it is brought to the desired document, and stays untagged */
	CHECK_INT(piam_options_set_adopt_existing(e.o, 1), PIAM_OK);
	CHECK_INT(run(&e, PIAM__SETUP_PLAN, &p), PIAM_OK);
	CHECK_STR(piam_plan_step_status(p, 3), "update");
	piam_plan_free(p);
	CHECK_INT(piam_options_set_adopt_existing(e.o, 0), PIAM_OK);

	/* teardown keeps a policy piam did not create */
	CHECK_INT(run(&e, PIAM__SETUP_TEARDOWN, &p), PIAM_OK);
	CHECK_STR(steps(p), "bucket-policy=unchanged bucket-policy=unchanged s3-access-policy=unchanged role=unchanged");
	CHECK_INT(e.f.writes, 0);
	piam_plan_free(p);
	e.f.policy_exists = 0;
	while (e.f.nversions)
		free(e.f.versions[--e.f.nversions].doc);

	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	piam_plan_free(p);
	e.f.inline_policies = 1;
	CHECK_INT(run(&e, PIAM__SETUP_TEARDOWN, &p), PIAM_ECONFLICT);
	CHECK_INT(e.f.writes, 0);
	CHECK(p == NULL);
	env_free(&e);
}

static void test_foreign_bucket_statements(void)
{
	static const char foreign[] = "{\"Version\":\"2012-10-17\",\"Id\":\"keep-me\",\"Statement\":[{\"Sid\":\"Other\","
				      "\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":"
				      "\"arn:aws:s3:::training-data/*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":"
				      "\"false\"}}}]}";
	struct env e;
	piam_plan *p;
	int same = 0;

	env_init(&e);
	e.f.buckets[0].policy = dup_or_null(foreign);
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_STR(piam_plan_step_status(p, 5), "updated");
	CHECK(strstr(e.f.buckets[0].policy, "keep-me") && strstr(e.f.buckets[0].policy, "\"Other\"") &&
	      strstr(e.f.buckets[0].policy, PIAM_POLICY_BUCKET_SID));
	piam_plan_free(p);

	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_INT(e.f.writes, 0);
	piam_plan_free(p);

	CHECK_INT(run(&e, PIAM__SETUP_TEARDOWN, &p), PIAM_OK);
	CHECK_STR(steps(p), "bucket-policy=deleted bucket-policy=deleted detach-policy=deleted detach-policy=deleted "
			    "s3-access-policy=deleted role=deleted");
	/* the foreign statement stays: PUT on the first bucket, DELETE on the second */
	CHECK_STR(e.f.log, "PutBucketPolicy DeleteBucketPolicy DetachRolePolicy DetachRolePolicy DeletePolicy DeleteRole ");
	CHECK_INT(piam_policy_equal(&same, e.c, e.f.buckets[0].policy, foreign), PIAM_OK);
	CHECK_INT(same, 1);
	CHECK(e.f.buckets[1].policy == NULL);
	CHECK(!e.f.role_exists && !e.f.policy_exists);
	piam_plan_free(p);

	CHECK_INT(run(&e, PIAM__SETUP_TEARDOWN, &p), PIAM_OK);
	CHECK_STR(steps(p), "bucket-policy=unchanged bucket-policy=unchanged role=unchanged");
	CHECK_INT(e.f.writes, 0);
	piam_plan_free(p);

	/* a malformed bucket policy stops the run before any write */
	free(e.f.buckets[1].policy);
	e.f.buckets[1].policy = dup_or_null("{\"Statement\": 42");
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_EPOLICY);
	CHECK_INT(e.f.writes, 0);
	env_free(&e);
}

static void test_failure_in_the_middle(void)
{
	struct env e;
	piam_plan *p;
	const char *msg;

	env_init(&e);
	e.f.fail = "AttachRolePolicy";
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_EACCESS);
	CHECK(p != NULL);
	CHECK_INT(piam_plan_failed_step(p), 2);
	CHECK_STR(steps(p), "role=created trust-policy=created attach-personalize-policy=failed s3-access-policy=created "
			    "attach-s3-access-policy=create bucket-policy=created bucket-policy=created");
	msg = piam_client_error_message(e.c);
	CHECK(strstr(msg, "step attach-personalize-policy") != NULL);
	CHECK(strstr(msg, "AccessDenied") != NULL);
	CHECK(strstr(msg, "already done: role created, trust-policy created, s3-access-policy created, "
			  "bucket-policy created, bucket-policy created") != NULL);
	CHECK_STR(piam_client_error_aws_code(e.c), "AccessDenied");
	CHECK_INT(piam_client_error_http_status(e.c), 403);
	piam_plan_free(p);

	e.f.fail = NULL;
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_STR(steps(p), "role=unchanged trust-policy=unchanged attach-personalize-policy=created "
			    "s3-access-policy=unchanged attach-s3-access-policy=created bucket-policy=unchanged "
			    "bucket-policy=unchanged");
	piam_plan_free(p);

	e.f.fail = "DeletePolicy";
	CHECK_INT(run(&e, PIAM__SETUP_TEARDOWN, &p), PIAM_EACCESS);
	CHECK_STR(piam_plan_step_name(p, (size_t)piam_plan_failed_step(p)), "s3-access-policy");
	piam_plan_free(p);
	e.f.fail = NULL;
	CHECK_INT(run(&e, PIAM__SETUP_TEARDOWN, &p), PIAM_OK);
	CHECK_STR(steps(p), "bucket-policy=unchanged bucket-policy=unchanged s3-access-policy=deleted role=deleted");
	piam_plan_free(p);
	env_free(&e);
}

struct progress_log {
	char text[1024];
};

static void on_progress(const char *step, const char *resource, const char *status, void *userdata)
{
	struct progress_log *l = userdata;

	(void)resource;
	snprintf(l->text + strlen(l->text), sizeof(l->text) - strlen(l->text), "%s:%s ", step, status);
}

static void test_wait_and_progress(void)
{
	struct progress_log log = {""};
	struct env e;
	piam_plan *p;

	env_init(&e);
	CHECK_INT(piam_options_set_bucket_policy(e.o, 0), PIAM_OK);
	CHECK_INT(piam_options_set_wait(e.o, 5), PIAM_OK);
	CHECK_INT(piam_options_set_wait(e.o, 301), PIAM_EINVAL);
	CHECK_INT(piam_options_set_progress(e.o, on_progress, &log), PIAM_OK);
	slept_ms = 0;
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_STR(steps(p), "role=created trust-policy=created attach-personalize-policy=created s3-access-policy=created "
			    "attach-s3-access-policy=created");
	CHECK_STR(log.text, "role:create role:created s3-access-policy:create s3-access-policy:created "
			    "trust-policy:create trust-policy:created attach-personalize-policy:create "
			    "attach-personalize-policy:created attach-s3-access-policy:create attach-s3-access-policy:created "
			    "wait-role:waiting wait-role:visible ");
	CHECK_INT(slept_ms, 0);
	piam_plan_free(p);
	env_free(&e);
}

static void test_partition_from_region(void)
{
	struct env e;
	piam_plan *p;

	env_init(&e);
	CHECK_INT(piam_client_set_region(e.c, "cn-north-1"), PIAM_OK);
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_STR(piam_plan_step_resource(p, 2), "arn:aws-cn:iam::aws:policy/service-role/AmazonPersonalizeFullAccess");
	CHECK_STR(piam_plan_step_resource(p, 3), "arn:aws-cn:iam::" ACCOUNT ":policy/PersonalizeRole-S3Access");
	CHECK(strstr(e.f.trust, "arn:aws-cn:personalize:cn-north-1:" ACCOUNT ":*") != NULL);
	CHECK(strstr(e.f.buckets[0].policy, "arn:aws-cn:s3:::training-data") != NULL);
	piam_plan_free(p);
	env_free(&e);
}

static void test_invalid_input_sends_nothing(void)
{
	struct env e;
	piam_plan *p = (piam_plan *)&p;

	env_init(&e);
	CHECK_INT(piam_setup_plan(NULL, e.c, e.o), PIAM_EINVAL);
	CHECK_INT(piam_setup_apply(&p, NULL, e.o), PIAM_EINVAL);
	CHECK(p == NULL);
	CHECK_INT(piam_setup_teardown(&p, e.c, NULL), PIAM_EINVAL);
	CHECK_INT(piam_client_set_region(e.c, NULL), PIAM_OK);
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_EINVAL);
	CHECK_INT(e.f.reads + e.f.writes, 0);
	env_free(&e);

	env_init(&e);
	piam_options_free(e.o);
	CHECK_INT(piam_options_new(&e.o, e.c), PIAM_OK);
	CHECK_INT(run(&e, PIAM__SETUP_APPLY, &p), PIAM_EINVAL); /* no bucket */
	CHECK_INT(e.f.reads + e.f.writes, 0);

	CHECK_INT(piam_options_add_tag(e.o, "team", "recs"), PIAM_OK);
	CHECK_INT(piam_options_add_tag(e.o, "Team", "ml"), PIAM_OK);
	CHECK_INT(piam_options_add_tag(e.o, "aws:x", "y"), PIAM_EINVAL);
	CHECK_INT(piam_options_add_tag(e.o, "piam:managed", "false"), PIAM_EINVAL);
	CHECK_INT(piam_options_add_tag(e.o, "", "y"), PIAM_EINVAL);
	CHECK_INT(piam_options_add_tag(e.o, "k", "bad\"quote"), PIAM_EINVAL);
	CHECK_INT(piam_options_set_cloudwatch(e.o, 2), PIAM_EINVAL);
	CHECK_INT(piam_options_set_cloudwatch(NULL, 1), PIAM_EINVAL);
	CHECK_INT(piam__setup_options_get(e.o)->ntags, 1);
	CHECK_STR(piam__setup_options_get(e.o)->tag_values[0], "ml");
	env_free(&e);

	CHECK_INT(piam_plan_count(NULL), 0);
	CHECK(piam_plan_step_name(NULL, 0) == NULL);
	CHECK_STR(piam_plan_role_arn(NULL), "");
	CHECK_INT(piam_plan_failed_step(NULL), -1);
	piam_plan_free(NULL);
}

/* Fail each allocation in turn: every run fails cleanly or succeeds, and nothing leaks. */
static void test_allocation_failures(void)
{
	struct testalloc t;
	long n;
	int ok = 0, clean = 1;

	for (n = 1; n < 5000 && !ok; n++) {
		piam_allocator a;
		struct fake f;
		piam_client *c = NULL;
		piam_options *o = NULL;
		piam_plan *p = NULL;
		int rc;

		memset(&t, 0, sizeof(t));
		a = testalloc_allocator(&t);
		fake_init(&f);
		f.buckets[0].policy = dup_or_null("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Other\","
						  "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
						  "\"Resource\":\"arn:aws:s3:::training-data/*\"}]}");
		if (piam_client_new(&c, &a) == PIAM_OK && piam_client_set_region(c, "eu-west-1") == PIAM_OK &&
		    piam_options_new(&o, c) == PIAM_OK && piam_options_add_input_bucket(o, "training-data") == PIAM_OK &&
		    piam_options_add_output_bucket(o, "exports") == PIAM_OK &&
		    piam_options_add_tag(o, "team", "recs") == PIAM_OK) {
			t.fail_at = t.calls + n;
			rc = piam__setup_run(&p, c, o, PIAM__SETUP_APPLY, &fake_ops, &f);
			if (rc == PIAM_OK) {
				ok = 1;
				piam_plan_free(p);
				p = NULL;
				t.fail_at = 0;
				rc = piam__setup_run(&p, c, o, PIAM__SETUP_TEARDOWN, &fake_ops, &f);
				clean &= rc == PIAM_OK;
			} else {
				if (rc != PIAM_ENOMEM)
					fprintf(stderr, "allocation %ld: %s\n", n, piam_client_error_message(c));
				clean &= rc == PIAM_ENOMEM;
			}
			piam_plan_free(p);
		}
		piam_options_free(o);
		piam_client_free(c);
		fake_free(&f);
		if (t.live)
			fprintf(stderr, "allocation %ld: %ld blocks leaked\n", n, t.live);
		clean &= t.live == 0;
	}
	CHECK(ok);
	CHECK(clean);
}

/* What send_together was asked to send, round by round, "-" where it was told to forget:
 * "GetCallerIdentity GetRole | - | CreateRole CreatePolicy | AttachRolePolicy ..." */
static int writes_before_forget, forgets;
static int together_fails; /* as when a request cannot be noted: nothing goes out together */

static int f_send_together(piam_client *c, void *ctx, void (*calls)(void *arg), void *arg)
{
	struct fake *f = ctx;

	(void)c;
	if (f->together[0])
		strcat(f->together, "| ");
	if (!calls) {
		strcat(f->together, "- ");
		if (!forgets++)
			writes_before_forget = f->writes;
		return 0;
	}
	f->noting = 1;
	calls(arg);
	f->noting = 0;
	return !together_fails;
}

static int run_together(struct env *e, enum piam__setup_mode mode, piam_plan **plan)
{
	struct piam__setup_ops ops = fake_ops;

	ops.send_together = f_send_together;
	e->f.together[0] = '\0';
	writes_before_forget = -1;
	forgets = together_fails = 0;
	*plan = NULL;
	reset_counts(&e->f);
	return piam__setup_run(plan, e->c, e->o, mode, &ops, &e->f);
}

/* Independent writes go out together, in as few rounds as what they need allows. */
static void test_send_together(void)
{
	struct progress_log log = {""};
	struct env e;
	piam_plan *p;
	const char *msg;

	env_init(&e);
	CHECK_INT(piam_options_set_cloudwatch(e.o, 1), PIAM_OK);
	CHECK_INT(piam_options_set_progress(e.o, on_progress, &log), PIAM_OK);
	CHECK_INT(run_together(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	/* what a round's writes did not take is forgotten after it ("-") */
	CHECK_STR(e.f.together, "GetCallerIdentity GetRole GetBucketPolicy GetBucketPolicy | - | "
				"CreateRole CreatePolicy PutBucketPolicy PutBucketPolicy | - | "
				"AttachRolePolicy AttachRolePolicy AttachRolePolicy | - | - ");
	/* each noted request is then made once, as without sending together */
	CHECK_STR(e.f.log, "CreateRole CreatePolicy PutBucketPolicy PutBucketPolicy AttachRolePolicy AttachRolePolicy "
			   "AttachRolePolicy ");
	CHECK_INT(e.f.nattached, 3);
	/* every step of a wave is announced before the wave goes out */
	CHECK(strncmp(log.text, "role:create s3-access-policy:create bucket-policy:create bucket-policy:create role:created",
		      strlen("role:create s3-access-policy:create bucket-policy:create bucket-policy:create role:created")) == 0);
	piam_plan_free(p);

	/* converged: nothing to send, together or not */
	CHECK_INT(run_together(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_STR(e.f.together, "GetCallerIdentity GetRole GetBucketPolicy GetBucketPolicy | "
				"ListAttachedRolePolicies GetPolicy | - | - ");
	CHECK_INT(e.f.writes, 0);
	piam_plan_free(p);

	/* a policy and the role are deleted once their attachments are gone */
	CHECK_INT(run_together(&e, PIAM__SETUP_TEARDOWN, &p), PIAM_OK);
	CHECK_STR(e.f.together, "GetCallerIdentity GetRole GetBucketPolicy GetBucketPolicy | "
				"ListAttachedRolePolicies ListRolePolicies GetPolicy | - | "
				"DeleteBucketPolicy DeleteBucketPolicy DetachRolePolicy DetachRolePolicy DetachRolePolicy | - | "
				"DeletePolicy DeleteRole | - | - ");
	CHECK(!e.f.role_exists && !e.f.policy_exists && e.f.nattached == 0);
	piam_plan_free(p);

	/* a failure stops the run after the rest of its wave, which was sent with it, is accounted for */
	e.f.fail = "CreatePolicy";
	CHECK_INT(run_together(&e, PIAM__SETUP_APPLY, &p), PIAM_EACCESS);
	CHECK_STR(e.f.together, "GetCallerIdentity GetRole GetBucketPolicy GetBucketPolicy | - | "
				"CreateRole CreatePolicy PutBucketPolicy PutBucketPolicy | - | - ");
	CHECK_STR(steps(p), "role=created trust-policy=create attach-personalize-policy=create s3-access-policy=failed "
			    "attach-s3-access-policy=create attach-cloudwatch=create bucket-policy=created "
			    "bucket-policy=created");
	CHECK_INT(piam_plan_failed_step(p), 3);
	msg = piam_client_error_message(e.c);
	CHECK(strstr(msg, "step s3-access-policy") != NULL);
	CHECK(strstr(msg, "already done: role created, bucket-policy created, bucket-policy created") != NULL);
	CHECK_STR(piam_client_error_aws_code(e.c), "AccessDenied");
	piam_plan_free(p);

	/* two failures in one wave: the error is the first one's, in plan order */
	e.f.fail = "AttachRolePolicy";
	CHECK_INT(run_together(&e, PIAM__SETUP_APPLY, &p), PIAM_EACCESS);
	CHECK_STR(steps(p), "role=unchanged trust-policy=unchanged attach-personalize-policy=failed "
			    "s3-access-policy=created attach-s3-access-policy=create attach-cloudwatch=failed "
			    "bucket-policy=unchanged bucket-policy=unchanged");
	CHECK_INT(piam_plan_failed_step(p), 2);
	CHECK(strstr(piam_client_error_message(e.c), "step attach-personalize-policy") != NULL);
	piam_plan_free(p);

	e.f.fail = NULL;
	CHECK_INT(run_together(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_STR(steps(p), "role=unchanged trust-policy=unchanged attach-personalize-policy=created "
			    "s3-access-policy=unchanged attach-s3-access-policy=created attach-cloudwatch=created "
			    "bucket-policy=unchanged bucket-policy=unchanged");
	piam_plan_free(p);
	env_free(&e);
}

/* Taking a role over (adopt) goes alone, first: when TagRole is refused, the role is left as it was. */
static void test_adopt_goes_first(void)
{
	struct env e;
	piam_plan *p;

	env_init_foreign_role(&e);
	CHECK_INT(piam_options_set_adopt_existing(e.o, 1), PIAM_OK);
	e.f.fail = "TagRole";
	CHECK_INT(run_together(&e, PIAM__SETUP_APPLY, &p), PIAM_EACCESS);
	CHECK_STR(e.f.log, "TagRole ");
	CHECK_STR(steps(p), "role=failed trust-policy=update attach-personalize-policy=create s3-access-policy=create "
			    "attach-s3-access-policy=create bucket-policy=create bucket-policy=create");
	CHECK_STR(e.f.trust, foreign_trust);
	CHECK_INT(e.f.nattached, 0);
	piam_plan_free(p);

	e.f.fail = NULL;
	CHECK_INT(run_together(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK(strncmp(e.f.log, "TagRole ", 8) == 0);
	CHECK_STR(e.f.role_tag, "true");
	piam_plan_free(p);
	env_free(&e);
}

/* A failed step is finished through the progress callback too; nothing sent together is left unfinished. */
static void test_progress_on_failure(void)
{
	struct progress_log log = {""};
	struct env e;
	piam_plan *p;

	env_init(&e);
	CHECK_INT(piam_options_set_bucket_policy(e.o, 0), PIAM_OK);
	CHECK_INT(piam_options_set_progress(e.o, on_progress, &log), PIAM_OK);
	e.f.fail = "CreatePolicy";
	CHECK_INT(run_together(&e, PIAM__SETUP_APPLY, &p), PIAM_EACCESS);
	CHECK_STR(log.text, "role:create s3-access-policy:create role:created s3-access-policy:failed ");
	piam_plan_free(p);
	env_free(&e);
}

/* When a round cannot go out together, its steps go one at a time and the first failure stops them. */
static void test_together_fails(void)
{
	struct env e;
	piam_plan *p;

	env_init(&e);
	e.f.fail = "CreateRole";
	together_fails = 1;
	{
		struct piam__setup_ops ops = fake_ops;

		ops.send_together = f_send_together;
		reset_counts(&e.f);
		CHECK_INT(piam__setup_run(&p, e.c, e.o, PIAM__SETUP_APPLY, &ops, &e.f), PIAM_EACCESS);
	}
	together_fails = 0;
	CHECK_STR(e.f.log, "CreateRole ");
	CHECK_STR(steps(p), "role=failed trust-policy=create attach-personalize-policy=create s3-access-policy=create "
			    "attach-s3-access-policy=create bucket-policy=create bucket-policy=create");
	piam_plan_free(p);
	env_free(&e);
}

/* Reads that need nothing else go out together, and what they read is forgotten before any write. */
static void test_read_together(void)
{
	struct env e;
	piam_plan *p;

	env_init(&e);
	CHECK_INT(run_together(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_INT(e.f.reads, 5); /* the same reads and writes as one after the other */
	CHECK_INT(e.f.writes, 6);
	CHECK_INT(writes_before_forget, 0);
	piam_plan_free(p);

	CHECK_INT(run_together(&e, PIAM__SETUP_APPLY, &p), PIAM_OK);
	CHECK_INT(e.f.reads, 7);
	CHECK_INT(e.f.writes, 0);
	piam_plan_free(p);

	/* a role that is not piam's is refused on its GetRole, before reading more and before any write */
	strcpy(e.f.role_tag, "");
	CHECK_INT(run_together(&e, PIAM__SETUP_TEARDOWN, &p), PIAM_ENOTOWNED);
	CHECK_STR(e.f.together, "GetCallerIdentity GetRole GetBucketPolicy GetBucketPolicy | - ");
	CHECK_INT(e.f.writes, 0);
	strcpy(e.f.role_tag, "true");

	/* --no-bucket-policy reads no bucket, together or not */
	CHECK_INT(piam_options_set_bucket_policy(e.o, 0), PIAM_OK);
	CHECK_INT(run_together(&e, PIAM__SETUP_PLAN, &p), PIAM_OK);
	CHECK_STR(e.f.together, "GetCallerIdentity GetRole | ListAttachedRolePolicies GetPolicy | - | - ");
	piam_plan_free(p);
	env_free(&e);
}

int main(void)
{
	test_fresh_then_converged();
	test_send_together();
	test_read_together();
	test_adopt_goes_first();
	test_progress_on_failure();
	test_together_fails();
	test_drift_repair();
	test_foreign_role();
	test_foreign_policy_and_inline();
	test_foreign_bucket_statements();
	test_failure_in_the_middle();
	test_wait_and_progress();
	test_partition_from_region();
	test_invalid_input_sends_nothing();
	test_allocation_failures();
	return check_exit();
}
