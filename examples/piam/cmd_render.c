/* piam render: print one of the policy documents piam uses, without touching AWS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum doc { DOC_TRUST, DOC_S3_ACCESS, DOC_BUCKET, DOC_CALLER, DOC_USER };

enum flag {
	F_ACCOUNT = 1 << 0,
	F_REGION = 1 << 1,
	F_NO_GUARD = 1 << 2,
	F_BUCKET = 1 << 3,
	F_OUTPUT_BUCKET = 1 << 4,
	F_KMS_KEY = 1 << 5,
	F_OUTPUT = 1 << 6,
	F_EXISTING = 1 << 7,
	F_ROLE = 1 << 8,
	F_POLICY_NAME = 1 << 9,
	F_PATH = 1 << 10
};

static const struct {
	const char *name;
	enum flag flag;
	const char *value; /* the value's placeholder; NULL for a switch */
	const char *help;
} flags[] = {
	{"--account", F_ACCOUNT, "ID", "the 12-digit AWS account id"},
	{"--region", F_REGION, "REGION", "the region (gives the partition: aws, aws-cn, aws-us-gov)"},
	{"--no-guard", F_NO_GUARD, NULL, "no confused-deputy conditions in the trust policy"},
	{"--bucket", F_BUCKET, "BUCKET", "an input bucket (repeatable, except for bucket-policy)"},
	{"--output-bucket", F_OUTPUT_BUCKET, "BUCKET", "an output bucket: adds s3:PutObject (repeatable)"},
	{"--kms-key", F_KMS_KEY, "ARN", "the KMS key that encrypts the buckets"},
	{"--output", F_OUTPUT, NULL, "the bucket is an output bucket: adds s3:PutObject"},
	{"--existing", F_EXISTING, "FILE", "merge into this existing bucket policy ('-' for stdin)"},
	{"--role", F_ROLE, "NAME", "the role name (default PersonalizeRole)"},
	{"--policy-name", F_POLICY_NAME, "NAME", "the S3 access policy's name (default ROLE-S3Access)"},
	{"--path", F_PATH, "PATH", "the IAM path of the role and policy (default /)"},
};

static const struct {
	const char *name;
	enum doc doc;
	unsigned allowed;
	const char *summary;
} docs[] = {
	{"trust", DOC_TRUST, F_ACCOUNT | F_REGION | F_NO_GUARD, "the role's trust policy"},
	{"s3-access", DOC_S3_ACCESS, F_BUCKET | F_OUTPUT_BUCKET | F_KMS_KEY | F_REGION,
	 "the S3 (and KMS) access policy attached to the role"},
	{"bucket-policy", DOC_BUCKET, F_BUCKET | F_OUTPUT | F_EXISTING | F_REGION,
	 "the bucket policy for one bucket, merged into --existing"},
	{"caller-policy", DOC_CALLER,
	 F_ROLE | F_POLICY_NAME | F_PATH | F_BUCKET | F_OUTPUT_BUCKET | F_ACCOUNT | F_REGION,
	 "the least-privilege policy for whoever runs piam"},
	{"user-policy", DOC_USER, F_ROLE | F_PATH | F_ACCOUNT | F_REGION,
	 "a user restricted to Amazon Personalize operations"},
};

static void usage(FILE *f)
{
	size_t i, j;

	fputs("usage: piam render DOCUMENT [OPTIONS]\n\n"
	      "Prints a policy document as JSON on stdout. Nothing is sent to AWS.\n"
	      "Exit status: 0 printed; 2 invalid input (one line on stderr, nothing on stdout); 1 other failure.\n\n"
	      "documents:\n",
	      f);
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		fprintf(f, "  %-14s %s\n   ", docs[i].name, docs[i].summary);
		for (j = 0; j < sizeof(flags) / sizeof(flags[0]); j++)
			if (docs[i].allowed & flags[j].flag)
				fprintf(f, " [%s%s%s]", flags[j].name, flags[j].value ? " " : "",
					flags[j].value ? flags[j].value : "");
		fputc('\n', f);
	}
	fputs("\noptions:\n", f);
	for (j = 0; j < sizeof(flags) / sizeof(flags[0]); j++) {
		char left[40];

		snprintf(left, sizeof(left), "%s%s%s", flags[j].name, flags[j].value ? " " : "",
			 flags[j].value ? flags[j].value : "");
		fprintf(f, "  %-23s %s\n", left, flags[j].help);
	}
}

/* Read a whole file (or stdin for "-"); NULL on failure. */
static char *read_file(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t len = 0, cap = 4096, n;
	char *buf, *grown;

	if (!f)
		return NULL;
	if (!(buf = malloc(cap)))
		goto fail;
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			if (cap > (1u << 20) || !(grown = realloc(buf, cap * 2)))
				goto fail;
			buf = grown;
			cap *= 2;
		}
	}
	if (ferror(f))
		goto fail;
	buf[len] = '\0';
	if (f != stdin)
		fclose(f);
	return buf;
