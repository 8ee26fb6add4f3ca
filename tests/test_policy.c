/*
 * Options, validation, the rendered documents (against golden files), semantic comparison and
 * the bucket-policy merge. argv[1] is the directory of golden files; with PIAM_UPDATE_GOLDEN=1
 * in the environment the documents are written there instead of compared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "policy.h"
#include "testalloc.h"

CHECK_MAIN;

static const char *golden_dir = ".";

#define ACCOUNT "123456789012"
#define KEY "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

static piam_client *new_client(void)
{
	piam_client *c = NULL;

	if (piam_client_new(&c, NULL) != PIAM_OK)
		abort();
	return c;
}

static piam_options *new_options(piam_client *c)
{
	piam_options *o = NULL;

	if (piam_options_new(&o, c) != PIAM_OK)
		abort();
	return o;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)n + 1))) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The document equals tests/golden/NAME (which ends with one newline). */
static void check_golden(const char *name, const char *doc)
{
	char path[1024], *want;
	const char *update = getenv("PIAM_UPDATE_GOLDEN");

	snprintf(path, sizeof(path), "%s/%s", golden_dir, name);
	if (!doc) {
		CHECK(doc != NULL);
		return;
	}
	if (update && strcmp(update, "1") == 0) {
		FILE *f = fopen(path, "wb");

		CHECK(f != NULL);
		if (f) {
			fprintf(f, "%s\n", doc);
			fclose(f);
		}
		return;
	}
	want = read_text(path);
	CHECK(want != NULL);
	if (want) {
		size_t n = strlen(want);

		CHECK(n > 0 && want[n - 1] == '\n');
		if (n)
			want[n - 1] = '\0';
		if (strcmp(doc, want) != 0)
			fprintf(stderr, "golden file %s differs\n", name);
		CHECK_STR(doc, want);
		free(want);
	}
}

static void test_validators(void)
{
	static const struct {
		int (*fn)(const char *, const char **);
		const char *s;
		int valid;
	} table[] = {
		{piam__valid_role_name, "PersonalizeRole", 1},
		{piam__valid_role_name, "a", 1},
		{piam__valid_role_name, "Role+=,.@_-9", 1},
		{piam__valid_role_name, "1234567890123456789012345678901234567890123456789012345678901234", 1},
		{piam__valid_role_name, "12345678901234567890123456789012345678901234567890123456789012345", 0},
		{piam__valid_role_name, "", 0},
		{piam__valid_role_name, "my role", 0},
		{piam__valid_role_name, "role/x", 0},
		{piam__valid_role_name, "r\xc3\xa9le", 0},
		{piam__valid_role_name, "role*", 0},
		{piam__valid_role_name, NULL, 0},
		{piam__valid_policy_name, "PersonalizeRole-S3Access", 1},
		{piam__valid_policy_name,
		 "12345678901234567890123456789012345678901234567890123456789012345678901234567890"
		 "123456789012345678901234567890123456789012345678",
		 1},
		{piam__valid_policy_name,
		 "12345678901234567890123456789012345678901234567890123456789012345678901234567890"
		 "1234567890123456789012345678901234567890123456789",
		 0},
		{piam__valid_policy_name, "", 0},
		{piam__valid_policy_name, "a:b", 0},
		{piam__valid_iam_path, "/", 1},
		{piam__valid_iam_path, "/service-role/", 1},
		{piam__valid_iam_path, "/a/b/c/", 1},
		{piam__valid_iam_path, "/~!@#$%^&()_+{}|:\"<>/", 1},
		{piam__valid_iam_path, "", 0},
		{piam__valid_iam_path, "a/", 0},
		{piam__valid_iam_path, "/a", 0},
		{piam__valid_iam_path, "/a b/", 0},
		{piam__valid_iam_path, "/a\tb/", 0},
		{piam__valid_iam_path, "/\xc3\xa9/", 0},
		{piam__valid_iam_path, "/*/", 0},
		{piam__valid_iam_path, "/a?/", 0},
		{piam__valid_description, "", 1},
		{piam__valid_description, "Role for Amazon Personalize\tmade by piam\r\n", 1},
		{piam__valid_description, "caf\xc3\xa9 \xc2\xa1\xc3\xbf", 1},
		{piam__valid_description, "\xc2\xa0", 0},       /* U+00A0 is not allowed */
		{piam__valid_description, "\xe2\x82\xac", 0},   /* U+20AC */
		{piam__valid_description, "\x01", 0},
		{piam__valid_description, "\xc3", 0},           /* truncated UTF-8 */
		{piam__valid_description, "\xc0\xaf", 0},       /* overlong */
		{piam__valid_description, "\x7f", 0},
		{piam__valid_bucket, "my-bucket", 1},
		{piam__valid_bucket, "abc", 1},
		{piam__valid_bucket, "a.b-c.d1", 1},
		{piam__valid_bucket, "123", 1},
		{piam__valid_bucket, "1.2.3", 1},
		{piam__valid_bucket, "1.2.3.4.5", 1},
		{piam__valid_bucket, "192.168.5.4x", 1},
		{piam__valid_bucket, "123456789012345678901234567890123456789012345678901234567890123", 1},
		{piam__valid_bucket, "1234567890123456789012345678901234567890123456789012345678901234", 0},
		{piam__valid_bucket, "ab", 0},
		{piam__valid_bucket, "", 0},
		{piam__valid_bucket, "My-Bucket", 0},
		{piam__valid_bucket, "my_bucket", 0},
		{piam__valid_bucket, "-bucket", 0},
		{piam__valid_bucket, "bucket-", 0},
		{piam__valid_bucket, ".bucket", 0},
		{piam__valid_bucket, "bucket.", 0},
		{piam__valid_bucket, "my..bucket", 0},
		{piam__valid_bucket, "192.168.5.4", 0},
		{piam__valid_bucket, "1.1.1.1", 0},
		{piam__valid_bucket, "xn--bucket", 0},
		{piam__valid_bucket, "sthree-bucket", 0},
		{piam__valid_bucket, "sthree-configurator", 0},
		{piam__valid_bucket, "bucket-s3alias", 0},
		{piam__valid_bucket, "bucket--ol-s3", 0},
		{piam__valid_bucket, "my bucket", 0},
		{piam__valid_bucket, "bucket/key", 0},
		{piam__valid_bucket, "bucket*", 0},
		{piam__valid_account, ACCOUNT, 1},
		{piam__valid_account, "000000000000", 1},
		{piam__valid_account, "12345678901", 0},
		{piam__valid_account, "1234567890123", 0},
		{piam__valid_account, "12345678901a", 0},
		{piam__valid_account, "", 0},
		{piam__valid_account, " 123456789012", 0},
		{piam__valid_region, "us-east-1", 1},
		{piam__valid_region, "cn-north-1", 1},
		{piam__valid_region, "us-gov-west-1", 1},
		{piam__valid_region, "us-east", 0},
		{piam__valid_region, "US-EAST-1", 0},
		{piam__valid_region, "", 0},
	};
	size_t i;

	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		const char *why = "unset";
		int got = table[i].fn(table[i].s, &why);

		if (got != table[i].valid)
			fprintf(stderr, "validator case %zu: \"%s\"\n", i, table[i].s ? table[i].s : "(null)");
		CHECK_INT(got, table[i].valid);
		CHECK(table[i].valid ? why == NULL : (why != NULL && *why != '\0'));
		CHECK_INT(table[i].fn(table[i].s, NULL), table[i].valid); /* why is optional */
	}
}

