/*
 * Per-test environments for the configuration tests: a fresh temporary directory as HOME, the
 * shared files written there, and every AWS_* variable piam reads cleared, so that a test never
 * sees the real ~/.aws or the caller's environment.
 */
#ifndef PIAM_TESTENV_H
#define PIAM_TESTENV_H

#include <stddef.h>

struct testenv {
	char dir[64];
	char config[128];
	char credentials[128];
};

/* Start a test: new HOME, AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE pointing into it, with
 * the given contents (NULL: the file does not exist), AWS_EC2_METADATA_DISABLED=true.
 * Returns 0, or -1 after printing why. */
int testenv_begin(struct testenv *t, const char *config, const char *credentials);
/* Write `text` to DIR/name (mode 0700 when executable) and return its path in `path`. */
int testenv_write(struct testenv *t, const char *name, const char *text, int executable, char *path, size_t cap);
/* Set variables from "NAME=VALUE" strings (NULL-terminated list; VALUE may be empty). */
void testenv_set(const char *const *vars);
/* Remove the directory and what the test wrote into it. */
void testenv_end(struct testenv *t);

#endif
