/* The options of one setup: validated, copied setters shared by the policy renderers and setup. */
#include <stdio.h>
#include <string.h>

#include "policy.h"

/* Most buckets one setup may name; far more than a managed policy's size limit allows anyway. */
#define MAX_BUCKETS 100

PIAM_API int piam_options_new(piam_options **out, piam_client *client)
{
	piam_options *o;

	if (out)
		*out = NULL;
	if (!out || !client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	if (!(o = piam__calloc(client, 1, sizeof(*o))))
		return PIAM_ENOMEM;
	o->client = client;
	o->guard = 1;
	o->role_name = piam__strdup(client, PIAM__DEFAULT_ROLE_NAME);
	o->path = piam__strdup(client, "/");
	if (!o->role_name || !o->path) {
		piam_options_free(o);
		return PIAM_ENOMEM;
	}
	*out = o;
	return PIAM_OK;
}

static void free_list(piam_client *c, char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		piam__free(c, list[i]);
	piam__free(c, list);
}

PIAM_API void piam_options_free(piam_options *options)
{
	piam_client *c;

	if (!options)
		return;
	c = options->client;
	piam__free(c, options->role_name);
	piam__free(c, options->policy_name);
	piam__free(c, options->path);
	piam__free(c, options->description);
	piam__free(c, options->account);
	piam__free(c, options->region);
	piam__free(c, options->kms_key);
	free_list(c, options->input_buckets, options->n_input);
	free_list(c, options->output_buckets, options->n_output);
	piam__setup_options_free(c, options->setup);
	piam__free(c, options);
}

/* Replace *slot with a copy of value, or with a copy of fallback when value is NULL. */
static int replace(piam_options *o, char **slot, const char *value, const char *fallback)
{
	const char *src = value ? value : fallback;
	char *copy = NULL;

	if (src && !(copy = piam__strdup(o->client, src)))
		return PIAM_ENOMEM;
	piam__free(o->client, *slot);
	*slot = copy;
	return PIAM_OK;
}

/* A rejected value as it can appear in a one-line message: printable ASCII, at most 64 characters. */
static const char *shown(const char *s, char out[72])
{
	size_t i;

	for (i = 0; s[i] && i < 64; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(out + i, s[i] ? "..." : "");
	return out;
}

typedef int (*validator)(const char *s, const char **why);

/* The common shape of a string setter: check, validate (unless NULL), copy. */
static int set_string(piam_options *o, char **slot, const char *value, const char *fallback,
		      validator valid, const char *what)
{
	const char *why;
	char buf[72];

	if (!o)
		return PIAM_EINVAL;
	piam__error_clear(o->client);
	if (value && !valid(value, &why))
		return piam__error(o->client, PIAM_EINVAL, "invalid %s '%s': %s", what, shown(value, buf), why);
	return replace(o, slot, value, fallback);
}

PIAM_API int piam_options_set_role_name(piam_options *options, const char *name)
{
	return set_string(options, options ? &options->role_name : NULL, name, PIAM__DEFAULT_ROLE_NAME,
			  piam__valid_role_name, "role name");
}

PIAM_API int piam_options_set_policy_name(piam_options *options, const char *name)
{
	return set_string(options, options ? &options->policy_name : NULL, name, NULL,
			  piam__valid_policy_name, "policy name");
}

PIAM_API int piam_options_set_path(piam_options *options, const char *path)
{
	return set_string(options, options ? &options->path : NULL, path, "/", piam__valid_iam_path,
			  "IAM path");
}

PIAM_API int piam_options_set_description(piam_options *options, const char *description)
{
	if (description && !*description)
		description = NULL;
	return set_string(options, options ? &options->description : NULL, description, NULL,
			  piam__valid_description, "description");
}

PIAM_API int piam_options_set_account(piam_options *options, const char *account_id)
{
	return set_string(options, options ? &options->account : NULL, account_id, NULL,
			  piam__valid_account, "account id");
}

PIAM_API int piam_options_set_region(piam_options *options, const char *region)
{
	return set_string(options, options ? &options->region : NULL, region, NULL, piam__valid_region,
			  "region");
}

static int valid_kms_any_partition(const char *s, const char **why)
{
	return piam__valid_kms_key(s, NULL, why);
}

PIAM_API int piam_options_set_kms_key(piam_options *options, const char *key_arn)
{
	return set_string(options, options ? &options->kms_key : NULL, key_arn, NULL,
			  valid_kms_any_partition, "KMS key");
}

PIAM_API int piam_options_set_guard(piam_options *options, int enable)
{
	if (!options)
		return PIAM_EINVAL;
	piam__error_clear(options->client);
	if (enable != 0 && enable != 1)
		return piam__error(options->client, PIAM_EINVAL, "guard must be 0 (off) or 1 (on)");
	options->guard = enable;
	return PIAM_OK;
}

static int in_list(char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static int add_bucket(piam_options *o, char ***list, size_t *n, const char *bucket)
{
	const char *why;
	char **grown, *copy, buf[72];

	if (!o)
		return PIAM_EINVAL;
	piam__error_clear(o->client);
	if (!piam__valid_bucket(bucket, &why))
		return piam__error(o->client, PIAM_EINVAL, "invalid bucket name%s%s%s: %s", bucket ? " '" : "",
				   bucket ? shown(bucket, buf) : "", bucket ? "'" : "", why);
	if (in_list(*list, *n, bucket))
		return PIAM_OK;
	if (*n >= MAX_BUCKETS)
		return piam__error(o->client, PIAM_EINVAL, "too many buckets (at most %d)", MAX_BUCKETS);
	if (!(copy = piam__strdup(o->client, bucket)))
		return PIAM_ENOMEM;
	if (!(grown = piam__realloc(o->client, *list, (*n + 1) * sizeof(*grown)))) {
		piam__free(o->client, copy);
		return PIAM_ENOMEM;
	}
	grown[(*n)++] = copy;
	*list = grown;
	return PIAM_OK;
}

PIAM_API int piam_options_add_input_bucket(piam_options *options, const char *bucket)
{
	return add_bucket(options, options ? &options->input_buckets : NULL, options ? &options->n_input : NULL,
			  bucket);
}

PIAM_API int piam_options_add_output_bucket(piam_options *options, const char *bucket)
{
	return add_bucket(options, options ? &options->output_buckets : NULL,
			  options ? &options->n_output : NULL, bucket);
}

const char *piam__options_policy_name(const piam_options *o, char buf[PIAM__POLICY_NAME_MAX + 1])
{
	if (o->policy_name)
		return o->policy_name;
	/* A role name has at most 64 characters, so the derived name always fits in 128. */
	snprintf(buf, PIAM__POLICY_NAME_MAX + 1, "%s%s", o->role_name, PIAM__POLICY_NAME_SUFFIX);
	return buf;
}

const char *piam__options_region(const piam_options *o)
{
	return o->region ? o->region : o->client->region;
}

int piam__options_is_output(const piam_options *o, const char *bucket)
{
	return in_list(o->output_buckets, o->n_output, bucket);
}

int piam__options_is_input(const piam_options *o, const char *bucket)
{
	return in_list(o->input_buckets, o->n_input, bucket);
}