/* Limits counted in characters: at the limit valid, one more invalid. */
static void test_length_limits(void)
{
	char buf[2200];
	size_t i;

	/* a 512-character path: "/" + 510 + "/" */
	buf[0] = '/';
	memset(buf + 1, 'p', 510);
	strcpy(buf + 511, "/");
	CHECK_INT(piam__valid_iam_path(buf, NULL), 1);
	buf[511] = 'p';
	strcpy(buf + 512, "/");
	CHECK_INT(piam__valid_iam_path(buf, NULL), 0);

	/* descriptions count characters, not bytes: 1000 two-byte characters are fine */
	for (i = 0; i < 1000; i++)
		memcpy(buf + 2 * i, "\xc3\xa9", 2);
	buf[2000] = '\0';
	CHECK_INT(piam__valid_description(buf, NULL), 1);
	strcpy(buf + 2000, "x");
	CHECK_INT(piam__valid_description(buf, NULL), 0);
	memset(buf, 'd', 1000);
	buf[1000] = '\0';
	CHECK_INT(piam__valid_description(buf, NULL), 1);
	strcpy(buf + 1000, "d");
	CHECK_INT(piam__valid_description(buf, NULL), 0);
}

static void test_kms_keys(void)
{
	static const struct {
		const char *arn, *partition;
		int valid;
	} table[] = {
		{KEY, NULL, 1},
		{KEY, "aws", 1},
		{KEY, "aws-cn", 0},
		{"arn:aws-cn:kms:cn-north-1:123456789012:key/abcd", "aws-cn", 1},
		{"arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd", NULL, 1},
		{"arn:aws-cn:kms:us-east-1:123456789012:key/abcd", NULL, 0},  /* region outside partition */
		{"arn:aws:kms:us-east-1:123456789012:alias/my-key", NULL, 0},
		{"arn:aws:kms:us-east-1:12345678901:key/abcd", NULL, 0},
		{"arn:aws:kms:us-east-1:123456789012:key/", NULL, 0},
		{"arn:aws:kms:us-east-1:123456789012:key/*", NULL, 0},
		{"arn:aws:kms:us-east-1:123456789012:key/ab cd", NULL, 0},
		{"arn:aws:s3:us-east-1:123456789012:key/abcd", NULL, 0},
		{"arn:aws-xx:kms:us-east-1:123456789012:key/abcd", NULL, 0},
		{"arn:aws:kms:useast1:123456789012:key/abcd", NULL, 0},
		{"1234abcd-12ab-34cd-56ef-1234567890ab", NULL, 0},
		{"", NULL, 0},
		{"arn:", NULL, 0},
		{"arn:aws:kms", NULL, 0},
	};
	size_t i;

	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		const char *why = NULL;

		CHECK_INT(piam__valid_kms_key(table[i].arn, table[i].partition, &why), table[i].valid);
		CHECK(table[i].valid || why != NULL);
	}
}

