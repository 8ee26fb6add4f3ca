/*
 * Policy documents that come from elsewhere: parsing untrusted text (raw or URL-encoded),
 * checking it against the policy grammar, semantic comparison, and the bucket-policy merge.
 *
 * Comparison works on a canonical form: every string-or-list becomes a sorted list without
 * duplicates, action names and condition keys are lowercased, condition values become strings,
 * statements are sorted by their canonical text. Two documents are equal when their canonical
 * forms are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define DEFAULT_VERSION "2008-10-17" /* what IAM assumes when a document names none */

enum fold { FOLD_NONE, FOLD_LOWER, FOLD_AWS_PRINCIPAL };

static int bad(piam_client *c, const char *what)
{
	return piam__error(c, PIAM_EPOLICY, "malformed policy document: %s", what);
}

static int nomem(piam_client *c)
{
	return piam__error(c, PIAM_ENOMEM, "out of memory while reading a policy document");
}

/* IAM returns documents percent-encoded (RFC 3986); '+' stays '+', as it does there. */
static int url_decode(piam_client *c, const char *s, size_t len, piam__buf *out)
{
	size_t i;
	int hi, lo, rc;

	if ((rc = piam__buf_reserve(c, out, len)))
		return rc;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '%') {
			if (i + 2 >= len)
				return bad(c, "truncated URL encoding");
			if ((hi = piam__hexval(s[i + 1])) < 0 || (lo = piam__hexval(s[i + 2])) < 0)
				return bad(c, "invalid URL encoding");
			ch = (char)(hi << 4 | lo);
			i += 2;
		}
		out->data[out->len++] = ch;
	}
	out->data[out->len] = '\0';
	return PIAM_OK;
}

/* Refuse deep nesting before the parser sees it; policies are never more than a few levels deep. */
static int check_depth(piam_client *c, const char *s, size_t len)
{
	size_t i;
	int depth = 0, in_string = 0;

	for (i = 0; i < len; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = 0;
		} else if (s[i] == '"') {
			in_string = 1;
		} else if (s[i] == '{' || s[i] == '[') {
			if (++depth > PIAM__POLICY_DEPTH_MAX)
				return bad(c, "nested too deeply");
		} else if (s[i] == '}' || s[i] == ']') {
			depth--;
		}
	}
	return PIAM_OK;
}

static int norm_doc(piam_client *c, json_t *doc, json_t **out);

int piam__policy_parse(piam_client *c, const char *text, size_t len, json_t **out)
{
	piam__buf decoded = {NULL, 0, 0};
	json_error_t err;
	json_t *doc, *canon;
	size_t i = 0;
	int rc;

	*out = NULL;
	if (!text)
		return piam__error(c, PIAM_EINVAL, "no policy document");
	if (len > PIAM__POLICY_TEXT_MAX)
		return piam__error(c, PIAM_EPOLICY, "policy document too large: %zu bytes (at most %d)", len,
				   PIAM__POLICY_TEXT_MAX);
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	if (i < len && text[i] == '%') {
		if ((rc = url_decode(c, text, len, &decoded)))
			goto out;
		text = decoded.data;
		len = decoded.len;
	}
	if ((rc = check_depth(c, text, len)))
		goto out;
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		if (json_error_code(&err) == json_error_out_of_memory) {
			rc = nomem(c);
			goto out;
		}
		/* jansson quotes a bit of the input; keep the message on one printable line. */
		for (i = 0; err.text[i]; i++)
			if ((unsigned char)err.text[i] < 0x20 || (unsigned char)err.text[i] >= 0x7f)
				err.text[i] = '?';
		rc = piam__error(c, PIAM_EPOLICY, "malformed policy document: not valid JSON: %s (line %d, column %d)",
				 err.text, err.line, err.column);
		goto out;
	}
	if ((rc = norm_doc(c, doc, &canon))) {
		json_decref(doc);
		goto out;
	}
	json_decref(canon);
	*out = doc;
out:
	piam__buf_free(c, &decoded);
	return rc;
}

static int cmp_json_string(const void *a, const void *b)
{
	const json_t *const *x = a, *const *y = b;

	return strcmp(json_string_value(*x), json_string_value(*y));
}

