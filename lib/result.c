/* piam_aws_result: the records an operation returns, as named text fields. */
#include <stdio.h>
#include <string.h>

#include "ops.h"

struct field {
	char *name;
	char *value;
};

struct record {
	struct field *fields;
	size_t n, cap;
};

struct piam_aws_result {
	piam_allocator alloc; /* a result outlives its client: it frees with a copy of the allocator */
	struct record *records;
	size_t n, cap;
};

int piam__result_new(piam_client *c, piam_aws_result **out)
{
	if (!(*out = piam__calloc(c, 1, sizeof(**out))))
		return PIAM_ENOMEM;
	(*out)->alloc = c->alloc;
	return PIAM_OK;
}

static void release(const piam_allocator *a, void *p)
{
	if (p)
		a->free_fn(p, a->userdata);
}

PIAM_API void piam_aws_result_free(piam_aws_result *result)
{
	piam_allocator a;
	size_t i, j;

	if (!result)
		return;
	a = result->alloc;
	for (i = 0; i < result->n; i++) {
		for (j = 0; j < result->records[i].n; j++) {
			release(&a, result->records[i].fields[j].name);
			release(&a, result->records[i].fields[j].value);
		}
		release(&a, result->records[i].fields);
	}
	release(&a, result->records);
	release(&a, result);
}

int piam__result_add_record(piam_client *c, piam_aws_result *r)
{
	struct record *grown;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4;

		if (!(grown = piam__realloc(c, r->records, cap * sizeof(*grown))))
			return PIAM_ENOMEM;
		r->records = grown;
		r->cap = cap;
	}
	memset(&r->records[r->n++], 0, sizeof(struct record));
	return PIAM_OK;
}

int piam__result_add_fieldn(piam_client *c, piam_aws_result *r, const char *name, size_t name_len,
			    const char *value)
{
	struct record *rec = &r->records[r->n - 1];
	struct field f;

	if (rec->n == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 8;
		struct field *grown = piam__realloc(c, rec->fields, cap * sizeof(*grown));

		if (!grown)
			return PIAM_ENOMEM;
		rec->fields = grown;
		rec->cap = cap;
	}
	f.name = piam__strndup(c, name, name_len);
	f.value = f.name ? piam__strdup(c, value) : NULL;
	if (!f.value) {
		piam__free(c, f.name);
		return PIAM_ENOMEM;
	}
	rec->fields[rec->n++] = f;
	return PIAM_OK;
}

int piam__result_add_field(piam_client *c, piam_aws_result *r, const char *name, const char *value)
{
	return piam__result_add_fieldn(c, r, name, strlen(name), value);
}

/* IAM percent-encodes policy documents inside its XML replies. */
static int is_encoded_document(const char *name)
{
	return strcmp(name, "AssumeRolePolicyDocument") == 0 || strcmp(name, "Document") == 0 ||
	       strcmp(name, "PolicyDocument") == 0;
}

static int add_tags(piam_client *c, piam_aws_result *r, const struct piam__xml_node *tags)
{
	const struct piam__xml_node *m;
	char name[4 + 128 + 1];
	int rc;

	for (m = piam__xml_find(tags, "member"); m; m = piam__xml_next(m)) {
		const char *key = piam__xml_text(m, "Key"), *value = piam__xml_text(m, "Value");

		if (!key || !value || strlen(key) > 128)
			continue;
		snprintf(name, sizeof(name), "Tag:%s", key);
		if ((rc = piam__result_add_field(c, r, name, value)))
			return rc;
	}
	return PIAM_OK;
}

int piam__result_add_xml(piam_client *c, piam_aws_result *r, const struct piam__xml_node *node)
{
	const struct piam__xml_node *k;
	char *decoded;
	int rc;

	if ((rc = piam__result_add_record(c, r)))
		return rc;
	for (k = node ? node->child : NULL; k; k = k->next) {
		if (strcmp(k->name, "Tags") == 0) {
			rc = add_tags(c, r, k);
		} else if (k->child) {
			continue; /* nested structures other than tags are not part of a record */
		} else if (is_encoded_document(k->name)) {
			if (!(rc = piam__url_decode(c, k->text, &decoded))) {
				rc = piam__result_add_field(c, r, k->name, decoded);
				piam__free(c, decoded);
			}
		} else {
			rc = piam__result_add_field(c, r, k->name, k->text);
		}
		if (rc)
			return rc;
	}
	return PIAM_OK;
}

PIAM_API size_t piam_aws_result_count(const piam_aws_result *result)
{
	return result ? result->n : 0;
}

PIAM_API const char *piam_aws_result_field(const piam_aws_result *result, size_t index, const char *name)
{
	const struct record *rec;
	size_t i;

	if (!result || !name || index >= result->n)
		return NULL;
	rec = &result->records[index];
	for (i = 0; i < rec->n; i++)
		if (strcmp(rec->fields[i].name, name) == 0)
			return rec->fields[i].value;
	return NULL;
}

PIAM_API size_t piam_aws_result_field_count(const piam_aws_result *result, size_t index)
{
	return result && index < result->n ? result->records[index].n : 0;
}

PIAM_API const char *piam_aws_result_field_name(const piam_aws_result *result, size_t index, size_t field)
{
	if (!result || index >= result->n || field >= result->records[index].n)
		return NULL;
	return result->records[index].fields[field].name;
}
