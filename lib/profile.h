/*
 * The shared config and credentials files (~/.aws/config, ~/.aws/credentials), read as the AWS
 * CLI reads them. Pure: text in, sections and properties out; no file or environment access.
 */
#ifndef PIAM_PROFILE_H
#define PIAM_PROFILE_H

#include <stddef.h>

#include "internal.h"

/* What a section header names. The credentials file has only profiles. */
enum piam__section_kind {
	PIAM__SECTION_PROFILE,  /* [name] in credentials, [profile name] or [default] in config */
	PIAM__SECTION_SERVICES, /* [services name] in config */
	PIAM__SECTION_OTHER     /* anything else ([sso-session x], [plugins], ...): kept, unused */
};

struct piam__profile_section {
	char *name;     /* the profile or services name, without the "profile " prefix */
	int kind;       /* enum piam__section_kind */
	int prefixed;   /* [profile default]: wins over [default] */
};

/* One property. A nested block ("s3 =" and indented lines) becomes one property per inner line,
 * each with the outer key in `key` and the inner key in `sub`. */
struct piam__profile_prop {
	size_t section;
	char *key;      /* lowercased, as the CLI does */
	char *sub;      /* NULL for a plain property */
	char *value;    /* trimmed; continuation lines joined with '\n'; wiped on free */
};

struct piam__profile_file {
	struct piam__profile_section *sections;
	size_t nsections;
	struct piam__profile_prop *props;
	size_t nprops;
};

/*
 * Parse a whole file. `config_file` selects the config file's section naming ([profile x]);
 * otherwise every section is a profile, as in the credentials file. `what` names the file in
 * error messages ("file:line: ..."), which never quote the file's content.
 * Errors: PIAM_ECONFIG (malformed: a line before any section, a line without '=' or ':', an
 * empty section name or key, a NUL byte, a nested line without '='), PIAM_ENOMEM.
 * On failure *out is left empty.
 */
int piam__profile_parse(piam_client *c, const char *text, size_t len, int config_file, const char *what,
			struct piam__profile_file *out);
void piam__profile_free(piam_client *c, struct piam__profile_file *f);

/* Whether a section of that kind and name exists. */
int piam__profile_has(const struct piam__profile_file *f, int kind, const char *name);

/*
 * The value of `key` (and `sub` for a nested property; NULL for a plain one) in the named
 * section, or NULL. Repeated sections and keys: the last one wins; for profiles, [profile
 * default] wins over [default]. A nested block's outer key has no plain value.
 */
const char *piam__profile_get(const struct piam__profile_file *f, int kind, const char *name,
			      const char *key, const char *sub);

#endif
