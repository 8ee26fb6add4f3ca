/*
 * Effective settings: the client's setters first, then (only with piam_client_use_environment)
 * the environment, then the selected profile of the shared files, as the AWS CLI orders them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "http.h"

#define MAX_FILE_SIZE (4L * 1024 * 1024) /* far beyond any real config; stops a runaway read */
#define MAX_PROFILE_NAME 128
#define DEFAULT_PROCESS_TIMEOUT_MS 60000L

struct piam__config *piam__config_state(piam_client *c)
{
	if (!c->config && (c->config = piam__calloc(c, 1, sizeof(*c->config))))
		c->config->process_timeout_ms = DEFAULT_PROCESS_TIMEOUT_MS;
	return c->config;
}

void piam__config_forget_credentials(piam_client *c)
{
	struct piam__config *cfg = c->config;

	if (!cfg)
		return;
	piam__free(c, cfg->resolved.access_key_id);
	piam__free_secret(c, cfg->resolved.secret_access_key);
	piam__free_secret(c, cfg->resolved.session_token);
	memset(&cfg->resolved, 0, sizeof(cfg->resolved));
	cfg->expiration = 0;
	cfg->resolved_uses_environment = 0;
	cfg->source[0] = '\0';
}

void piam__config_forget(piam_client *c)
{
	struct piam__config *cfg = c->config;
	int i;

	if (!cfg)
		return;
	for (i = 0; i < PIAM__FILE_COUNT; i++) {
		piam__profile_free(c, &cfg->file[i]);
		piam__free(c, cfg->path[i]);
		cfg->path[i] = NULL;
		cfg->state[i] = PIAM__FILE_NO_PATH;
	}
	cfg->loaded = 0;
	piam__config_forget_credentials(c);
}

void piam__config_free(piam_client *c)
{
	if (!c->config)
		return;
	piam__config_forget(c);
	piam__free(c, c->config->profile);
	piam__free(c, c->config);
	c->config = NULL;
}

const char *piam__config_env(piam_client *c, const char *name)
{
	const char *v;

	if (!c->use_environment || !(v = getenv(name)) || !*v)
		return NULL;
	return v;
}

const char *piam__config_profile_name(piam_client *c, int *explicit_choice)
{
	const char *p = c->config ? c->config->profile : NULL;

	if (!p)
		p = piam__config_env(c, "AWS_PROFILE");
	if (explicit_choice)
		*explicit_choice = p != NULL;
	return p ? p : "default";
}

void piam__config_set_clock(piam_client *c, piam__clock_fn fn, void *userdata)
{
	struct piam__config *cfg = piam__config_state(c);

	if (cfg) {
		cfg->clock = fn;
		cfg->clock_userdata = userdata;
	}
}

long long piam__config_now(piam_client *c)
{
	if (c->config && c->config->clock)
		return c->config->clock(c->config->clock_userdata);
	return (long long)time(NULL);
}

/* The file's path: the variable if set ("~/" expanded), else HOME/.aws/NAME; NULL without either. */
static char *file_path(piam_client *c, const char *var, const char *name, int *rc)
{
	const char *v = piam__config_env(c, var), *home = piam__config_env(c, "HOME");
	piam__buf b = {NULL, 0, 0};

	*rc = PIAM_OK;
	if (v && strncmp(v, "~/", 2) == 0 && home)
		*rc = piam__buf_printf(c, &b, "%s/%s", home, v + 2);
	else if (v)
		*rc = piam__buf_puts(c, &b, v);
	else if (home)
		*rc = piam__buf_printf(c, &b, "%s/.aws/%s", home, name);
	if (*rc) {
		piam__buf_free(c, &b);
		return NULL;
	}
	return b.data;
}

/* Read a whole file into `b` (wiped by the caller: it may hold secrets). Plain read(2), so that
 * no stdio buffer keeps a copy of the file after it is closed. */
