/* The shared config/credentials parser on arbitrary bytes, as both file kinds, then lookups. */
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"region", "s3", "iam", "services", "aws_access_key_id"};
	struct piam__profile_file f;
	piam_client *c;
	size_t i, k;
	int config_file;

	if (piam_client_new(&c, NULL) != PIAM_OK)
		return 0;
	for (config_file = 0; config_file < 2; config_file++) {
		if (piam__profile_parse(c, (const char *)data, size, config_file, "fuzz", &f) != PIAM_OK)
			continue;
		/* Every section and property must be well-formed and reachable. */
		for (i = 0; i < f.nprops; i++) {
			const struct piam__profile_prop *p = &f.props[i];
			const struct piam__profile_section *s;

			if (p->section >= f.nsections || !p->key[0] || !p->value)
				__builtin_trap();
			s = &f.sections[p->section];
			if (!piam__profile_get(&f, s->kind, s->name, p->key, p->sub))
				__builtin_trap();
		}
		for (i = 0; i < f.nsections; i++)
			for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				(void)piam__profile_get(&f, f.sections[i].kind, f.sections[i].name, keys[k], "endpoint_url");
		if (piam__profile_has(&f, PIAM__SECTION_PROFILE, "default"))
			(void)piam__profile_get(&f, PIAM__SECTION_PROFILE, "default", "region", NULL);
		piam__profile_free(c, &f);
	}
	piam_client_free(c);
	return 0;
}
