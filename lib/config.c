/* Effective region and endpoints: the client's setters first, then (when asked) the environment. */
#include <stdlib.h>

#include "internal.h"

static const char *env(piam_client *c, const char *name)
{
	const char *v;

	if (!c->use_environment || !(v = getenv(name)) || !*v)
		return NULL;
	return v;
}

const char *piam__config_region(piam_client *c)
{
	const char *r;

	if (c->region)
		return c->region;
	if ((r = env(c, "AWS_REGION")) || (r = env(c, "AWS_DEFAULT_REGION")))
		return piam__is_region(r) ? r : NULL;
	return NULL;
}

const char *piam__config_endpoint(piam_client *c, enum piam__service svc)
{
	static const char *const vars[PIAM__SVC_COUNT] = {
		"AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_S3"};
	const char *v;

	if (c->endpoint[svc])
		return c->endpoint[svc];
	if (c->endpoint_all)
		return c->endpoint_all;
	if ((v = env(c, vars[svc])) || (v = env(c, "AWS_ENDPOINT_URL")))
		return v;
	return NULL;
}