static void test_options(void)
{
	piam_client *c = new_client();
	piam_options *o = (piam_options *)&c;
	char pname[PIAM__POLICY_NAME_MAX + 1];

	CHECK_INT(piam_options_new(NULL, c), PIAM_EINVAL);
	CHECK_INT(piam_options_new(&o, NULL), PIAM_EINVAL);
	CHECK(o == NULL);
	o = new_options(c);
	piam_options_free(NULL);

	/* defaults */
	CHECK_STR(o->role_name, "PersonalizeRole");
	CHECK_STR(piam__options_policy_name(o, pname), "PersonalizeRole-S3Access");
	CHECK_STR(o->path, "/");
	CHECK_INT(o->guard, 1);
	CHECK(o->account == NULL && o->region == NULL && o->kms_key == NULL && o->description == NULL);

	/* the policy name follows the role name until it is set */
	CHECK_INT(piam_options_set_role_name(o, "MyRole"), PIAM_OK);
	CHECK_STR(piam__options_policy_name(o, pname), "MyRole-S3Access");
	CHECK_INT(piam_options_set_policy_name(o, "Mine"), PIAM_OK);
	CHECK_STR(piam__options_policy_name(o, pname), "Mine");
	CHECK_INT(piam_options_set_policy_name(o, NULL), PIAM_OK);
	CHECK_STR(piam__options_policy_name(o, pname), "MyRole-S3Access");

	/* a rejected value changes nothing and leaves a message naming the field */
	CHECK_INT(piam_options_set_role_name(o, "bad role"), PIAM_EINVAL);
	CHECK_STR(o->role_name, "MyRole");
	CHECK(strstr(piam_client_error_message(c), "invalid role name 'bad role'") != NULL);
	CHECK_INT(piam_options_set_role_name(o, NULL), PIAM_OK);
	CHECK_STR(o->role_name, "PersonalizeRole");
	CHECK_INT(piam_client_error(c), PIAM_OK); /* success clears the last error */

	CHECK_INT(piam_options_set_path(o, "/service-role/"), PIAM_OK);
	CHECK_INT(piam_options_set_path(o, "service-role"), PIAM_EINVAL);
	CHECK_STR(o->path, "/service-role/");
	CHECK(strstr(piam_client_error_message(c), "IAM path") != NULL);
	CHECK_INT(piam_options_set_path(o, NULL), PIAM_OK);
	CHECK_STR(o->path, "/");

	CHECK_INT(piam_options_set_description(o, "made by piam"), PIAM_OK);
	CHECK_INT(piam_options_set_description(o, "\x01"), PIAM_EINVAL);
	CHECK_STR(o->description, "made by piam");
	CHECK_INT(piam_options_set_description(o, ""), PIAM_OK);
	CHECK(o->description == NULL);

	CHECK_INT(piam_options_set_account(o, "12345"), PIAM_EINVAL);
	CHECK(o->account == NULL);
	CHECK_INT(piam_options_set_account(o, ACCOUNT), PIAM_OK);
	CHECK_STR(o->account, ACCOUNT);

	CHECK_INT(piam_options_set_region(o, "mars-1"), PIAM_EINVAL);
	CHECK(o->region == NULL);
	CHECK_INT(piam_client_set_region(c, "eu-west-1"), PIAM_OK);
	CHECK_STR(piam__options_region(o), "eu-west-1"); /* the client's, when the options have none */
	CHECK_INT(piam_options_set_region(o, "us-east-1"), PIAM_OK);
	CHECK_STR(piam__options_region(o), "us-east-1");

	CHECK_INT(piam_options_set_kms_key(o, "arn:aws:kms:us-east-1:123456789012:alias/x"), PIAM_EINVAL);
	CHECK(strstr(piam_client_error_message(c), "alias") != NULL);
	CHECK(o->kms_key == NULL);
	CHECK_INT(piam_options_set_kms_key(o, KEY), PIAM_OK);
	CHECK_STR(o->kms_key, KEY);

	CHECK_INT(piam_options_set_guard(o, 2), PIAM_EINVAL);
	CHECK_INT(o->guard, 1);
	CHECK_INT(piam_options_set_guard(o, 0), PIAM_OK);
	CHECK_INT(o->guard, 0);

	CHECK_INT(piam_options_add_input_bucket(o, "in-bucket"), PIAM_OK);
	CHECK_INT(piam_options_add_input_bucket(o, "in-bucket"), PIAM_OK); /* twice is once */
	CHECK_INT(piam_options_add_input_bucket(o, "In-Bucket"), PIAM_EINVAL);
	CHECK(strstr(piam_client_error_message(c), "invalid bucket name 'In-Bucket'") != NULL);
	CHECK_INT(piam_options_add_input_bucket(o, NULL), PIAM_EINVAL);
	CHECK_INT(o->n_input, 1);
	CHECK_INT(piam_options_add_output_bucket(o, "out-bucket"), PIAM_OK);
	CHECK_INT(o->n_output, 1);
	CHECK(piam__options_is_output(o, "out-bucket") && !piam__options_is_output(o, "in-bucket"));
	CHECK(piam__options_is_input(o, "in-bucket") && !piam__options_is_input(o, "out-bucket"));

	/* NULL options */
	CHECK_INT(piam_options_set_role_name(NULL, "x"), PIAM_EINVAL);
	CHECK_INT(piam_options_set_guard(NULL, 1), PIAM_EINVAL);
	CHECK_INT(piam_options_add_input_bucket(NULL, "abc"), PIAM_EINVAL);
	piam_options_free(o);
	piam_client_free(c);
}

/* Render one document kind into a caller-owned string; NULL on failure. */
enum kind { TRUST, S3, BUCKET, CALLER, USER };

static int render(enum kind k, const piam_options *o, const char *bucket, char **out)
{
	switch (k) {
	case TRUST:
		return piam_policy_trust(out, o);
	case S3:
		return piam_policy_s3_access(out, o);
	case BUCKET:
		return piam_policy_bucket(out, o, bucket);
	case CALLER:
		return piam_policy_caller(out, o);
	case USER:
	default:
		return piam_policy_user(out, o);
	}
}

static void golden(const char *name, enum kind k, const piam_options *o, const char *bucket)
{
	char *doc = NULL, *again = NULL;

	CHECK_INT(render(k, o, bucket, &doc), PIAM_OK);
	check_golden(name, doc);
	/* deterministic: the same options give the same bytes */
	CHECK_INT(render(k, o, bucket, &again), PIAM_OK);
	CHECK(doc && again && strcmp(doc, again) == 0);
	piam_free(doc);
	piam_free(again);
}

