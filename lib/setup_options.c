/* Setup-only options on a piam_options: created on the first setter, freed with the options. */
#include <string.h>
#include <strings.h>

#include "setup.h"

#define TAG_KEY_MAX 128
#define TAG_VALUE_MAX 256

const struct piam__setup_options piam__setup_defaults = {0, 0, 0, 0, 0, {NULL}, {NULL}, NULL, NULL};

const struct piam__setup_options *piam__setup_options_get(const piam_options *o)
{
	return o->setup ? o->setup : &piam__setup_defaults;
}

void piam__setup_options_free(piam_client *c, struct piam__setup_options *so)
{
	size_t i;

	if (!so)
		return;
	for (i = 0; i < so->ntags; i++) {
		piam__free(c, so->tag_keys[i]);
		piam__free(c, so->tag_values[i]);
	}
	piam__free(c, so);
}

/* The options' setup part, created on first use. NULL with PIAM_ENOMEM recorded. */
static struct piam__setup_options *setup_part(piam_options *o)
{
	if (!o->setup && (o->setup = piam__calloc(o->client, 1, sizeof(*o->setup))))
		*o->setup = piam__setup_defaults;
	return o->setup;
}

/* Validate a 0/1 flag and find where to store it; NULL (error recorded) when it cannot be set. */
static struct piam__setup_options *flag_target(piam_options *o, int value, const char *what)
{
	if (!o)
		return NULL;
	piam__error_clear(o->client);
	if (value != 0 && value != 1) {
		piam__error(o->client, PIAM_EINVAL, "%s: expected 0 or 1", what);
		return NULL;
	}
	return setup_part(o);
}

static int flag_error(const piam_options *o)
{
	return o ? piam_client_error(o->client) : PIAM_EINVAL;
}

PIAM_API int piam_options_set_cloudwatch(piam_options *options, int enable)
{
	struct piam__setup_options *so = flag_target(options, enable, "cloudwatch");

	if (!so)
		return flag_error(options);
	so->cloudwatch = enable;
	return PIAM_OK;
}

PIAM_API int piam_options_set_bucket_policy(piam_options *options, int enable)
{
	struct piam__setup_options *so = flag_target(options, enable, "bucket policy");

	if (!so)
		return flag_error(options);
	so->no_bucket_policy = !enable;
	return PIAM_OK;
}

PIAM_API int piam_options_set_adopt_existing(piam_options *options, int enable)
{
	struct piam__setup_options *so = flag_target(options, enable, "adopt-existing");

	if (!so)
		return flag_error(options);
	so->adopt = enable;
	return PIAM_OK;
}

PIAM_API int piam_options_set_wait(piam_options *options, int seconds)
{
	struct piam__setup_options *so;

	if (!options)
		return PIAM_EINVAL;
	piam__error_clear(options->client);
	if (seconds < 0 || seconds > PIAM__SETUP_MAX_WAIT)
		return piam__error(options->client, PIAM_EINVAL, "wait: expected 0 to %d seconds",
				   PIAM__SETUP_MAX_WAIT);
	if (!(so = setup_part(options)))
		return PIAM_ENOMEM;
	so->wait_seconds = seconds;
	return PIAM_OK;
}

PIAM_API int piam_options_set_progress(piam_options *options, piam_progress_fn fn, void *userdata)
{
	struct piam__setup_options *so;

	if (!options)
		return PIAM_EINVAL;
	piam__error_clear(options->client);
	if (!(so = setup_part(options)))
		return PIAM_ENOMEM;
	so->progress = fn;
	so->progress_userdata = fn ? userdata : NULL;
	return PIAM_OK;
}

/* IAM's tag alphabet: letters, digits, space and _ . : / = + - @ (ASCII here). */
static int is_tag_text(const char *s, size_t min, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++) {
		unsigned char ch = (unsigned char)*s;

		if (n >= max || !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
				  strchr(" _.:/=+-@", ch)))
			return 0;
	}
	return n >= min;
}

PIAM_API int piam_options_add_tag(piam_options *options, const char *key, const char *value)
{
	struct piam__setup_options *so;
	piam_client *c;
	char *k, *v;
	size_t i;

	if (!options)
		return PIAM_EINVAL;
	c = options->client;
	piam__error_clear(c);
	if (!key || !value || !is_tag_text(key, 1, TAG_KEY_MAX) || !is_tag_text(value, 0, TAG_VALUE_MAX))
		return piam__error(c, PIAM_EINVAL,
				   "invalid tag: key 1-128 and value 0-256 of letters, digits, space and _.:/=+-@");
	if (strncasecmp(key, "aws:", 4) == 0 || strcasecmp(key, PIAM_OWNERSHIP_TAG_KEY) == 0)
		return piam__error(c, PIAM_EINVAL, "invalid tag: keys beginning aws: and %s are reserved",
				   PIAM_OWNERSHIP_TAG_KEY);
	if (!(so = setup_part(options)))
		return PIAM_ENOMEM;
	for (i = 0; i < so->ntags && strcasecmp(so->tag_keys[i], key) != 0; i++)
		;
	if (i == so->ntags && so->ntags == PIAM__SETUP_MAX_TAGS)
		return piam__error(c, PIAM_EINVAL, "too many tags: at most %d", PIAM__SETUP_MAX_TAGS);
	k = piam__strdup(c, key);
	v = piam__strdup(c, value);
	if (!k || !v) {
		piam__free(c, k);
		piam__free(c, v);
		return PIAM_ENOMEM;
	}
	if (i < so->ntags) {
		piam__free(c, so->tag_keys[i]);
		piam__free(c, so->tag_values[i]);
	} else {
		so->ntags++;
	}
	so->tag_keys[i] = k;
	so->tag_values[i] = v;
	return PIAM_OK;
}
