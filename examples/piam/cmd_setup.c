/* piam plan | setup | teardown: the guide as one command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define WAIT_SECONDS 60

struct setup_args {
	int json;
	int verbose;
};

static void help(const char *cmd)
{
	printf("usage: piam %s --role NAME --bucket BUCKET [--bucket BUCKET ...] [OPTIONS]\n\n", cmd);
	if (strcmp(cmd, "plan") == 0)
		fputs("Reads the account and prints what `piam setup` would do, one line per step with its status\n"
		      "(create, update, unchanged). Sends only reads.\n\n",
		      stdout);
	else if (strcmp(cmd, "setup") == 0)
		fputs("Creates or repairs the IAM role Amazon Personalize assumes (with AmazonPersonalizeFullAccess\n"
		      "attached), its S3 access policy and the bucket policies, then prints one line per step\n"
		      "with its status (created, updated, unchanged) and the role ARN as the last line. Safe to\n"
		      "run again: a converged account costs only reads.\n\n",
		      stdout);
	else
		fputs("Removes what `piam setup` created: piam's statement from each bucket policy (the policy\n"
		      "itself only when nothing else is left), the attachments, the S3 access policy and the\n"
		      "role — only resources tagged piam:managed=true. Running it twice succeeds.\n\n",
		      stdout);
	fputs("options:\n"
	      "  --role NAME            the role's name (default PersonalizeRole); the S3 access policy is\n"
	      "                         named NAME-S3Access\n"
	      "  --bucket BUCKET        a bucket Personalize reads (s3:GetObject, s3:ListBucket); repeatable\n"
	      "  --output-bucket BUCKET a bucket Personalize also writes (s3:PutObject); repeatable\n"
	      "  --kms-key ARN          the KMS key of the buckets (kms:Decrypt, GenerateDataKey, DescribeKey)\n"
	      "  --cloudwatch           also attach the AWS managed policy CloudWatchFullAccess\n"
	      "  --no-bucket-policy     leave the bucket policies alone\n"
	      "  --no-guard             no confused-deputy conditions in the trust policy\n"
	      "  --adopt                take over a role of that name that piam did not create (tags it)\n"
	      "  --wait                 after creating the role, wait (up to 60 s) until IAM shows it\n"
	      "  --region R             the region Personalize runs in (default AWS_REGION / AWS_DEFAULT_REGION)\n"
	      "  --profile P            the profile of ~/.aws/config and ~/.aws/credentials (default AWS_PROFILE)\n"
	      "  --endpoint-url URL     send IAM, STS and S3 requests to URL (e.g. a local moto_server)\n"
	      "  --json                 print one JSON object: {\"role_arn\": ..., \"steps\": [{\"step\", \"resource\",\n"
	      "                         \"status\"}, ...]} (and \"failed_step\" when a step failed)\n"
	      "  --timeout SECONDS      give up on one HTTP exchange after SECONDS (default 30; decimals allowed)\n"
	      "  -v                     log every AWS request on stderr; -vv also each attempt and error reply\n"
	      "  --help                 this text\n\n"
	      "Credentials come from the environment, the shared files or the instance, as for the AWS CLI.\n"
	      "exit status: 0 done; 1 failed (the AWS error code and message on stderr); 2 bad usage or\n"
	      "invalid input (nothing was sent).\n",
	      stdout);
}

static void log_line(int level, const char *message, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "piam: %s: %s\n", level <= PIAM_LOG_ERROR ? "error" : level == PIAM_LOG_WARN ? "warning" : "debug",
		message);
}

/* IAM is eventually consistent: say why a --wait run pauses. */
static void on_progress(const char *step, const char *resource, const char *status, void *userdata)
{
	(void)userdata;
	if (strcmp(step, "wait-role") == 0)
		fprintf(stderr, "piam: %s: %s\n", strcmp(status, "waiting") == 0 ? "waiting for IAM to show" : status,
			resource);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void print_plan(const piam_plan *plan, const char *cmd, int json)
{
	size_t i, n = piam_plan_count(plan);
	int failed = piam_plan_failed_step(plan);

	if (json) {
		fputs("{\"role_arn\": ", stdout);
		json_string(piam_plan_role_arn(plan));
		fputs(", \"steps\": [", stdout);
		for (i = 0; i < n; i++) {
			fputs(i ? ", {\"step\": " : "{\"step\": ", stdout);
			json_string(piam_plan_step_name(plan, i));
			fputs(", \"resource\": ", stdout);
			json_string(piam_plan_step_resource(plan, i));
			fputs(", \"status\": ", stdout);
			json_string(piam_plan_step_status(plan, i));
			putchar('}');
		}
		putchar(']');
		if (failed >= 0) {
			fputs(", \"failed_step\": ", stdout);
			json_string(piam_plan_step_name(plan, (size_t)failed));
		}
		fputs("}\n", stdout);
		return;
	}
	for (i = 0; i < n; i++)
		printf("%-26s %-10s %s\n", piam_plan_step_name(plan, i), piam_plan_step_status(plan, i),
		       piam_plan_step_resource(plan, i));
	if (strcmp(cmd, "setup") == 0 && failed < 0)
		printf("%s\n", piam_plan_role_arn(plan));
}

static int need_value(int argc, char **argv, int i)
{
	if (i + 1 >= argc || argv[i + 1][0] == '\0')
		return cli_usage_error("%s: %s needs a value", argv[0], argv[i]);
	return 0;
}

/* Apply one option to `o` or `a`; returns the number of arguments used, or -1 (usage error printed). */
static int parse_option(piam_options *o, piam_client *client, struct setup_args *a, int argc, char **argv, int i)
{
	const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
	static const struct {
		const char *flag;
		int (*set)(piam_options *, const char *);
	} valued[] = {
		{"--role", piam_options_set_role_name},
		{"--bucket", piam_options_add_input_bucket},
		{"--output-bucket", piam_options_add_output_bucket},
		{"--kms-key", piam_options_set_kms_key},
	};
	size_t k;
	int rc = PIAM_OK;

	for (k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
		if (strcmp(flag, valued[k].flag) != 0)
			continue;
		if (need_value(argc, argv, i))
			return -1;
		if (valued[k].set(o, value) != PIAM_OK) {
			cli_usage_error("%s %s: %s", flag, value, piam_client_error_message(client));
			return -1;
		}
		return 2;
	}
	if (strcmp(flag, "--region") == 0 || strcmp(flag, "--profile") == 0 || strcmp(flag, "--endpoint-url") == 0) {
		if (need_value(argc, argv, i))
			return -1;
		if (strcmp(flag, "--region") == 0)
			rc = piam_client_set_region(client, value);
		else if (strcmp(flag, "--profile") == 0)
			rc = piam_client_set_profile(client, value);
		else
			rc = piam_client_set_endpoint(client, NULL, value);
		if (rc != PIAM_OK) {
			cli_usage_error("%s %s: %s", flag, value, piam_client_error_message(client));
			return -1;
		}
		return 2;
	}
	if (strcmp(flag, "--timeout") == 0) {
		char *end;
		double secs;

		if (need_value(argc, argv, i))
			return -1;
		secs = strtod(value, &end);
		if (*end || !(secs >= 0.001 && secs <= 86400.0))
			return cli_usage_error("--timeout %s: expected seconds between 0.001 and 86400", value), -1;
		if (piam_client_set_timeouts(client, 0, (long)(secs * 1000.0)) != PIAM_OK)
			return cli_client_error(client), -1;
		return 2;
	}
	if (strcmp(flag, "--cloudwatch") == 0)
		rc = piam_options_set_cloudwatch(o, 1);
	else if (strcmp(flag, "--no-bucket-policy") == 0)
		rc = piam_options_set_bucket_policy(o, 0);
	else if (strcmp(flag, "--no-guard") == 0)
		rc = piam_options_set_guard(o, 0);
	else if (strcmp(flag, "--adopt") == 0)
		rc = piam_options_set_adopt_existing(o, 1);
	else if (strcmp(flag, "--wait") == 0)
		rc = piam_options_set_wait(o, WAIT_SECONDS);
	else if (strcmp(flag, "--json") == 0)
		a->json = 1;
	else if (strcmp(flag, "-v") == 0 || strcmp(flag, "--verbose") == 0)
		a->verbose = a->verbose > 1 ? a->verbose : 1;
	else if (strcmp(flag, "-vv") == 0)
		a->verbose = 2;
	else {
		cli_usage_error("%s: unknown option '%s' (see piam %s --help)", argv[0], flag, argv[0]);
		return -1;
	}
	if (rc != PIAM_OK) {
		cli_client_error(client);
		return -1;
	}
	return 1;
}

int cmd_setup(int argc, char **argv)
{
	struct setup_args a = {0, 0};
	piam_client *client = NULL;
	piam_options *o = NULL;
	piam_plan *plan = NULL;
	const char *cmd = argv[0];
	int i, used, rc, status = EXIT_USAGE;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help(cmd);
			return EXIT_OK;
		}
	if (piam_client_new(&client, NULL) != PIAM_OK || piam_options_new(&o, client) != PIAM_OK) {
		fprintf(stderr, "piam: out of memory\n");
		piam_client_free(client);
		return EXIT_FAIL;
	}
	piam_client_use_environment(client, 1);
	for (i = 1; i < argc; i += used)
		if ((used = parse_option(o, client, &a, argc, argv, i)) < 0)
			goto out;
	if (a.verbose)
		piam_client_set_log(client, log_line, a.verbose > 1 ? PIAM_LOG_TRACE : PIAM_LOG_DEBUG, NULL);
	piam_options_set_progress(o, on_progress, NULL);

	if (strcmp(cmd, "plan") == 0)
		rc = piam_setup_plan(&plan, client, o);
	else if (strcmp(cmd, "setup") == 0)
		rc = piam_setup_apply(&plan, client, o);
	else
		rc = piam_setup_teardown(&plan, client, o);
	if (plan)
		print_plan(plan, cmd, a.json);
	if (rc == PIAM_OK)
		status = EXIT_OK;
	else if (rc == PIAM_EINVAL && !plan)
		status = cli_usage_error("%s", piam_client_error_message(client));
	else
		status = cli_client_error(client);
out:
	piam_plan_free(plan);
	piam_options_free(o);
	piam_client_free(client);
	return status;
}
