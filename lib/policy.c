/*
 * Rendering the guide's policy documents from the options, and the public face of the policy
 * module. Keys are inserted in the order people read them (Sid, Effect, Principal, Action,
 * Resource, Condition); jansson keeps insertion order, so the output is byte-stable.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"

#define VERSION "2012-10-17"
#define ARN_MAX 1024 /* the longest ARN here: partition, account, a 512-character path, a name */

/* Builder state: remembers whether any jansson allocation failed along the way. */
struct build {
	int bad;
};

/* Set obj[key] = v, stealing v; marks the build bad on failure (v or obj NULL included). */
static void put(struct build *b, json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) != 0)
		b->bad = 1;
}

static void push(struct build *b, json_t *arr, json_t *v)
{
	if (!v || json_array_append_new(arr, v) != 0)
		b->bad = 1;
}

static void push_str(struct build *b, json_t *arr, const char *s)
{
	push(b, arr, json_string(s));
}

static json_t *str_array(struct build *b, const char *const *items, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		push_str(b, arr, items[i]);
	return arr;
}

/* A new statement object with Sid (optional) and Effect Allow. */
static json_t *statement(struct build *b, const char *sid)
{
	json_t *st = json_object();

	if (sid)
		put(b, st, "Sid", json_string(sid));
	put(b, st, "Effect", json_string("Allow"));
	return st;
}

static json_t *service_principal(struct build *b)
{
	json_t *p = json_object();

	put(b, p, "Service", json_string(PIAM__SERVICE_PRINCIPAL));
	return p;
}

/* A document {"Version", "Statement": []}; statements are appended to *stmts. */
static json_t *document(struct build *b, json_t **stmts)
{
	json_t *doc = json_object(), *arr = json_array();

	put(b, doc, "Version", json_string(VERSION));
	*stmts = NULL;
	if (!doc || !arr || json_object_set(doc, "Statement", arr) != 0)
		b->bad = 1;
	else
		*stmts = arr; /* borrowed: doc holds the reference */
	json_decref(arr);
	return doc;
}

static int finish(piam_client *c, struct build *b, json_t *doc, json_t **out)
{
	if (b->bad || !doc) {
		json_decref(doc);
		return piam__error(c, PIAM_ENOMEM, "out of memory while building a policy document");
	}
	*out = doc;
	return PIAM_OK;
}

/* Everything a renderer resolves before it starts: partition, region and account in effect. */
struct ctx {
	piam_client *c;
	const char *region;    /* may be NULL */
	const char *partition;
	const char *account;   /* may be NULL */
};

static int ctx_init(struct ctx *x, const piam_options *o, const char *account, const char *region)
{
	x->c = o->client;
	x->region = region ? region : piam__options_region(o);
	x->account = account ? account : o->account;
	if (x->region && !piam__valid_region(x->region, NULL))
		return piam__error(x->c, PIAM_EINVAL, "invalid region: expected the form us-east-1");
	if (x->account && !piam__valid_account(x->account, NULL))
		return piam__error(x->c, PIAM_EINVAL, "invalid account id: must be 12 digits");
	x->partition = piam__partition(x->region);
	return PIAM_OK;
}

static int count_cb(const char *buffer, size_t size, void *data)
{
	(void)buffer;
	*(size_t *)data += size;
	return 0;
}

/* Fail with PIAM_EPOLICY when the compact form of doc is longer than max characters. */
static int check_size(piam_client *c, json_t **doc, size_t max, const char *what)
{
	size_t n = 0;

	if (json_dump_callback(*doc, count_cb, &n, JSON_COMPACT) != 0) {
		json_decref(*doc);
		*doc = NULL;
		return piam__error(c, PIAM_ENOMEM, "out of memory while measuring a policy document");
	}
	if (n > max) {
		json_decref(*doc);
		*doc = NULL;
		return piam__error(c, PIAM_EPOLICY, "the %s would be %zu characters, above AWS's limit of %zu",
				   what, n, max);
	}
	return PIAM_OK;
}