static void test_golden(void)
{
	piam_client *c = new_client();
	piam_options *o = new_options(c);

	CHECK_INT(piam_options_set_account(o, ACCOUNT), PIAM_OK);
	CHECK_INT(piam_options_set_region(o, "us-east-1"), PIAM_OK);
	golden("trust.json", TRUST, o, NULL);
	CHECK_INT(piam_options_set_region(o, "cn-north-1"), PIAM_OK);
	golden("trust-cn.json", TRUST, o, NULL);
	CHECK_INT(piam_options_set_region(o, "us-gov-west-1"), PIAM_OK);
	golden("trust-gov.json", TRUST, o, NULL);
	CHECK_INT(piam_options_set_guard(o, 0), PIAM_OK);
	golden("trust-noguard.json", TRUST, o, NULL);
	CHECK_INT(piam_options_set_guard(o, 1), PIAM_OK);

	CHECK_INT(piam_options_set_region(o, "us-east-1"), PIAM_OK);
	CHECK_INT(piam_options_add_input_bucket(o, "training-data"), PIAM_OK);
	golden("s3-access.json", S3, o, NULL);
	golden("bucket-policy.json", BUCKET, o, "training-data");
	CHECK_INT(piam_options_add_input_bucket(o, "more-data.example"), PIAM_OK);
	CHECK_INT(piam_options_add_output_bucket(o, "batch-output"), PIAM_OK);
	CHECK_INT(piam_options_set_kms_key(o, KEY), PIAM_OK);
	golden("s3-access-full.json", S3, o, NULL);
	golden("bucket-policy-output.json", BUCKET, o, "batch-output");
	golden("caller-policy.json", CALLER, o, NULL);
	golden("user-policy.json", USER, o, NULL);
	piam_options_free(o);

	/* no account, another partition, a path and names: the caller and user policies follow */
	o = new_options(c);
	CHECK_INT(piam_options_set_region(o, "cn-northwest-1"), PIAM_OK);
	CHECK_INT(piam_options_set_role_name(o, "RecsRole"), PIAM_OK);
	CHECK_INT(piam_options_set_policy_name(o, "RecsS3"), PIAM_OK);
	CHECK_INT(piam_options_set_path(o, "/personalize/"), PIAM_OK);
	golden("caller-policy-noaccount.json", CALLER, o, NULL);
	golden("user-policy-noaccount.json", USER, o, NULL);
	piam_options_free(o);
	piam_client_free(c);
}

static void test_render_errors(void)
{
	piam_client *c = new_client();
	piam_options *o = new_options(c);
	char *doc = (char *)&doc, name[80];
	int i;

	CHECK_INT(piam_policy_trust(NULL, o), PIAM_EINVAL);
	CHECK_INT(piam_policy_trust(&doc, NULL), PIAM_EINVAL);
	CHECK(doc == NULL);

	/* the guard needs the account and the region */
	CHECK_INT(piam_policy_trust(&doc, o), PIAM_EINVAL);
	CHECK(doc == NULL);
	CHECK(strstr(piam_client_error_message(c), "account") != NULL);
	CHECK_INT(piam_options_set_account(o, ACCOUNT), PIAM_OK);
	CHECK_INT(piam_policy_trust(&doc, o), PIAM_EINVAL);
	CHECK(strstr(piam_client_error_message(c), "region") != NULL);
	CHECK_INT(piam_client_set_region(c, "eu-west-1"), PIAM_OK); /* the client's region will do */
	CHECK_INT(piam_policy_trust(&doc, o), PIAM_OK);
	CHECK(doc && strstr(doc, "arn:aws:personalize:eu-west-1:123456789012:*") != NULL);
	CHECK_INT(piam_client_error(c), PIAM_OK);
	piam_free(doc);

	/* the S3 policy needs a bucket; a KMS key must be in the region's partition */
	CHECK_INT(piam_policy_s3_access(&doc, o), PIAM_EINVAL);
	CHECK(strstr(piam_client_error_message(c), "bucket") != NULL);
	CHECK_INT(piam_options_add_output_bucket(o, "out-only"), PIAM_OK);
	CHECK_INT(piam_policy_s3_access(&doc, o), PIAM_OK);
	CHECK(doc && strstr(doc, "s3:PutObject") && !strstr(doc, "PersonalizeS3Read"));
	piam_free(doc);
	CHECK_INT(piam_options_set_kms_key(o, "arn:aws-cn:kms:cn-north-1:123456789012:key/abcd"), PIAM_OK);
	CHECK_INT(piam_policy_s3_access(&doc, o), PIAM_EINVAL);
	CHECK(doc == NULL);
	CHECK(strstr(piam_client_error_message(c), "partition") != NULL);
	CHECK_INT(piam_options_set_region(o, "cn-north-1"), PIAM_OK);
	CHECK_INT(piam_policy_s3_access(&doc, o), PIAM_OK);
	CHECK(doc && strstr(doc, "arn:aws-cn:s3:::out-only/*") != NULL);
	piam_free(doc);

	/* a bucket policy only for a bucket of the options */
	CHECK_INT(piam_policy_bucket(&doc, o, "other-bucket"), PIAM_EINVAL);
	CHECK_INT(piam_policy_bucket(&doc, o, NULL), PIAM_EINVAL);
	CHECK(doc == NULL);

	/* AWS's size limit on managed policies, checked before anything is sent */
	for (i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "bucket-%02d-%s", i, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvw");
		CHECK_INT(piam_options_add_input_bucket(o, name), PIAM_OK);
	}
	CHECK_INT(piam_policy_s3_access(&doc, o), PIAM_EPOLICY);
	CHECK(doc == NULL);
	CHECK(strstr(piam_client_error_message(c), "6144") != NULL);
	piam_options_free(o);
	piam_client_free(c);
}

static int equal(piam_client *c, const char *a, const char *b)
{
	int eq = -1, rc = piam_policy_equal(&eq, c, a, b);

	if (rc != PIAM_OK) {
		fprintf(stderr, "piam_policy_equal: %s\n", piam_client_error_message(c));
		return -1;
	}
	return eq;
}

/* Percent-encode everything but unreserved characters, as IAM returns documents. */
static char *url_encode(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *p = out;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("-_.~", ch))
			*p++ = (char)ch;
		else
			p += sprintf(p, "%%%02X", ch);
	}
	*p = '\0';
	return out;
}

