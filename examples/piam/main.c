/* piam: the command-line face of libpiam, and the reference embedding of its public API. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{"render", cmd_render, "print a policy document (trust, s3-access, bucket-policy, ...)"},
	{"plan", cmd_setup, "show what setup would do (reads only)"},
	{"setup", cmd_setup, "create or repair the role, policies and bucket policies"},
	{"teardown", cmd_setup, "remove what setup created"},
	{"sign", cmd_sign, "SigV4-sign a raw HTTP request (see piam sign --help)"},
	{NULL, NULL, NULL},
};

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("piam: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cli_client_error(const piam_client *client)
{
	const char *code = piam_client_error_aws_code(client);

	fprintf(stderr, "piam: %s: %s\n", *code ? code : piam_status_name(piam_client_error(client)),
		piam_client_error_message(client));
	return EXIT_FAIL;
}

static void usage(FILE *f)
{
	const struct cli_command *cmd;

	fputs("usage: piam COMMAND [OPTIONS]\n"
	      "       piam COMMAND --help\n"
	      "       piam --version\n\n"
	      "Sets up the IAM role, policies and bucket policy that Amazon Personalize needs.\n\n"
	      "commands:\n",
	      f);
	for (cmd = commands; cmd->name; cmd++)
		fprintf(f, "  %-10s %s\n", cmd->name, cmd->summary);
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("piam %s\n", piam_version());
		return EXIT_OK;
	}
	for (cmd = commands; cmd->name; cmd++)
		if (strcmp(argv[1], cmd->name) == 0)
			return cmd->run(argc - 1, argv + 1);
	return cli_usage_error("unknown command '%s' (see piam --help)", argv[1]);
}