static int read_file(piam_client *c, const char *path, piam__buf *b, enum piam__file_state *state)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = PIAM_OK;
	char chunk[4096];
	ssize_t n;

	if (fd < 0) {
		*state = errno == ENOENT || errno == ENOTDIR ? PIAM__FILE_MISSING : PIAM__FILE_UNREADABLE;
		piam__log(c, PIAM_LOG_DEBUG, "shared file %s: %s", path,
			  *state == PIAM__FILE_MISSING ? "not found" : "cannot be read");
		return PIAM_OK;
	}
	*state = PIAM__FILE_READ;
	while (!rc && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*state = PIAM__FILE_UNREADABLE; /* a directory, or an I/O error: as if absent */
			piam__log(c, PIAM_LOG_WARN, "shared file %s: %s; ignored", path, strerror(errno));
			break;
		}
		if (b->len + (size_t)n > (size_t)MAX_FILE_SIZE)
			rc = piam__error(c, PIAM_ECONFIG, "%s: larger than %ld bytes", path, MAX_FILE_SIZE);
		else
			rc = piam__buf_append(c, b, chunk, (size_t)n);
	}
	piam__wipe(chunk, sizeof(chunk));
	close(fd);
	return rc;
}

int piam__config_load(piam_client *c)
{
	static const char *const vars[PIAM__FILE_COUNT] = {"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"};
	static const char *const names[PIAM__FILE_COUNT] = {"credentials", "config"};
	struct piam__config *cfg = piam__config_state(c);
	piam__buf b = {NULL, 0, 0};
	int i, rc = PIAM_OK;

	if (!cfg)
		return PIAM_ENOMEM;
	if (cfg->loaded || !c->use_environment)
		return PIAM_OK;
	for (i = 0; i < PIAM__FILE_COUNT && !rc; i++) {
		piam__profile_free(c, &cfg->file[i]);
		piam__free(c, cfg->path[i]);
		cfg->state[i] = PIAM__FILE_NO_PATH;
		if (!(cfg->path[i] = file_path(c, vars[i], names[i], &rc)))
			continue;
		rc = read_file(c, cfg->path[i], &b, &cfg->state[i]);
		if (!rc && cfg->state[i] == PIAM__FILE_READ)
			rc = piam__profile_parse(c, b.data ? b.data : "", b.len, i == PIAM__FILE_CONFIG,
						 cfg->path[i], &cfg->file[i]);
		piam__buf_wipe(c, &b);
	}
	/* A malformed file is reported every time it is needed, not read again and again. */
	cfg->loaded = rc == PIAM_OK;
	return rc;
}

const char *piam__config_lookup(piam_client *c, int which, const char *profile, const char *key)
{
	const char *v = NULL;
	int i;

	if (!c->config || !c->config->loaded)
		return NULL;
	for (i = 0; i < PIAM__FILE_COUNT && !v; i++)
		if (which < 0 || which == i)
			v = piam__profile_get(&c->config->file[i], PIAM__SECTION_PROFILE, profile, key, NULL);
	return v;
}

int piam__config_profile_exists(piam_client *c, const char *profile)
{
	int i;

	if (!c->config || !c->config->loaded)
		return 0;
	for (i = 0; i < PIAM__FILE_COUNT; i++)
		if (piam__profile_has(&c->config->file[i], PIAM__SECTION_PROFILE, profile))
			return 1;
	return 0;
}

/* A key of the selected profile, credentials file first; NULL when the files cannot be read.
 * A malformed file is not recorded as the client's error here, where a getter cannot report it
 * (a successful call would be left with an error): piam__credentials_get reports it. */
static const char *profile_value(piam_client *c, const char *key)
{
	if (!c->use_environment)
		return NULL;
	if (piam__config_load(c) != PIAM_OK) {
		piam__log(c, PIAM_LOG_WARN, "shared config ignored: %s", c->err_message);
		piam__error_clear(c);
		return NULL;
	}
	return piam__config_lookup(c, -1, piam__config_profile_name(c, NULL), key);
}

static int is_true(const char *v)
{
	static const char t[] = "true";
	size_t i;

	for (i = 0; v[i] && i < 4; i++)
		if (v[i] != t[i] && v[i] != t[i] - 'a' + 'A')
			return 0;
	return i == 4 && v[i] == '\0';
}