/* Sort an array of strings and drop duplicates. Takes `items`; *out is a new array. */
static int sorted_set(piam_client *c, json_t *items, json_t **out)
{
	size_t n = json_array_size(items), i, k = 0;
	json_t **v, *set;
	int rc = PIAM_OK;

	*out = NULL;
	if (!(v = piam__calloc(c, n ? n : 1, sizeof(*v)))) {
		json_decref(items);
		return PIAM_ENOMEM;
	}
	for (i = 0; i < n; i++)
		v[i] = json_array_get(items, i);
	qsort(v, n, sizeof(*v), cmp_json_string);
	if (!(set = json_array()))
		rc = nomem(c);
	for (i = 0; i < n && !rc; i++) {
		if (k && strcmp(json_string_value(v[i]), json_string_value(v[k - 1])) == 0)
			continue;
		v[k++] = v[i];
		if (json_array_append(set, v[i]) != 0)
			rc = nomem(c);
	}
	piam__free(c, v);
	json_decref(items);
	if (rc) {
		json_decref(set);
		return rc;
	}
	*out = set;
	return PIAM_OK;
}

/* arn:PARTITION:iam::ACCOUNT:root, which IAM writes for a bare account id: the account's offset. */
static const char *root_arn_account(const char *s)
{
	const char *p;
	size_t i;

	if (strncmp(s, "arn:", 4) != 0 || !(p = strchr(s + 4, ':')) || strncmp(p, ":iam::", 6) != 0)
		return NULL;
	p += 6;
	for (i = 0; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return NULL;
	return strcmp(p + 12, ":root") == 0 ? p : NULL;
}

/* A canonical copy of one string element. */
static json_t *fold_string(piam_client *c, const char *s, enum fold mode)
{
	const char *acct;
	char *copy;
	json_t *v;
	size_t i;

	if (mode == FOLD_AWS_PRINCIPAL && (acct = root_arn_account(s)))
		return json_stringn(acct, 12);
	if (mode != FOLD_LOWER)
		return json_string(s);
	if (!(copy = piam__strdup(c, s)))
		return NULL;
	for (i = 0; copy[i]; i++)
		if (copy[i] >= 'A' && copy[i] <= 'Z')
			copy[i] = (char)(copy[i] - 'A' + 'a');
	v = json_string(copy);
	piam__free(c, copy);
	return v;
}

/* A string or a list of strings, as a sorted list without duplicates. */
static int norm_strings(piam_client *c, json_t *v, enum fold mode, const char *what, json_t **out)
{
	json_t *items, *el;
	size_t i;

	*out = NULL;
	if (!json_is_string(v) && !json_is_array(v))
		return bad(c, what);
	if (!(items = json_array()))
		return nomem(c);
	if (json_is_string(v)) {
		if (json_array_append_new(items, fold_string(c, json_string_value(v), mode)) != 0)
			goto oom;
	} else {
		json_array_foreach(v, i, el) {
			if (!json_is_string(el)) {
				json_decref(items);
				return bad(c, what);
			}
			if (json_array_append_new(items, fold_string(c, json_string_value(el), mode)) != 0)
				goto oom;
		}
	}
	return sorted_set(c, items, out);
oom:
	json_decref(items);
	return nomem(c);
}

/* Set obj[key] = v (stolen), mapping failure to PIAM_ENOMEM. */
static int set(piam_client *c, json_t *obj, const char *key, json_t *v)
{
	return json_object_set_new(obj, key, v) == 0 ? PIAM_OK : nomem(c);
}

static int norm_principal(piam_client *c, json_t *v, json_t **out)
{
	static const char what[] = "a Principal must be \"*\" or an object of strings or lists of strings";
	const char *key;
	json_t *obj, *val, *set_v;
	int rc;

	*out = NULL;
	if (json_is_string(v))
		return (*out = json_string(json_string_value(v))) ? PIAM_OK : nomem(c);
	if (!json_is_object(v))
		return bad(c, what);
	if (!(obj = json_object()))
		return nomem(c);
	json_object_foreach(v, key, val) {
		rc = norm_strings(c, val, strcmp(key, "AWS") == 0 ? FOLD_AWS_PRINCIPAL : FOLD_NONE, what, &set_v);
		if (rc || (rc = set(c, obj, key, set_v))) {
			json_decref(obj);
			return rc;
		}
	}
	*out = obj;
	return PIAM_OK;
}

/* A condition value as text: IAM compares them as strings, so true and "true" are the same. */
static json_t *scalar_text(json_t *v)
{
	char buf[64];

	if (json_is_string(v))
		return json_string(json_string_value(v));
	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
	else
		snprintf(buf, sizeof(buf), "%s", json_is_true(v) ? "true" : "false");
	return json_string(buf);
}

static int is_scalar(json_t *v)
{
	return json_is_string(v) || json_is_number(v) || json_is_boolean(v);
}

static int norm_condition_values(piam_client *c, json_t *v, json_t **out)
{
	static const char what[] = "a condition value must be a string, number, boolean or a list of them";
	json_t *items, *el;
	size_t i;

	*out = NULL;
	if (!is_scalar(v) && !json_is_array(v))
		return bad(c, what);
	if (!(items = json_array()))
		return nomem(c);
	if (is_scalar(v)) {
		if (json_array_append_new(items, scalar_text(v)) != 0)
			goto oom;
	} else {
		json_array_foreach(v, i, el) {
			if (!is_scalar(el)) {
				json_decref(items);
				return bad(c, what);
			}
			if (json_array_append_new(items, scalar_text(el)) != 0)
				goto oom;
		}
	}
	return sorted_set(c, items, out);
oom:
	json_decref(items);
	return nomem(c);
}

static int norm_condition(piam_client *c, json_t *v, json_t **out)
{
	const char *op, *key;
	json_t *obj, *keys, *inner, *val, *values;
	char *lower;
	size_t i;
	int rc = PIAM_OK;

	*out = NULL;
	if (!json_is_object(v))
		return bad(c, "a Condition must be an object of operators");
	if (!(obj = json_object()))
		return nomem(c);
	json_object_foreach(v, op, keys) {
		if (!json_is_object(keys)) {
			rc = bad(c, "a condition operator must map to an object of condition keys");
			break;
		}
		if (!(inner = json_object()) || (rc = set(c, obj, op, inner))) {
			rc = rc ? rc : nomem(c);
			break;
		}
		json_object_foreach(keys, key, val) {
			if ((rc = norm_condition_values(c, val, &values)))
				break;
			if (!(lower = piam__strdup(c, key))) {
				json_decref(values);
				rc = PIAM_ENOMEM;
				break;
			}
			/* Condition keys are case-insensitive. */
			for (i = 0; lower[i]; i++)
				if (lower[i] >= 'A' && lower[i] <= 'Z')
					lower[i] = (char)(lower[i] - 'A' + 'a');
			if (json_object_get(inner, lower)) {
				json_decref(values);
				rc = bad(c, "a condition key appears twice under one operator");
			} else {
				rc = set(c, inner, lower, values);
			}
			piam__free(c, lower);
			if (rc)
				break;
		}
		if (rc)
			break;
	}
	if (rc) {
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return PIAM_OK;
}

static int norm_statement(piam_client *c, json_t *st, json_t **out)
{
	const char *key, *s;
	json_t *obj, *val, *n;
	int rc = PIAM_OK;

	*out = NULL;
	if (!json_is_object(st))
		return bad(c, "each statement must be an object");
	if (!(obj = json_object()))
		return nomem(c);
	json_object_foreach(st, key, val) {
		n = NULL;
		if (strcmp(key, "Sid") == 0) {
			if (!json_is_string(val)) {
				rc = bad(c, "a Sid must be a string");
				break;
			}
			if (!*json_string_value(val))
				continue; /* an empty Sid says nothing */
			n = json_string(json_string_value(val));
		} else if (strcmp(key, "Effect") == 0) {
			if (!json_is_string(val) || (strcmp(s = json_string_value(val), "Allow") != 0 &&
						     strcmp(s, "Deny") != 0)) {
				rc = bad(c, "an Effect must be \"Allow\" or \"Deny\"");
				break;
			}
			n = json_string(s);
		} else if (strcmp(key, "Action") == 0 || strcmp(key, "NotAction") == 0) {
			rc = norm_strings(c, val, FOLD_LOWER, "an Action must be a string or a list of strings", &n);
		} else if (strcmp(key, "Resource") == 0 || strcmp(key, "NotResource") == 0) {
			rc = norm_strings(c, val, FOLD_NONE, "a Resource must be a string or a list of strings", &n);
		} else if (strcmp(key, "Principal") == 0 || strcmp(key, "NotPrincipal") == 0) {
			rc = norm_principal(c, val, &n);
		} else if (strcmp(key, "Condition") == 0) {
			rc = norm_condition(c, val, &n);
		} else {
			n = json_deep_copy(val);
		}
		if (rc || (rc = n ? set(c, obj, key, n) : nomem(c)))
			break;
	}
	if (rc) {
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return PIAM_OK;
}

struct entry {
	char *text; /* canonical text, the sort key */
	json_t *st;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return strcmp(x->text, y->text);
}

static int canonical_text(piam_client *c, json_t *v, char **out)
{
	piam__buf b = {NULL, 0, 0};
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

	*out = NULL;
	if (!s)
		return nomem(c);
	/* Copied into the client's memory so the sort array and its strings share one owner. */
	if (piam__buf_puts(c, &b, s)) {
		free(s);
		return PIAM_ENOMEM;
	}
	free(s);
	*out = b.data;
	return PIAM_OK;
}

/* A Statement (an object or a list of objects) as a sorted list of canonical statements. */
static int norm_statements(piam_client *c, json_t *v, json_t **out)
{
	struct entry *e;
	json_t *list;
	size_t n, i, last = 0;
	int rc = PIAM_OK;

	*out = NULL;
	if (!json_is_object(v) && !json_is_array(v))
		return bad(c, "Statement must be an object or a list of objects");
	n = json_is_object(v) ? 1 : json_array_size(v);
	if (!(e = piam__calloc(c, n ? n : 1, sizeof(*e))))
		return PIAM_ENOMEM;
	for (i = 0; i < n && !rc; i++) {
		if (!(rc = norm_statement(c, json_is_object(v) ? v : json_array_get(v, i), &e[i].st)))
			rc = canonical_text(c, e[i].st, &e[i].text);
	}
	if (!rc) {
		qsort(e, n, sizeof(*e), cmp_entry);
		if (!(list = json_array()))
			rc = nomem(c);
		for (i = 0; i < n && !rc; i++) {
			if (i && strcmp(e[i].text, e[last].text) == 0)
				continue;
			last = i;
			if (json_array_append(list, e[i].st) != 0)
				rc = nomem(c);
		}
		if (rc)
			json_decref(list);
		else
			*out = list;
	}
	for (i = 0; i < n; i++) {
		json_decref(e[i].st);
		piam__free(c, e[i].text);
	}
	piam__free(c, e);
	return rc;
}

static int norm_doc(piam_client *c, json_t *doc, json_t **out)
{
	const char *key;
	json_t *obj, *val, *n;
	int rc = PIAM_OK;

	*out = NULL;
	if (!json_is_object(doc))
		return bad(c, "a policy document must be a JSON object");
	if (!(obj = json_object()))
		return nomem(c);
	json_object_foreach(doc, key, val) {
		n = NULL;
		if (strcmp(key, "Version") == 0 || strcmp(key, "Id") == 0) {
			if (!json_is_string(val)) {
				rc = bad(c, "Version and Id must be strings");
				break;
			}
			n = json_string(json_string_value(val));
		} else if (strcmp(key, "Statement") == 0) {
			rc = norm_statements(c, val, &n);
		} else {
			n = json_deep_copy(val);
		}
		if (rc || (rc = n ? set(c, obj, key, n) : nomem(c)))
			break;
	}
	if (!rc && !json_object_get(obj, "Version"))
		rc = set(c, obj, "Version", json_string(DEFAULT_VERSION));
	if (rc) {
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return PIAM_OK;
}

int piam__policy_equal(piam_client *c, json_t *a, json_t *b, int *out_equal)
{
	json_t *na = NULL, *nb = NULL;
	int rc;

	*out_equal = 0;
	if (!(rc = norm_doc(c, a, &na)) && !(rc = norm_doc(c, b, &nb)))
		*out_equal = json_equal(na, nb);
	json_decref(na);
	json_decref(nb);
	return rc;
}

int piam__policy_compare(piam_client *c, const char *existing, size_t len, json_t *desired, int *out_equal)
{
	json_t *doc;
	int rc;

	*out_equal = 0;
	if ((rc = piam__policy_parse(c, existing, len, &doc)))
		return rc;
	rc = piam__policy_equal(c, doc, desired, out_equal);
	json_decref(doc);
	return rc;
}

static int statement_equal(piam_client *c, json_t *a, json_t *b, int *out_equal)
{
	json_t *na = NULL, *nb = NULL;
	int rc;

	*out_equal = 0;
	if (!(rc = norm_statement(c, a, &na)) && !(rc = norm_statement(c, b, &nb)))
		*out_equal = json_equal(na, nb);
	json_decref(na);
	json_decref(nb);
	return rc;
}

static int is_ours(json_t *st)
{
	json_t *sid = json_object_get(st, "Sid");

	return json_is_string(sid) && strcmp(json_string_value(sid), PIAM_POLICY_BUCKET_SID) == 0;
}

static int only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

static int count_cb(const char *buffer, size_t size, void *data)
{
	(void)buffer;
	*(size_t *)data += size;
	return 0;
}

static int check_bucket_size(piam_client *c, json_t *doc)
{
	size_t n = 0;

	if (json_dump_callback(doc, count_cb, &n, JSON_COMPACT) != 0)
		return nomem(c);
	if (n > PIAM__BUCKET_POLICY_MAX)
		return piam__error(c, PIAM_EPOLICY, "the bucket policy would be %zu bytes, above S3's limit of %d", n,
				   PIAM__BUCKET_POLICY_MAX);
	return PIAM_OK;
}

/* A new bucket policy holding only `statement` (copied). */
static int fresh_policy(piam_client *c, json_t *statement, json_t **out)
{
	json_t *doc = json_pack("{s:s, s:[o]}", "Version", "2012-10-17", "Statement", json_deep_copy(statement));

	if (!doc)
		return nomem(c);
	*out = doc;
	return PIAM_OK;
}

int piam__policy_bucket_merge(piam_client *c, const char *existing, size_t len, json_t *statement,
			      json_t **out, int *out_change)
{
	json_t *doc = NULL, *stmts, *kept = NULL, *el;
	size_t i, n, ours = 0, first = 0;
	int rc, same, single;

	*out = NULL;
	*out_change = PIAM_POLICY_UNCHANGED;
	if (!existing || only_space(existing, len)) {
		if (!statement)
			return PIAM_OK;
		if ((rc = fresh_policy(c, statement, &doc)) || (rc = check_bucket_size(c, doc))) {
			json_decref(doc);
			return rc;
		}
		*out = doc;
		*out_change = PIAM_POLICY_PUT;
		return PIAM_OK;
	}
	if ((rc = piam__policy_parse(c, existing, len, &doc)))
		return rc;
	if (!(stmts = json_object_get(doc, "Statement"))) {
		json_decref(doc);
		return bad(c, "the existing bucket policy has no Statement");
	}
	single = json_is_object(stmts);
	n = single ? 1 : json_array_size(stmts);
	for (i = 0; i < n; i++)
		if (is_ours(single ? stmts : json_array_get(stmts, i)) && !ours++)
			first = i;
	if (statement && ours == 1) {
		if ((rc = statement_equal(c, single ? stmts : json_array_get(stmts, first), statement, &same)))
			goto fail;
		if (same) {
			*out = doc;
			return PIAM_OK;
		}
	}
	if (!statement && !ours) {
		*out = doc;
		return PIAM_OK;
	}
	if (!(kept = json_array()))
		goto oom;
	for (i = 0; i < n; i++) {
		el = single ? stmts : json_array_get(stmts, i);
		if (is_ours(el)) {
			if (statement && i == first && json_array_append_new(kept, json_deep_copy(statement)) != 0)
				goto oom;
		} else if (json_array_append(kept, el) != 0) {
			goto oom;
		}
	}
	if (statement && !ours && json_array_append_new(kept, json_deep_copy(statement)) != 0)
		goto oom;
	if (json_array_size(kept) == 0) {
		json_decref(kept);
		json_decref(doc);
		*out_change = PIAM_POLICY_DELETE;
		return PIAM_OK;
	}
	/* Replacing the value keeps the key's place among the top-level fields. */
	if (json_object_set_new(doc, "Statement", kept) != 0) {
		kept = NULL;
		goto oom;
	}
	if ((rc = check_bucket_size(c, doc)))
		goto fail;
	*out = doc;
	*out_change = PIAM_POLICY_PUT;
	return PIAM_OK;
oom:
	json_decref(kept);
	rc = nomem(c);
fail:
	json_decref(doc);
	return rc;
}
