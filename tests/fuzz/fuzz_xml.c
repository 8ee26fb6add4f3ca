/*
 * The XML reader on arbitrary bytes: parse, walk every element, read both AWS error forms,
 * turn every element into a result record (which URL-decodes policy documents).
 */
#include <stdint.h>
#include <string.h>

#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct piam__xml_node *n, size_t depth)
{
	size_t count = 0;

	for (; n; n = n->next) {
		count += 1 + strlen(n->text) + strlen(n->name);
		if (n->child) {
			if (depth >= PIAM__XML_MAX_DEPTH)
				__builtin_trap(); /* the depth limit did not hold */
			count += walk(n->child, depth + 1);
		}
		if (piam__xml_next(n) && strcmp(piam__xml_next(n)->name, n->name) != 0)
			__builtin_trap();
	}
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct piam__xml_node *root, *m;
	struct piam__aws_error e;
	struct piam__xml *doc;
	piam_aws_result *r = NULL;
	piam_client *c;

	if (piam_client_new(&c, NULL))
		return 0;
	if (piam__xml_aws_error(c, (const char *)data, size, &e) == PIAM_OK && !e.code[0])
		__builtin_trap(); /* an error document always has a code */
	if (piam__xml_parse(c, (const char *)data, size, &doc) == PIAM_OK) {
		root = piam__xml_root(doc);
		walk(root, 1);
		(void)piam__xml_text(root, "GetRoleResult/Role/Arn");
		if (piam__result_new(c, &r) == PIAM_OK) {
			(void)piam__result_add_xml(c, r, root);
			for (m = root->child; m; m = m->next)
				if (piam__result_add_xml(c, r, m))
					break;
			piam_aws_result_free(r);
		}
		piam__xml_free(c, doc);
	}
	piam_client_free(c);
	return 0;
}