static void test_compare(void)
{
	static const struct {
		const char *a, *b;
		int equal;
	} table[] = {
		/* a one-element list is its string */
		{"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}",
		 "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"],\"Resource\":[\"arn:aws:s3:::b/*\"]}}", 1},
		/* order of actions, resources and statements; duplicates; action case */
		{"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],\"Resource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"]},{\"Effect\":\"Deny\",\"Action\":\"s3:PutObject\",\"Resource\":\"*\"}]}",
		 "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:putobject\",\"Resource\":\"*\"},{\"Resource\":[\"arn:aws:s3:::b/*\",\"arn:aws:s3:::b\",\"arn:aws:s3:::b\"],\"Action\":[\"S3:ListBucket\",\"s3:GetObject\"],\"Effect\":\"Allow\"}]}", 1},
		/* resources are case-sensitive */
		{"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::B/*\"}]}",
		 "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}", 0},
		/* a missing Version is 2008-10-17 */
		{"{\"Statement\":[]}", "{\"Version\":\"2008-10-17\",\"Statement\":[]}", 1},
		{"{\"Statement\":[]}", "{\"Version\":\"2012-10-17\",\"Statement\":[]}", 0},
		/* principals: string or list, and IAM's root ARN for an account id */
		{"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"personalize.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
		 "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"personalize.amazonaws.com\"]},\"Action\":[\"sts:AssumeRole\"]}]}", 1},
		{"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"123456789012\"},\"Action\":\"s3:*\"}]}",
		 "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::123456789012:root\"]},\"Action\":\"s3:*\"}]}", 1},
		{"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"123456789012\"},\"Action\":\"s3:*\"}]}",
		 "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:user/x\"},\"Action\":\"s3:*\"}]}", 0},
		{"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\"}]}",
		 "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"s3:*\"}]}", 0},
		/* condition values: order, one-element lists, booleans and numbers as text, key case */
		{"{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":false},\"StringEquals\":{\"aws:SourceAccount\":[\"1\",\"2\"]},\"NumericLessThan\":{\"s3:max-keys\":10}}}]}",
		 "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"NumericLessThan\":{\"s3:max-keys\":\"10\"},\"StringEquals\":{\"AWS:SourceAccount\":[\"2\",\"1\"]},\"Bool\":{\"aws:SecureTransport\":[\"false\"]}}}]}", 1},
		{"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"1\"}}}]}",
		 "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Condition\":{\"StringLike\":{\"aws:SourceAccount\":\"1\"}}}]}", 0},
		{"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"1\"}}}]}",
		 "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}]}", 0},
		/* the things that do matter */
		{"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}]}", "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:GetObject\"}]}", 0},
		{"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}]}", "{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"s3:GetObject\"}]}", 0},
		{"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}]}", "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"]}]}", 0},
		{"{\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}]}", "{\"Statement\":[{\"Sid\":\"B\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}]}", 0},
		{"{\"Statement\":[{\"Sid\":\"\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}]}", "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}]}", 1},
		{"{\"Id\":\"x\",\"Statement\":[]}", "{\"Statement\":[]}", 0},
		/* a repeated statement says nothing more */
		{"{\"Statement\":[{},{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"},{\"Action\":[\"s3:GetObject\"],\"Effect\":\"Allow\"},{}]}",
		 "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"},{}]}", 1},
		/* whitespace and key order never matter */
		{" {\n \"Statement\" : [ ] ,\"Version\":\"2012-10-17\" }\n", "{\"Version\":\"2012-10-17\",\"Statement\":[]}", 1},
	};
	piam_client *c = new_client();
	size_t i;

	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		char *ea = url_encode(table[i].a);

		if (equal(c, table[i].a, table[i].b) != table[i].equal)
			fprintf(stderr, "compare case %zu\n", i);
		CHECK_INT(equal(c, table[i].a, table[i].b), table[i].equal);
		CHECK_INT(equal(c, table[i].b, table[i].a), table[i].equal);
		CHECK_INT(equal(c, table[i].a, table[i].a), 1);
		/* IAM's URL-encoded form compares like the raw one */
		CHECK_INT(equal(c, ea, table[i].b), table[i].equal);
		free(ea);
	}
	/* '+' is a character, not a space, in IAM's encoding */
	CHECK_INT(equal(c, "%7B%22Id%22%3A%22a+b%22%7D", "{\"Id\":\"a+b\"}"), 1);
	CHECK_INT(equal(c, "%7B%22Id%22%3A%22a%20b%22%7D", "{\"Id\":\"a b\"}"), 1);
	piam_client_free(c);
}

static unsigned long rng_state = 12345;

static unsigned long rnd(unsigned long n)
{
	rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
	return (rng_state >> 33) % n;
}

/* Shuffle an array in place (Fisher-Yates), and every array inside it. */
static void shuffle(json_t *v)
{
	size_t i, n;
	const char *key;
	json_t *el;

	if (json_is_object(v)) {
		json_object_foreach(v, key, el)
			shuffle(el);
		return;
	}
	if (!json_is_array(v))
		return;
	n = json_array_size(v);
	for (i = 0; i < n; i++)
		shuffle(json_array_get(v, i));
	for (i = n; i > 1; i--) {
		size_t j = rnd(i);
		json_t *a = json_incref(json_array_get(v, i - 1)), *b = json_incref(json_array_get(v, j));

		json_array_set_new(v, i - 1, b);
		json_array_set_new(v, j, a);
	}
}

/* Properties: every rendered document parses and equals itself in any order and encoding. */
static void test_properties(void)
{
	piam_client *c = new_client();
	piam_options *o = new_options(c);
	char *docs[5] = {NULL};
	enum kind kinds[5] = {TRUST, S3, BUCKET, CALLER, USER};
	size_t k;
	int round;

	piam_options_set_account(o, ACCOUNT);
	piam_options_set_region(o, "eu-central-1");
	piam_options_add_input_bucket(o, "in-one");
	piam_options_add_input_bucket(o, "in-two");
	piam_options_add_output_bucket(o, "out-one");
	piam_options_set_kms_key(o, "arn:aws:kms:eu-central-1:123456789012:key/k1");
	for (k = 0; k < 5; k++) {
		json_t *doc = NULL;
		char *enc;

		CHECK_INT(render(kinds[k], o, "in-one", &docs[k]), PIAM_OK);
		if (!docs[k])
			continue;
		CHECK_INT(piam__policy_parse(c, docs[k], strlen(docs[k]), &doc), PIAM_OK);
		CHECK_INT(equal(c, docs[k], docs[k]), 1);
		enc = url_encode(docs[k]);
		CHECK_INT(equal(c, enc, docs[k]), 1);
		free(enc);
		for (round = 0; round < 50 && doc; round++) {
			json_t *copy = json_deep_copy(doc);
			char *text;

			shuffle(copy);
			text = json_dumps(copy, JSON_COMPACT);
			CHECK_INT(equal(c, text, docs[k]), 1);
			free(text);
			json_decref(copy);
		}
		json_decref(doc);
	}
	/* documents of different kinds never compare equal */
	for (k = 0; k < 5; k++) {
		size_t j;

		for (j = 0; j < k; j++)
			if (docs[j] && docs[k])
				CHECK_INT(equal(c, docs[j], docs[k]), 0);
	}
	for (k = 0; k < 5; k++)
		piam_free(docs[k]);
	piam_options_free(o);
	piam_client_free(c);
}

