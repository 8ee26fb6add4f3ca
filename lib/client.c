/* The client handle: creation, configuration setters and teardown. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define DEFAULT_TIMEOUT_MS 30000L
#define MAX_KEY_LEN 4096 /* session tokens can be long; anything longer is not a credential */

static void *std_malloc(size_t size, void *userdata)
{
	(void)userdata;
	return malloc(size);
}

static void *std_realloc(void *ptr, size_t size, void *userdata)
{
	(void)userdata;
	return realloc(ptr, size);
}

static void std_free(void *ptr, void *userdata)
{
	(void)userdata;
	free(ptr);
}

PIAM_API const char *piam_version(void)
{
#define STR_(x) #x
#define STR(x) STR_(x)
	return STR(PIAM_VERSION_MAJOR) "." STR(PIAM_VERSION_MINOR) "." STR(PIAM_VERSION_PATCH);
#undef STR
#undef STR_
}

PIAM_API int piam_client_new(piam_client **out, const piam_allocator *allocator)
{
	piam_allocator a = {std_malloc, std_realloc, std_free, NULL};
	piam_client *c;

	if (!out)
		return PIAM_EINVAL;
	*out = NULL;
	if (allocator) {
		if (!allocator->malloc_fn || !allocator->realloc_fn || !allocator->free_fn)
			return PIAM_EINVAL;
		a = *allocator;
	}
	c = a.malloc_fn(sizeof(*c), a.userdata);
	if (!c)
		return PIAM_ENOMEM;
	memset(c, 0, sizeof(*c));
	c->alloc = a;
	c->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	c->timeout_ms = DEFAULT_TIMEOUT_MS;
	*out = c;
	return PIAM_OK;
}

PIAM_API void piam_client_free(piam_client *client)
{
	size_t i;

	if (!client)
		return;
	piam__http_free(client);
	piam__sigv4_free(client);
	piam__creds_free(client);
	piam__config_free(client);
	piam__free(client, client->region);
	piam__free(client, client->endpoint_all);
	for (i = 0; i < PIAM__SVC_COUNT; i++)
		piam__free(client, client->endpoint[i]);
	client->alloc.free_fn(client, client->alloc.userdata);
}

/* Replace *slot with a copy of value (NULL clears it). */
static int replace_string(piam_client *c, char **slot, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = piam__strdup(c, value)))
		return PIAM_ENOMEM;
	piam__free(c, *slot);
	*slot = copy;
	return PIAM_OK;
}

