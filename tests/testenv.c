#include "testenv.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const cleared[] = {
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONFIG_FILE",
	"AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS",
	"AWS_ENDPOINT_URL_S3", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_MAX_ATTEMPTS", "AWS_CA_BUNDLE",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
};

static int write_file(const char *path, const char *text, int executable)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(text, 1, strlen(text), f) != strlen(text) || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return executable ? chmod(path, 0700) : 0;
}

int testenv_begin(struct testenv *t, const char *config, const char *credentials)
{
	const char *dir;
	size_t i;

	for (i = 0; i < sizeof(cleared) / sizeof(cleared[0]); i++)
		unsetenv(cleared[i]);
	snprintf(t->dir, sizeof(t->dir), "/tmp/piam-test-XXXXXX");
	if (!(dir = mkdtemp(t->dir))) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(t->config, sizeof(t->config), "%s/config", dir);
	snprintf(t->credentials, sizeof(t->credentials), "%s/credentials", dir);
	setenv("HOME", t->dir, 1);
	/* Never ask the real 169.254.169.254; tests that want IMDS point it at a loopback server. */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_CONFIG_FILE", t->config, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", t->credentials, 1);
	if ((config && write_file(t->config, config, 0)) || (credentials && write_file(t->credentials, credentials, 0)))
		return -1;
	return 0;
}

int testenv_write(struct testenv *t, const char *name, const char *text, int executable, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", t->dir, name);
	return write_file(path, text, executable);
}

void testenv_set(const char *const *vars)
{
	char name[128];
	const char *eq;

	for (; vars && *vars; vars++) {
		if (!(eq = strchr(*vars, '=')) || (size_t)(eq - *vars) >= sizeof(name))
			continue;
		memcpy(name, *vars, (size_t)(eq - *vars));
		name[eq - *vars] = '\0';
		setenv(name, eq + 1, 1);
	}
}

void testenv_end(struct testenv *t)
{
	DIR *d = opendir(t->dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", t->dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(t->dir);
}