static const char foreign[] =
	"{\"Version\":\"2012-10-17\",\"Id\":\"ExistingPolicy\",\"Statement\":["
	"{\"Sid\":\"DenyInsecure\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
	"\"Resource\":[\"arn:aws:s3:::training-data\",\"arn:aws:s3:::training-data/*\"],"
	"\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}},"
	"{\"Sid\":\"ReadForAnalytics\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::210987654321:root\"},"
	"\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::training-data/*\"}]}";

static json_t *parse(const char *s)
{
	json_error_t err;
	json_t *v = json_loads(s, 0, &err);

	if (!v)
		fprintf(stderr, "test JSON: %s\n", err.text);
	return v;
}

/* The statements of `doc` whose Sid is `sid` (first one), borrowed. */
static json_t *find_sid(json_t *doc, const char *sid)
{
	json_t *st, *list = json_object_get(doc, "Statement");
	size_t i;

	json_array_foreach(list, i, st) {
		json_t *s = json_object_get(st, "Sid");

		if (json_is_string(s) && strcmp(json_string_value(s), sid) == 0)
			return st;
	}
	return NULL;
}

static void test_merge(void)
{
	piam_client *c = new_client();
	piam_options *o = new_options(c);
	char *merged = NULL, *again = NULL, *back = NULL, *doc = NULL;
	json_t *orig, *m, *st;
	int change = -1;

	piam_options_add_input_bucket(o, "training-data");

	/* no policy yet: ours alone */
	CHECK_INT(piam_policy_bucket_merge(&doc, &change, o, "training-data", NULL), PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_PUT);
	check_golden("bucket-policy.json", doc);
	piam_free(doc);
	CHECK_INT(piam_policy_bucket_merge(&doc, &change, o, "training-data", "  \n"), PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_PUT);
	piam_free(doc);

	/* foreign statements and top-level fields are kept, ours appended */
	CHECK_INT(piam_policy_bucket_merge(&merged, &change, o, "training-data", foreign), PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_PUT);
	check_golden("bucket-policy-merged.json", merged);
	orig = parse(foreign);
	m = merged ? parse(merged) : NULL;
	CHECK(m != NULL);
	if (orig && m) {
		CHECK_INT(json_array_size(json_object_get(m, "Statement")), 3);
		CHECK(json_equal(json_object_get(m, "Id"), json_object_get(orig, "Id")));
		CHECK(json_equal(find_sid(m, "DenyInsecure"), find_sid(orig, "DenyInsecure")));
		CHECK(json_equal(find_sid(m, "ReadForAnalytics"), find_sid(orig, "ReadForAnalytics")));
		CHECK(find_sid(m, PIAM_POLICY_BUCKET_SID) != NULL);
	}
	json_decref(m);

	/* merging again changes nothing */
	CHECK_INT(piam_policy_bucket_merge(&again, &change, o, "training-data", merged), PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_UNCHANGED);
	CHECK(again && merged && strcmp(again, merged) == 0);
	piam_free(again);

	/* merge then remove gives back the original */
	CHECK_INT(piam_policy_bucket_remove(&back, &change, c, merged), PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_PUT);
	CHECK_INT(back ? equal(c, back, foreign) : -1, 1);
	if (back) {
		json_t *b = parse(back);

		CHECK(json_equal(b, orig)); /* not only semantically: the same values, in the same order */
		json_decref(b);
	}
	piam_free(back);

	/* removing when ours is absent: nothing to do; the policy is handed back */
	CHECK_INT(piam_policy_bucket_remove(&back, &change, c, foreign), PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_UNCHANGED);
	CHECK(back != NULL);
	piam_free(back);
	CHECK_INT(piam_policy_bucket_remove(&back, &change, c, NULL), PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_UNCHANGED);
	CHECK(back == NULL);

	/* removing the last statement: delete the bucket policy */
	CHECK_INT(piam_policy_bucket_merge(&doc, &change, o, "training-data", NULL), PIAM_OK);
	CHECK_INT(piam_policy_bucket_remove(&back, &change, c, doc), PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_DELETE);
	CHECK(back == NULL);
	piam_free(doc);

	/* a stale statement of ours is replaced where it stands; duplicates of it go */
	{
		const char *stale =
			"{\"Statement\":[{\"Sid\":\"First\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::x/*\"},"
			"{\"Sid\":\"PersonalizeS3BucketAccessPolicy\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"personalize.amazonaws.com\"},\"Action\":\"s3:*\",\"Resource\":\"*\"},"
			"{\"Sid\":\"Last\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::y/*\"},"
			"{\"Sid\":\"PersonalizeS3BucketAccessPolicy\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}";

		CHECK_INT(piam_policy_bucket_merge(&doc, &change, o, "training-data", stale), PIAM_OK);
		CHECK_INT(change, PIAM_POLICY_PUT);
		m = doc ? parse(doc) : NULL;
		if (m) {
			json_t *list = json_object_get(m, "Statement");

			CHECK_INT(json_array_size(list), 3);
			CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "Sid")), "First");
			st = json_array_get(list, 1);
			CHECK_STR(json_string_value(json_object_get(st, "Sid")), PIAM_POLICY_BUCKET_SID);
			CHECK(json_is_array(json_object_get(st, "Action")));
			CHECK_STR(json_string_value(json_object_get(json_array_get(list, 2), "Sid")), "Last");
			json_decref(m);
		}
		piam_free(doc);
	}

	/* a single statement object (not a list) is accepted and kept */
	CHECK_INT(piam_policy_bucket_merge(&doc, &change, o, "training-data",
					   "{\"Version\":\"2012-10-17\",\"Statement\":{\"Sid\":\"Only\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:DeleteBucket\",\"Resource\":\"arn:aws:s3:::training-data\"}}"),
		  PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_PUT);
	CHECK(doc && strstr(doc, "\"Only\"") && strstr(doc, PIAM_POLICY_BUCKET_SID));
	piam_free(doc);

	/* an output bucket gets s3:PutObject; the statement changes, so does the policy */
	piam_options_add_output_bucket(o, "training-data");
	CHECK_INT(piam_policy_bucket_merge(&doc, &change, o, "training-data", merged), PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_PUT);
	CHECK(doc && strstr(doc, "s3:PutObject"));
	piam_free(doc);

	CHECK_INT(piam_policy_bucket_merge(NULL, &change, o, "training-data", NULL), PIAM_EINVAL);
	CHECK_INT(piam_policy_bucket_merge(&doc, NULL, o, "training-data", NULL), PIAM_EINVAL);
	CHECK_INT(piam_policy_bucket_remove(&doc, &change, NULL, NULL), PIAM_EINVAL);
	json_decref(orig);
	piam_free(merged);
	piam_options_free(o);
	piam_client_free(c);
}

