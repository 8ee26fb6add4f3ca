/*
 * Untrusted policy JSON through parse, compare and the bucket-policy merge. Besides "never
 * crash, never leak", it checks the properties the setup layer relies on: a parsed document
 * equals itself and its own compact text, a merge result always parses again, and taking our
 * statement back out of a merge gives the original document back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_ours(json_t *doc)
{
	json_t *list = json_object_get(doc, "Statement"), *st;
	size_t i, n = 0;

	if (json_is_object(list)) {
		st = json_object_get(list, "Sid");
		return json_is_string(st) && strcmp(json_string_value(st), PIAM_POLICY_BUCKET_SID) == 0;
	}
	json_array_foreach(list, i, st) {
		json_t *sid = json_object_get(st, "Sid");

		n += json_is_string(sid) && strcmp(json_string_value(sid), PIAM_POLICY_BUCKET_SID) == 0;
	}
	return n;
}

static int statement_count(json_t *doc)
{
	json_t *list = json_object_get(doc, "Statement");

	return json_is_object(list) ? 1 : (int)json_array_size(list);
}

/* Only these codes may come back for untrusted input. */
static void expect_rc(int rc)
{
	if (rc != PIAM_OK && rc != PIAM_EPOLICY && rc != PIAM_ENOMEM)
		abort();
}

static void check_merge(piam_client *c, const char *data, size_t size, json_t *statement, json_t *doc)
{
	json_t *merged = NULL, *back = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc, change = -1, change2 = -1, eq = 0;

	rc = piam__policy_bucket_merge(c, data, size, statement, &merged, &change);
	expect_rc(rc);
	if (rc != PIAM_OK) {
		if (merged)
			abort();
		return;
	}
	if (!merged || (change != PIAM_POLICY_PUT && change != PIAM_POLICY_UNCHANGED))
		abort();
	if (change == PIAM_POLICY_PUT && piam__policy_text(c, merged, 0, &text, &len) == PIAM_OK) {
		rc = piam__policy_bucket_merge(c, text, len, NULL, &back, &change2);
		expect_rc(rc);
		if (rc == PIAM_OK && change2 == PIAM_POLICY_UNCHANGED)
			abort(); /* ours was just put in */
		if (rc == PIAM_OK && doc && count_ours(doc) == 0) {
			if (statement_count(doc) > 0 && change2 != PIAM_POLICY_PUT)
				abort();
			if (change2 == PIAM_POLICY_PUT && piam__policy_equal(c, back, doc, &eq) == PIAM_OK && !eq)
				abort();
		}
		piam__free(c, text);
	}
	json_decref(back);
	json_decref(merged);
}

/* Split at the first NUL: when both halves parse, equality holds both ways or neither. */
static void check_symmetry(piam_client *c, const char *text, size_t size)
{
	const char *nul = memchr(text, '\0', size);
	json_t *a = NULL, *b = NULL;
	int ab = 0, ba = 0;

	if (nul && piam__policy_parse(c, text, (size_t)(nul - text), &a) == PIAM_OK &&
	    piam__policy_parse(c, nul + 1, size - (size_t)(nul - text) - 1, &b) == PIAM_OK &&
	    piam__policy_equal(c, a, b, &ab) == PIAM_OK && piam__policy_equal(c, b, a, &ba) == PIAM_OK &&
	    ab != ba)
		abort();
	json_decref(a);
	json_decref(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	piam_client *c = NULL;
	piam_options *o = NULL;
	json_t *statement = NULL, *doc = NULL, *again = NULL, *removed = NULL;
	char *compact = NULL;
	size_t len = 0;
	int rc, eq = 0, change;

	if (piam_client_new(&c, NULL) != PIAM_OK)
		return 0;
	if (piam_options_new(&o, c) != PIAM_OK || piam_options_add_input_bucket(o, "fuzz-bucket") != PIAM_OK ||
	    piam__policy_bucket_statement(o, "us-east-1", "fuzz-bucket", &statement) != PIAM_OK)
		goto out;

	rc = piam__policy_parse(c, text, size, &doc);
	expect_rc(rc);
	if (rc == PIAM_OK) {
		if (piam__policy_equal(c, doc, doc, &eq) == PIAM_OK && !eq)
			abort();
		if (piam__policy_text(c, doc, 0, &compact, &len) == PIAM_OK &&
		    piam__policy_parse(c, compact, len, &again) == PIAM_OK &&
		    piam__policy_equal(c, doc, again, &eq) == PIAM_OK && !eq)
			abort();
	}
	check_symmetry(c, text, size);
	check_merge(c, text, size, statement, doc);
	rc = piam__policy_bucket_merge(c, text, size, NULL, &removed, &change);
	expect_rc(rc);
	if (rc == PIAM_OK && change == PIAM_POLICY_DELETE && removed)
		abort();
out:
	piam__free(c, compact);
	json_decref(removed);
	json_decref(again);
	json_decref(doc);
	json_decref(statement);
	piam_options_free(o);
	piam_client_free(c);
	return 0;
}