PIAM_API int piam_client_set_region(piam_client *client, const char *region)
{
	if (!client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	if (region && !piam__is_region(region))
		return piam__error(client, PIAM_EINVAL, "invalid region: expected the form us-east-1");
	return replace_string(client, &client->region, region);
}

PIAM_API const char *piam_client_region(const piam_client *client)
{
	return client && client->region ? client->region : "";
}

static int service_index(const char *service)
{
	static const char *const names[PIAM__SVC_COUNT] = {"iam", "sts", "s3"};
	int i;

	for (i = 0; i < PIAM__SVC_COUNT; i++)
		if (strcmp(service, names[i]) == 0)
			return i;
	return -1;
}

/* An endpoint URL: http(s)://host[:port][/path], printable ASCII, no spaces, query or fragment. */
static int is_endpoint_url(const char *url)
{
	const char *p;
	size_t scheme;

	if (strncmp(url, "https://", 8) == 0)
		scheme = 8;
	else if (strncmp(url, "http://", 7) == 0)
		scheme = 7;
	else
		return 0;
	p = url + scheme;
	if (*p == '\0' || *p == '/' || *p == ':')
		return 0;
	if (strlen(url) > 2048)
		return 0;
	for (; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '?' || *p == '#' || *p == '@' || *p == '\\')
			return 0;
	return 1;
}

PIAM_API int piam_client_set_endpoint(piam_client *client, const char *service, const char *url)
{
	int idx = -1;

	if (!client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	if (service && (idx = service_index(service)) < 0)
		return piam__error(client, PIAM_EINVAL, "unknown service for an endpoint: expected iam, sts or s3");
	if (url && !is_endpoint_url(url))
		return piam__error(client, PIAM_EINVAL, "invalid endpoint URL: expected http(s)://host[:port][/path]");
	return replace_string(client, idx < 0 ? &client->endpoint_all : &client->endpoint[idx], url);
}

int piam__is_key_text(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (*s <= ' ' || *s >= 0x7f || n >= MAX_KEY_LEN)
			return 0;
	return n > 0;
}

PIAM_API int piam_client_set_credentials(piam_client *client, const char *access_key_id,
					 const char *secret_access_key, const char *session_token)
{
	struct piam__credentials n = {NULL, NULL, NULL};

	if (!client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	if (!access_key_id || !secret_access_key || !piam__is_key_text(access_key_id) ||
	    !piam__is_key_text(secret_access_key) || (session_token && !piam__is_key_text(session_token)))
		return piam__error(client, PIAM_EINVAL,
				   "invalid credentials: keys must be non-empty printable ASCII without spaces");
	n.access_key_id = piam__strdup(client, access_key_id);
	n.secret_access_key = piam__strdup(client, secret_access_key);
	if (session_token)
		n.session_token = piam__strdup(client, session_token);
	if (!n.access_key_id || !n.secret_access_key || (session_token && !n.session_token)) {
		piam__free(client, n.access_key_id);
		piam__free_secret(client, n.secret_access_key);
		piam__free_secret(client, n.session_token);
		return PIAM_ENOMEM;
	}
	piam__creds_free(client);
	client->creds = n;
	return PIAM_OK;
}

PIAM_API int piam_client_use_environment(piam_client *client, int enable)
{
	if (!client || (enable != 0 && enable != 1))
		return PIAM_EINVAL;
	piam__error_clear(client);
	client->use_environment = enable;
	return PIAM_OK;
}

PIAM_API int piam_client_set_timeouts(piam_client *client, long connect_ms, long total_ms)
{
	if (!client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	if (connect_ms < 0 || total_ms < 0)
		return piam__error(client, PIAM_EINVAL, "timeouts must not be negative");
	client->connect_timeout_ms = connect_ms ? connect_ms : DEFAULT_CONNECT_TIMEOUT_MS;
	client->timeout_ms = total_ms ? total_ms : DEFAULT_TIMEOUT_MS;
	return PIAM_OK;
}

PIAM_API int piam_client_set_log(piam_client *client, piam_log_fn fn, int level, void *userdata)
{
	if (!client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	if (level < PIAM_LOG_NONE || level > PIAM_LOG_TRACE)
		return piam__error(client, PIAM_EINVAL, "log level out of range");
	client->log_fn = level == PIAM_LOG_NONE ? NULL : fn;
	client->log_level = level;
	client->log_userdata = userdata;
	return PIAM_OK;
}

static int is_lower_run(const char **p)
{
	const char *s = *p;

	while (**p >= 'a' && **p <= 'z')
		(*p)++;
	return *p > s;
}

/* The AWS region form: two letters, one or more -word parts, then -digits (us-gov-west-1). */
int piam__is_region(const char *s)
{
	const char *p = s;
	int parts = 0;

	if (strlen(s) > 32 || !(p[0] >= 'a' && p[0] <= 'z' && p[1] >= 'a' && p[1] <= 'z'))
		return 0;
	p += 2;
	while (*p == '-') {
		p++;
		if (*p >= '0' && *p <= '9') {
			while (*p >= '0' && *p <= '9')
				p++;
			return *p == '\0' && parts > 0;
		}
		if (!is_lower_run(&p))
			return 0;
		parts++;
	}
	return 0;
}

const char *piam__partition(const char *region)
{
	if (region && strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (region && strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	return "aws";
}