int piam__policy_trust_doc(const piam_options *o, const char *account, const char *region, json_t **out)
{
	struct build b = {0};
	struct ctx x;
	json_t *doc, *stmts, *st, *cond, *eq, *like;
	char arn[ARN_MAX];
	int rc;

	*out = NULL;
	if ((rc = ctx_init(&x, o, account, region)))
		return rc;
	if (o->guard && !x.account)
		return piam__error(x.c, PIAM_EINVAL,
				   "the trust policy's guard needs the account id (set it, or turn the guard off)");
	if (o->guard && !x.region)
		return piam__error(x.c, PIAM_EINVAL,
				   "the trust policy's guard needs the region (set it, or turn the guard off)");
	doc = document(&b, &stmts);
	st = statement(&b, NULL);
	put(&b, st, "Principal", service_principal(&b));
	put(&b, st, "Action", json_string("sts:AssumeRole"));
	if (o->guard) {
		snprintf(arn, sizeof(arn), "arn:%s:personalize:%s:%s:*", x.partition, x.region, x.account);
		cond = json_object();
		eq = json_object();
		like = json_object();
		put(&b, eq, "aws:SourceAccount", json_string(x.account));
		put(&b, like, "aws:SourceArn", json_string(arn));
		put(&b, cond, "StringEquals", eq);
		put(&b, cond, "ArnLike", like);
		put(&b, st, "Condition", cond);
	}
	push(&b, stmts, st);
	if ((rc = finish(x.c, &b, doc, out)))
		return rc;
	return check_size(x.c, out, PIAM__TRUST_MAX, "trust policy");
}

static const char *const read_actions[] = {"s3:GetObject", "s3:ListBucket"};
static const char *const write_actions[] = {"s3:GetObject", "s3:ListBucket", "s3:PutObject"};
static const char *const kms_actions[] = {"kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"};

/* Append the ARNs of a bucket and of its objects. */
static void push_bucket_arns(struct build *b, json_t *arr, const struct ctx *x, const char *bucket)
{
	char arn[ARN_MAX];

	snprintf(arn, sizeof(arn), "arn:%s:s3:::%s", x->partition, bucket);
	push_str(b, arr, arn);
	snprintf(arn, sizeof(arn), "arn:%s:s3:::%s/*", x->partition, bucket);
	push_str(b, arr, arn);
}

static json_t *bucket_statement(struct build *b, const struct ctx *x, const char *sid, int output,
				char *const *buckets, size_t n)
{
	json_t *st = statement(b, sid), *res = json_array();
	size_t i;

	put(b, st, "Action", output ? str_array(b, write_actions, PIAM__ARRAY_LEN(write_actions))
				    : str_array(b, read_actions, PIAM__ARRAY_LEN(read_actions)));
	for (i = 0; i < n; i++)
		push_bucket_arns(b, res, x, buckets[i]);
	put(b, st, "Resource", res);
	return st;
}

/* The KMS key must share the region's partition, or its ARN could never match. */
static int check_kms(const piam_options *o, const struct ctx *x)
{
	const char *why;

	if (o->kms_key && !piam__valid_kms_key(o->kms_key, x->partition, &why))
		return piam__error(x->c, PIAM_EINVAL, "invalid KMS key for partition %s: %s", x->partition, why);
	return PIAM_OK;
}

