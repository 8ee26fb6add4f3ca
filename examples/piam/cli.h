/* Shared pieces of the piam command. It uses only the public header, as any embedder would. */
#ifndef PIAM_CLI_H
#define PIAM_CLI_H

#include <piam/piam.h>

/* Exit codes every command keeps to. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* A subcommand: argv[0] is the command's name. Returns an exit code. */
typedef int (*cli_command_fn)(int argc, char **argv);

struct cli_command {
	const char *name;
	cli_command_fn run;
	const char *summary;
};

/* Print "piam: <message>" on stderr and return EXIT_USAGE (for bad flags and input). */
int cli_usage_error(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* The commands, one file each (examples/piam/cmd_NAME.c). */
int cmd_sign(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_setup(int argc, char **argv); /* plan, setup and teardown */

/* Print the client's last error on stderr ("piam: CODE: message") and return EXIT_FAIL. */
int cli_client_error(const piam_client *client);

#endif