/* Untrusted input that must be refused, clearly, with nothing written. */
static void test_malformed(void)
{
	static const char *const bad_docs[] = {
		"",                                   /* handled as "no policy" by merge; see below */
		"not json",
		"{\"Statement\":[]",
		"[]",
		"\"text\"",
		"{\"Statement\":\"x\"}",
		"{\"Statement\":[\"x\"]}",
		"{\"Statement\":[{\"Effect\":\"Maybe\"}]}",
		"{\"Statement\":[{\"Effect\":1}]}",
		"{\"Statement\":[{\"Action\":5}]}",
		"{\"Statement\":[{\"Action\":[\"s3:GetObject\",5]}]}",
		"{\"Statement\":[{\"Resource\":{}}]}",
		"{\"Statement\":[{\"Principal\":[\"*\"]}]}",
		"{\"Statement\":[{\"Principal\":{\"AWS\":{}}}]}",
		"{\"Statement\":[{\"Condition\":\"x\"}]}",
		"{\"Statement\":[{\"Condition\":{\"StringEquals\":\"x\"}}]}",
		"{\"Statement\":[{\"Condition\":{\"StringEquals\":{\"k\":{\"deeper\":1}}}}]}",
		"{\"Statement\":[{\"Condition\":{\"StringEquals\":{\"k\":null}}}]}",
		"{\"Statement\":[{\"Sid\":7}]}",
		"{\"Version\":2012}",
		"{\"Statement\":[],\"Statement\":[]}",  /* duplicate keys */
		"{\"Statement\":[{\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"1\",\"AWS:SOURCEACCOUNT\":\"2\"}}}]}",
		"%7B%22Statement%22%3A%5B%5D",          /* URL-encoded, truncated JSON */
		"%7B%2",                                /* truncated escape */
		"%7B%ZZ%7D",                            /* invalid escape */
		"{\"Id\":\"\\u0000\"}",                 /* NUL inside a string */
		"{\"Version\":\"2012-10-17\"}",         /* valid policy text but merge needs a Statement */
	};
	piam_client *c = new_client();
	piam_options *o = new_options(c);
	char *doc, *big;
	int change, eq;
	size_t i, n;

	piam_options_add_input_bucket(o, "training-data");
	for (i = 1; i < PIAM__ARRAY_LEN(bad_docs); i++) {
		doc = (char *)&doc;
		change = -1;
		CHECK_INT(piam_policy_bucket_merge(&doc, &change, o, "training-data", bad_docs[i]), PIAM_EPOLICY);
		CHECK(doc == NULL);
		CHECK(change == -1 || change == PIAM_POLICY_UNCHANGED);
		CHECK(strstr(piam_client_error_message(c), "policy") != NULL);
		CHECK(strchr(piam_client_error_message(c), '\n') == NULL);
		CHECK_INT(piam_policy_bucket_remove(&doc, &change, c, bad_docs[i]), PIAM_EPOLICY);
		CHECK(doc == NULL);
		if (i + 1 < PIAM__ARRAY_LEN(bad_docs)) /* the last one is a valid document */
			CHECK_INT(piam_policy_equal(&eq, c, bad_docs[i], "{}"), PIAM_EPOLICY);
	}

	/* a NUL byte inside the text: parse works on lengths, never past them */
	{
		json_t *v = NULL;
		const char with_nul[] = "{\"Statement\":[]}\0garbage";

		CHECK_INT(piam__policy_parse(c, with_nul, sizeof(with_nul) - 1, &v), PIAM_EPOLICY);
		CHECK(v == NULL);
		CHECK_INT(piam__policy_parse(c, with_nul, strlen(with_nul), &v), PIAM_OK);
		json_decref(v);
	}

	/* huge: refused before parsing */
	n = PIAM__POLICY_TEXT_MAX + 10;
	big = malloc(n + 1);
	memset(big, ' ', n);
	memcpy(big, "{\"Id\":\"", 7);
	big[n - 2] = '"';
	big[n - 1] = '}';
	big[n] = '\0';
	CHECK_INT(piam_policy_bucket_remove(&doc, &change, c, big), PIAM_EPOLICY);
	CHECK(strstr(piam_client_error_message(c), "too large") != NULL);
	free(big);

	/* deep nesting: refused, never a stack overflow */
	n = 50000;
	big = malloc(2 * n + 1);
	memset(big, '[', n);
	memset(big + n, ']', n);
	big[2 * n] = '\0';
	CHECK_INT(piam_policy_bucket_remove(&doc, &change, c, big), PIAM_EPOLICY);
	CHECK(strstr(piam_client_error_message(c), "nested") != NULL);
	free(big);

	/* a merge that would pass S3's 20 KB limit */
	{
		piam__buf b = {NULL, 0, 0};

		piam__buf_puts(c, &b, "{\"Statement\":[");
		for (i = 0; i < 200; i++)
			piam__buf_printf(c, &b, "%s{\"Sid\":\"S%zu\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::training-data/%zu\"}",
					 i ? "," : "", i, i);
		piam__buf_puts(c, &b, "]}");
		CHECK_INT(piam_policy_bucket_merge(&doc, &change, o, "training-data", b.data), PIAM_EPOLICY);
		CHECK(doc == NULL);
		CHECK(strstr(piam_client_error_message(c), "20480") != NULL);
		piam__buf_free(c, &b);
	}
	piam_options_free(o);
	piam_client_free(c);
}