int piam__policy_s3_access_doc(const piam_options *o, const char *region, json_t **out)
{
	struct build b = {0};
	struct ctx x;
	json_t *doc, *stmts, *st;
	int rc;

	*out = NULL;
	if ((rc = ctx_init(&x, o, NULL, region)) || (rc = check_kms(o, &x)))
		return rc;
	if (!o->n_input && !o->n_output)
		return piam__error(x.c, PIAM_EINVAL, "the S3 access policy needs at least one bucket");
	doc = document(&b, &stmts);
	if (o->n_input)
		push(&b, stmts, bucket_statement(&b, &x, "PersonalizeS3Read", 0, o->input_buckets, o->n_input));
	if (o->n_output)
		push(&b, stmts, bucket_statement(&b, &x, "PersonalizeS3Write", 1, o->output_buckets, o->n_output));
	if (o->kms_key) {
		st = statement(&b, "PersonalizeKms");
		put(&b, st, "Action", str_array(&b, kms_actions, PIAM__ARRAY_LEN(kms_actions)));
		put(&b, st, "Resource", json_string(o->kms_key));
		push(&b, stmts, st);
	}
	if ((rc = finish(x.c, &b, doc, out)))
		return rc;
	return check_size(x.c, out, PIAM__MANAGED_MAX, "S3 access policy");
}

int piam__policy_bucket_statement(const piam_options *o, const char *region, const char *bucket, json_t **out)
{
	struct build b = {0};
	struct ctx x;
	json_t *st, *res;
	int output, rc;

	*out = NULL;
	if ((rc = ctx_init(&x, o, NULL, region)))
		return rc;
	output = piam__options_is_output(o, bucket);
	if (!output && !piam__options_is_input(o, bucket))
		return piam__error(x.c, PIAM_EINVAL, "the bucket is not one of the options' input or output buckets");
	st = statement(&b, PIAM_POLICY_BUCKET_SID);
	put(&b, st, "Principal", service_principal(&b));
	put(&b, st, "Action", output ? str_array(&b, write_actions, PIAM__ARRAY_LEN(write_actions))
				     : str_array(&b, read_actions, PIAM__ARRAY_LEN(read_actions)));
	res = json_array();
	push_bucket_arns(&b, res, &x, bucket);
	put(&b, st, "Resource", res);
	return finish(x.c, &b, st, out);
}

/* The actions piam calls, by the resource they act on. README lists the same. */
static const char *const caller_role_actions[] = {
	"iam:AttachRolePolicy", "iam:CreateRole",   "iam:DeleteRole",
	"iam:DetachRolePolicy", "iam:GetRole",      "iam:ListAttachedRolePolicies",
	"iam:ListRolePolicies", "iam:TagRole",          "iam:UpdateAssumeRolePolicy",
};
static const char *const caller_policy_actions[] = {
	"iam:CreatePolicy",        "iam:CreatePolicyVersion", "iam:DeletePolicy",
	"iam:DeletePolicyVersion", "iam:GetPolicy",           "iam:GetPolicyVersion",
	"iam:ListPolicyVersions",  "iam:TagPolicy",
};
static const char *const caller_bucket_actions[] = {
	"s3:DeleteBucketPolicy", "s3:GetBucketLocation", "s3:GetBucketPolicy", "s3:PutBucketPolicy"};

/* arn:PARTITION:iam::ACCOUNT:KIND PATH NAME, with "*" for an unknown account. */
static void iam_arn(char *buf, const struct ctx *x, const char *kind, const char *path, const char *name)
{
	snprintf(buf, ARN_MAX, "arn:%s:iam::%s:%s%s%s", x->partition, x->account ? x->account : "*", kind,
		 path, name);
}

