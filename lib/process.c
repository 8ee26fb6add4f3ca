/*
 * credential_process: run a command without a shell (its words split as the AWS CLI splits them,
 * POSIX shell quoting) and collect what it prints, with a deadline and a size cap so that a
 * stuck or chatty helper cannot hang or exhaust the embedding program.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"

extern char **environ;

int piam__split_words(piam_client *c, const char *command, char ***out)
{
	size_t len = strlen(command), nwords = 0, i;
	char **argv, *w;
	const char *p;
	char quote;
	int in_word, pass;

	*out = NULL;
	/* Two passes: count the words, then fill one block holding the array and the words. */
	argv = NULL;
	w = NULL;
	for (pass = 0; pass < 2; pass++) {
		quote = 0;
		in_word = 0;
		i = 0;
		for (p = command; *p; p++) {
			char ch = *p;

			if (quote == '\'') {
				if (ch == '\'')
					quote = 0;
				else if (pass)
					*w++ = ch;
				continue;
			}
			if (quote == '"') {
				if (ch == '"') {
					quote = 0;
					continue;
				}
				if (ch == '\\' && p[1] && strchr("\\\"$`\n", p[1]))
					ch = *++p;
				if (pass)
					*w++ = ch;
				continue;
			}
			if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
				if (in_word) {
					if (pass)
						*w++ = '\0';
					in_word = 0;
				}
				continue;
			}
			if (!in_word) {
				if (pass)
					argv[i] = w;
				i++;
				in_word = 1;
			}
			if (ch == '\'' || ch == '"') {
				quote = ch;
				continue;
			}
			if (ch == '\\' && p[1])
				ch = *++p;
			if (pass)
				*w++ = ch;
		}
		if (quote)
			return piam__error(c, PIAM_ECONFIG, "credential_process: a quote is not closed");
		if (pass) {
			if (in_word)
				*w = '\0';
			argv[i] = NULL;
		} else {
			nwords = i;
			if (!nwords)
				return piam__error(c, PIAM_ECONFIG, "credential_process: empty command");
			argv = piam__malloc(c, (nwords + 1) * sizeof(char *) + len + nwords);
			if (!argv)
				return PIAM_ENOMEM;
			w = (char *)(argv + nwords + 1);
		}
	}
	*out = argv;
	return PIAM_OK;
}

/* The command line may carry secrets (tokens passed as arguments): wipe it. */
static void free_words(piam_client *c, char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		piam__wipe(argv[i], strlen(argv[i]));
	piam__free(c, argv);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reap the child; its wait status, or 0 if someone else reaped it (a SIGCHLD handler). */
static int reap(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	return status;
}

int piam__process_run(piam_client *c, const char *command, long timeout_ms, size_t cap, piam__buf *out,
		      const char *what)
{
	posix_spawn_file_actions_t fa;
	struct pollfd pfd;
	char **argv = NULL, chunk[4096];
	long long deadline = now_ms() + timeout_ms, left;
	int fds[2] = {-1, -1}, rc, status, killed = 0;
	pid_t pid;
	ssize_t n;

	if ((rc = piam__split_words(c, command, &argv)))
		return rc;
	if (pipe(fds) != 0 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0 || fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0) {
		rc = piam__error(c, PIAM_EIO, "%s: cannot make a pipe: %s", what, strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		rc = piam__error(c, PIAM_ENOMEM, "%s: out of memory", what);
		goto out;
	}
	rc = posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	if (!rc)
		rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		rc = piam__error(c, PIAM_EIO, "%s: cannot run %.100s: %s", what, argv[0], strerror(rc));
		goto out;
	}
	close(fds[1]);
	fds[1] = -1;
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		if ((left = deadline - now_ms()) <= 0) {
			rc = piam__error(c, PIAM_ETIMEOUT, "%s: no answer within %ld ms", what, timeout_ms);
			break;
		}
		pfd.revents = 0;
		if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) < 0) {
			if (errno == EINTR)
				continue;
			rc = piam__error(c, PIAM_EIO, "%s: poll: %s", what, strerror(errno));
			break;
		}
		if (!pfd.revents)
			continue;
		n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		if (out->len + (size_t)n > cap) {
			rc = piam__error(c, PIAM_ETOOBIG, "%s: more than %zu bytes of output", what, cap);
			break;
		}
		if ((rc = piam__buf_append(c, out, chunk, (size_t)n)))
			break;
	}
	if (rc) {
		kill(pid, SIGKILL);
		killed = 1;
	}
	status = reap(pid);
	/* Where posix_spawn cannot report a failed exec (some platforms, valgrind), the child exits 127. */
	if (!rc && WIFEXITED(status) && WEXITSTATUS(status) == 127 && !out->len)
		rc = piam__error(c, PIAM_EIO, "%s: cannot run %.100s (exit status 127)", what, argv[0]);
	else if (!rc && WIFEXITED(status) && WEXITSTATUS(status) != 0)
		rc = piam__error(c, PIAM_ECREDENTIALS, "%s: exited with status %d", what, WEXITSTATUS(status));
	else if (!rc && !killed && WIFSIGNALED(status))
		rc = piam__error(c, PIAM_ECREDENTIALS, "%s: killed by signal %d", what, WTERMSIG(status));
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	piam__wipe(chunk, sizeof(chunk));
	free_words(c, argv);
	return rc;
}