/* The internal entry points the setup layer uses, with its account and region. */
static void test_internal(void)
{
	piam_client *c = new_client();
	piam_options *o = new_options(c);
	json_t *trust = NULL, *st = NULL, *doc = NULL;
	char *text = NULL;
	size_t len = 0;
	int eq = -1, change = -1;

	piam_options_add_input_bucket(o, "training-data");
	/* the options have neither account nor region; setup passes what it learned */
	CHECK_INT(piam__policy_trust_doc(o, NULL, NULL, &trust), PIAM_EINVAL);
	CHECK_INT(piam__policy_trust_doc(o, ACCOUNT, "us-west-2", &trust), PIAM_OK);
	CHECK(o->account == NULL); /* the caller's options stay as they were */
	CHECK_INT(piam__policy_text(c, trust, 0, &text, &len), PIAM_OK);
	CHECK(text && strchr(text, ' ') == NULL && strchr(text, '\n') == NULL && len == strlen(text));
	CHECK(text && strstr(text, "arn:aws:personalize:us-west-2:123456789012:*"));
	/* the compact text IAM would return, URL-encoded, compares equal: no drift */
	if (text) {
		char *enc = url_encode(text);

		CHECK_INT(piam__policy_compare(c, enc, strlen(enc), trust, &eq), PIAM_OK);
		CHECK_INT(eq, 1);
		free(enc);
	}
	CHECK_INT(piam__policy_compare(c, "{\"Statement\":[]}", 16, trust, &eq), PIAM_OK);
	CHECK_INT(eq, 0);
	piam__free(c, text);

	CHECK_INT(piam__policy_bucket_statement(o, "eu-west-1", "training-data", &st), PIAM_OK);
	CHECK_INT(piam__policy_bucket_merge(c, NULL, 0, st, &doc, &change), PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_PUT);
	CHECK(doc != NULL);
	json_decref(doc);
	CHECK_INT(piam__policy_bucket_merge(c, NULL, 0, NULL, &doc, &change), PIAM_OK);
	CHECK_INT(change, PIAM_POLICY_UNCHANGED);
	CHECK(doc == NULL);
	CHECK_INT(piam__policy_bucket_merge(c, "{", 1, st, &doc, &change), PIAM_EPOLICY);
	CHECK(doc == NULL);
	json_decref(st);
	json_decref(trust);
	piam_options_free(o);
	piam_client_free(c);
}

/* Every allocation piam makes (jansson's own are outside) fails in turn: ENOMEM, no leak. */
static void test_alloc_failures(void)
{
	enum { N_OPS = 8 };
	int op;

	for (op = 0; op < N_OPS; op++) {
		long k;
		int done = 0;

		for (k = 1; k < 1000 && !done; k++) {
			struct testalloc t = {0};
			piam_allocator a = testalloc_allocator(&t);
			piam_client *c = NULL;
			piam_options *o = NULL;
			char *out = NULL;
			int rc, change, eq;

			if (piam_client_new(&c, &a) != PIAM_OK)
				abort();
			t.fail_at = t.calls + k;
			rc = piam_options_new(&o, c);
			if (!rc)
				rc = piam_options_set_account(o, ACCOUNT);
			if (!rc)
				rc = piam_options_set_region(o, "us-east-1");
			if (!rc)
				rc = piam_options_add_input_bucket(o, "training-data");
			if (!rc)
				rc = piam_options_add_output_bucket(o, "output-data");
			if (!rc)
				rc = piam_options_set_kms_key(o, KEY);
			if (!rc) {
				switch (op) {
				case 0:
					rc = piam_policy_trust(&out, o);
					break;
				case 1:
					rc = piam_policy_s3_access(&out, o);
					break;
				case 2:
					rc = piam_policy_bucket(&out, o, "output-data");
					break;
				case 3:
					rc = piam_policy_caller(&out, o);
					break;
				case 4:
					rc = piam_policy_user(&out, o);
					break;
				case 5:
					rc = piam_policy_bucket_merge(&out, &change, o, "training-data", foreign);
					break;
				case 6:
					rc = piam_policy_bucket_remove(&out, &change, c, "%7B%22Statement%22%3A%5B%7B%22Sid%22%3A%22PersonalizeS3BucketAccessPolicy%22%7D%2C%7B%22Sid%22%3A%22x%22%7D%5D%7D");
					break;
				default:
					rc = piam_policy_equal(&eq, c, foreign, foreign);
					break;
				}
			}
			CHECK(rc == PIAM_OK || rc == PIAM_ENOMEM);
			if (rc == PIAM_ENOMEM)
				CHECK_INT(piam_client_error(c), PIAM_ENOMEM);
			if (rc == PIAM_OK && t.failures == 0)
				done = 1;
			CHECK(rc != PIAM_OK || op == 7 || op == 6 || out != NULL);
			piam_free(out);
			piam_options_free(o);
			piam_client_free(c);
			CHECK_INT(t.live, 0);
		}
		CHECK(done);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		golden_dir = argv[1];
	test_validators();
	test_length_limits();
	test_kms_keys();
	test_options();
	test_golden();
	test_render_errors();
	test_compare();
	test_properties();
	test_merge();
	test_malformed();
	test_internal();
	test_alloc_failures();
	return check_exit();
}