int piam__policy_caller_doc(const piam_options *o, const char *account, const char *region, json_t **out)
{
	struct build b = {0};
	struct ctx x;
	json_t *doc, *stmts, *st, *res;
	char arn[ARN_MAX], pname[PIAM__POLICY_NAME_MAX + 1];
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = ctx_init(&x, o, account, region)))
		return rc;
	doc = document(&b, &stmts);

	st = statement(&b, "PiamCallerIdentity");
	put(&b, st, "Action", json_string("sts:GetCallerIdentity"));
	put(&b, st, "Resource", json_string("*")); /* GetCallerIdentity has no resource to scope to */
	push(&b, stmts, st);

	st = statement(&b, "PiamRole");
	put(&b, st, "Action", str_array(&b, caller_role_actions, PIAM__ARRAY_LEN(caller_role_actions)));
	iam_arn(arn, &x, "role", o->path, o->role_name);
	put(&b, st, "Resource", json_string(arn));
	push(&b, stmts, st);

	st = statement(&b, "PiamPolicy");
	put(&b, st, "Action", str_array(&b, caller_policy_actions, PIAM__ARRAY_LEN(caller_policy_actions)));
	iam_arn(arn, &x, "policy", o->path, piam__options_policy_name(o, pname));
	put(&b, st, "Resource", json_string(arn));
	push(&b, stmts, st);

	st = statement(&b, "PiamBucketPolicy");
	put(&b, st, "Action", str_array(&b, caller_bucket_actions, PIAM__ARRAY_LEN(caller_bucket_actions)));
	res = json_array();
	for (i = 0; i < o->n_input; i++) {
		snprintf(arn, sizeof(arn), "arn:%s:s3:::%s", x.partition, o->input_buckets[i]);
		push_str(&b, res, arn);
	}
	for (i = 0; i < o->n_output; i++) {
		if (piam__options_is_input(o, o->output_buckets[i]))
			continue;
		snprintf(arn, sizeof(arn), "arn:%s:s3:::%s", x.partition, o->output_buckets[i]);
		push_str(&b, res, arn);
	}
	if (!o->n_input && !o->n_output) {
		snprintf(arn, sizeof(arn), "arn:%s:s3:::*", x.partition);
		push_str(&b, res, arn);
	}
	put(&b, st, "Resource", res);
	push(&b, stmts, st);

	if ((rc = finish(x.c, &b, doc, out)))
		return rc;
	return check_size(x.c, out, PIAM__MANAGED_MAX, "caller policy");
}

int piam__policy_user_doc(const piam_options *o, const char *account, const char *region, json_t **out)
{
	struct build b = {0};
	struct ctx x;
	json_t *doc, *stmts, *st, *cond, *eq;
	char arn[ARN_MAX];
	int rc;

	*out = NULL;
	if ((rc = ctx_init(&x, o, account, region)))
		return rc;
	doc = document(&b, &stmts);

	/* As the guide has it: List* actions of Personalize take no resource, so "*" it is. */
	st = statement(&b, "PersonalizeAccess");
	put(&b, st, "Action", json_string("personalize:*"));
	put(&b, st, "Resource", json_string("*"));
	push(&b, stmts, st);

	st = statement(&b, "PassRoleToPersonalize");
	put(&b, st, "Action", json_string("iam:PassRole"));
	iam_arn(arn, &x, "role", o->path, o->role_name);
	put(&b, st, "Resource", json_string(arn));
	cond = json_object();
	eq = json_object();
	put(&b, eq, "iam:PassedToService", json_string(PIAM__SERVICE_PRINCIPAL));
	put(&b, cond, "StringEquals", eq);
	put(&b, st, "Condition", cond);
	push(&b, stmts, st);

	if ((rc = finish(x.c, &b, doc, out)))
		return rc;
	return check_size(x.c, out, PIAM__MANAGED_MAX, "user policy");
}

struct dump_state {
	piam_client *c;
	piam__buf buf;
	int rc;
};

static int dump_cb(const char *buffer, size_t size, void *data)
{
	struct dump_state *d = data;

	if (d->rc == PIAM_OK)
		d->rc = piam__buf_append(d->c, &d->buf, buffer, size);
	return d->rc == PIAM_OK ? 0 : -1;
}