fail:
	free(buf);
	if (f != stdin)
		fclose(f);
	return NULL;
}

/* A failure of the library: invalid input and bad documents are the user's (2), the rest 1. */
static int fail(piam_client *client)
{
	int code = piam_client_error(client);

	if (code == PIAM_EINVAL || code == PIAM_EPOLICY)
		return cli_usage_error("%s", piam_client_error_message(client));
	return cli_client_error(client);
}

static int apply(piam_options *o, enum flag flag, const char *value, const char **bucket, int *output,
		 const char **existing)
{
	switch (flag) {
	case F_ACCOUNT:
		return piam_options_set_account(o, value);
	case F_REGION:
		return piam_options_set_region(o, value);
	case F_NO_GUARD:
		return piam_options_set_guard(o, 0);
	case F_BUCKET:
		*bucket = value;
		return piam_options_add_input_bucket(o, value);
	case F_OUTPUT_BUCKET:
		return piam_options_add_output_bucket(o, value);
	case F_KMS_KEY:
		return piam_options_set_kms_key(o, value);
	case F_OUTPUT:
		*output = 1;
		return PIAM_OK;
	case F_EXISTING:
		*existing = value;
		return PIAM_OK;
	case F_ROLE:
		return piam_options_set_role_name(o, value);
	case F_POLICY_NAME:
		return piam_options_set_policy_name(o, value);
	case F_PATH:
		return piam_options_set_path(o, value);
	}
	return PIAM_EINVAL;
}

static int render(piam_client *client, piam_options *o, enum doc doc, const char *bucket, int output,
		  const char *existing_path)
{
	char *text = NULL, *existing = NULL;
	int rc, change;

	switch (doc) {
	case DOC_TRUST:
		rc = piam_policy_trust(&text, o);
		break;
	case DOC_S3_ACCESS:
		rc = piam_policy_s3_access(&text, o);
		break;
	case DOC_CALLER:
		rc = piam_policy_caller(&text, o);
		break;
	case DOC_USER:
		rc = piam_policy_user(&text, o);
		break;
	case DOC_BUCKET:
	default:
		if (!bucket)
			return cli_usage_error("render bucket-policy needs --bucket");
		/* --output makes the one bucket an output bucket instead of an input bucket. */
		if (output && piam_options_add_output_bucket(o, bucket) != PIAM_OK)
			return fail(client);
		if (existing_path && !(existing = read_file(existing_path))) {
			fprintf(stderr, "piam: cannot read %s\n", existing_path);
			return EXIT_FAIL;
		}
		rc = piam_policy_bucket_merge(&text, &change, o, bucket, existing);
		free(existing);
		break;
	}
	if (rc != PIAM_OK)
		return fail(client);
	printf("%s\n", text);
	piam_free(text);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

static int run(piam_client *client, piam_options *o, int argc, char **argv)
{
	const char *bucket = NULL, *existing = NULL;
	int output = 0, i;
	size_t d, f;

	for (d = 0; d < sizeof(docs) / sizeof(docs[0]); d++)
		if (strcmp(argv[1], docs[d].name) == 0)
			break;
	if (d == sizeof(docs) / sizeof(docs[0]))
		return cli_usage_error("unknown document '%s' (see piam render --help)", argv[1]);
	for (i = 2; i < argc; i++) {
		const char *arg = argv[i], *value = NULL, *eq = strchr(arg, '=');
		size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
		for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
			if (strlen(flags[f].name) == name_len && strncmp(arg, flags[f].name, name_len) == 0)
				break;
		if (f == sizeof(flags) / sizeof(flags[0]) || !(docs[d].allowed & flags[f].flag))
			return cli_usage_error("render %s: unknown option '%.*s'", docs[d].name, (int)name_len, arg);
		if (flags[f].value) {
			if (eq)
				value = eq + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else
				return cli_usage_error("render %s: %s needs a value", docs[d].name, flags[f].name);
		} else if (eq) {
			return cli_usage_error("render %s: %s takes no value", docs[d].name, flags[f].name);
		}
		if (flags[f].flag == F_BUCKET && docs[d].doc == DOC_BUCKET && bucket)
			return cli_usage_error("render bucket-policy: one --bucket only");
		if (apply(o, flags[f].flag, value, &bucket, &output, &existing) != PIAM_OK)
			return fail(client);
	}
	return render(client, o, docs[d].doc, bucket, output, existing);
}

int cmd_render(int argc, char **argv)
{
	piam_client *client = NULL;
	piam_options *o = NULL;
	int status;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (piam_client_new(&client, NULL) != PIAM_OK || piam_options_new(&o, client) != PIAM_OK) {
		piam_client_free(client);
		fputs("piam: out of memory\n", stderr);
		return EXIT_FAIL;
	}
	status = run(client, o, argc, argv);
	piam_options_free(o);
	piam_client_free(client);
	return status;
}