const char *piam__config_region(piam_client *c)
{
	const char *r;

	if (c->region)
		return c->region;
	if ((r = piam__config_env(c, "AWS_REGION")) || (r = piam__config_env(c, "AWS_DEFAULT_REGION")) ||
	    (r = profile_value(c, "region")))
		return piam__is_region(r) ? r : NULL;
	return NULL;
}

const char *piam__config_endpoint(piam_client *c, enum piam__service svc)
{
	static const char *const vars[PIAM__SVC_COUNT] = {
		"AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_S3"};
	static const char *const ids[PIAM__SVC_COUNT] = {"iam", "sts", "s3"};
	const char *v, *services;

	if (c->endpoint[svc])
		return c->endpoint[svc];
	if (c->endpoint_all)
		return c->endpoint_all;
	if ((v = piam__config_env(c, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
	    (v = profile_value(c, "ignore_configured_endpoint_urls")))
		if (is_true(v))
			return NULL;
	if ((v = piam__config_env(c, vars[svc])) || (v = piam__config_env(c, "AWS_ENDPOINT_URL")))
		return v;
	if ((services = profile_value(c, "services")) &&
	    (v = piam__profile_get(&c->config->file[PIAM__FILE_CONFIG], PIAM__SECTION_SERVICES, services,
				   ids[svc], "endpoint_url")))
		return v;
	return profile_value(c, "endpoint_url");
}

int piam__config_max_attempts(piam_client *c)
{
	const char *v = piam__config_env(c, "AWS_MAX_ATTEMPTS");
	const char *from = "AWS_MAX_ATTEMPTS";
	long n = 0;

	if (!v) {
		v = profile_value(c, "max_attempts");
		from = "max_attempts in the shared config";
	}
	if (!v)
		return 0;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || (n = n * 10 + (*v - '0')) > PIAM__MAX_ATTEMPTS)
			return piam__error(c, PIAM_ECONFIG, "%s: expected a whole number from 1 to %d",
					   from, PIAM__MAX_ATTEMPTS);
	}
	if (n < 1)
		return piam__error(c, PIAM_ECONFIG, "%s: expected a whole number from 1 to %d", from,
				   PIAM__MAX_ATTEMPTS);
	return (int)n;
}

const char *piam__config_ca_bundle(piam_client *c)
{
	const char *v = piam__config_env(c, "AWS_CA_BUNDLE");

	return v ? v : profile_value(c, "ca_bundle");
}

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm: days since 1970-01-01 in the proleptic Gregorian calendar. */
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const char **s, int n, long *out)
{
	long v = 0;
	int i;

	for (i = 0; i < n; i++, (*s)++) {
		if (**s < '0' || **s > '9')
			return -1;
		v = v * 10 + (**s - '0');
	}
	*out = v;
	return 0;
}

int piam__parse_time(const char *s, long long *out)
{
	static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	long y, mo, d, h, mi, sec, oh = 0, om = 0;
	int sign = 0;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' || digits(&s, 2, &d))
		return -1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) || *s++ != ':' || digits(&s, 2, &sec))
		return -1;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) || *s++ != ':' || digits(&s, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (*s || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60 ||
	    (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return -1;
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
	return 0;
}

PIAM_API int piam_client_set_profile(piam_client *client, const char *profile)
{
	struct piam__config *cfg;
	char *copy = NULL;
	const char *p;

	if (!client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	if (profile) {
		for (p = profile; *p; p++)
			if (*p <= ' ' || *p >= 0x7f || *p == '[' || *p == ']' || *p == '"' || *p == '\'' ||
			    p - profile >= MAX_PROFILE_NAME)
				return piam__error(client, PIAM_EINVAL,
						   "invalid profile name: 1 to 128 printable characters without spaces, brackets or quotes");
		if (p == profile)
			return piam__error(client, PIAM_EINVAL, "invalid profile name: empty");
	}
	if (!(cfg = piam__config_state(client)) || (profile && !(copy = piam__strdup(client, profile))))
		return PIAM_ENOMEM;
	piam__config_forget(client);
	piam__free(client, cfg->profile);
	cfg->profile = copy;
	return PIAM_OK;
}

PIAM_API const char *piam_client_profile(const piam_client *client)
{
	return client && client->config && client->config->profile ? client->config->profile : "";
}