int piam__policy_text(piam_client *c, const json_t *doc, int pretty, char **out, size_t *out_len)
{
	struct dump_state d = {c, {NULL, 0, 0}, PIAM_OK};

	*out = NULL;
	if (json_dump_callback(doc, dump_cb, &d, pretty ? JSON_INDENT(2) : JSON_COMPACT) != 0 || !d.buf.data) {
		piam__buf_free(c, &d.buf);
		return d.rc ? d.rc : piam__error(c, PIAM_ENOMEM, "out of memory while writing a policy document");
	}
	*out = d.buf.data;
	if (out_len)
		*out_len = d.buf.len;
	return PIAM_OK;
}

/* Hand a document to the caller as indented text, and let go of it. */
static int emit(piam_client *c, json_t *doc, char **out)
{
	char *text = NULL;
	size_t len = 0;
	int rc = piam__policy_text(c, doc, 1, &text, &len);

	json_decref(doc);
	if (rc)
		return rc;
	*out = piam__out_strndup(c, text, len);
	piam__free(c, text);
	return *out ? PIAM_OK : PIAM_ENOMEM;
}

typedef int (*renderer)(const piam_options *o, const char *account, const char *region, json_t **out);

static int render(char **out, const piam_options *options, renderer fn)
{
	json_t *doc;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !options)
		return PIAM_EINVAL;
	piam__error_clear(options->client);
	if ((rc = fn(options, NULL, NULL, &doc)))
		return rc;
	return emit(options->client, doc, out);
}

static int s3_access(const piam_options *o, const char *account, const char *region, json_t **out)
{
	(void)account;
	return piam__policy_s3_access_doc(o, region, out);
}

PIAM_API int piam_policy_trust(char **out, const piam_options *options)
{
	return render(out, options, piam__policy_trust_doc);
}

PIAM_API int piam_policy_s3_access(char **out, const piam_options *options)
{
	return render(out, options, s3_access);
}

PIAM_API int piam_policy_caller(char **out, const piam_options *options)
{
	return render(out, options, piam__policy_caller_doc);
}

PIAM_API int piam_policy_user(char **out, const piam_options *options)
{
	return render(out, options, piam__policy_user_doc);
}

PIAM_API int piam_policy_bucket(char **out, const piam_options *options, const char *bucket)
{
	int change;

	return piam_policy_bucket_merge(out, &change, options, bucket, NULL);
}

PIAM_API int piam_policy_bucket_merge(char **out, int *out_change, const piam_options *options,
				      const char *bucket, const char *existing)
{
	json_t *st, *doc;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !out_change || !options)
		return PIAM_EINVAL;
	if (!bucket)
		return piam__error(options->client, PIAM_EINVAL, "bucket name is missing");
	piam__error_clear(options->client);
	if ((rc = piam__policy_bucket_statement(options, NULL, bucket, &st)))
		return rc;
	rc = piam__policy_bucket_merge(options->client, existing, existing ? strlen(existing) : 0, st, &doc,
				       out_change);
	json_decref(st);
	if (rc)
		return rc;
	return emit(options->client, doc, out);
}

PIAM_API int piam_policy_bucket_remove(char **out, int *out_change, piam_client *client, const char *existing)
{
	json_t *doc;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !out_change || !client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	rc = piam__policy_bucket_merge(client, existing, existing ? strlen(existing) : 0, NULL, &doc, out_change);
	if (rc || !doc)
		return rc;
	return emit(client, doc, out);
}

PIAM_API int piam_policy_equal(int *out, piam_client *client, const char *a, const char *b)
{
	json_t *da = NULL, *db = NULL;
	int rc;

	if (!out || !client)
		return PIAM_EINVAL;
	*out = 0;
	if (!a || !b)
		return piam__error(client, PIAM_EINVAL, "policy document missing");
	piam__error_clear(client);
	if (!(rc = piam__policy_parse(client, a, strlen(a), &da)) &&
	    !(rc = piam__policy_parse(client, b, strlen(b), &db)))
		rc = piam__policy_equal(client, da, db, out);
	json_decref(da);
	json_decref(db);
	return rc;
}
