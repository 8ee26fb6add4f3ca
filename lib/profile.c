/*
 * The shared config and credentials files, parsed the way the AWS CLI's INI reader sees them:
 * full-line comments (# or ;, even indented), keys separated from values by the first '=' or
 * ':', case-insensitive keys, lines indented deeper than a key continuing its value, and a value
 * that starts on the next line ("s3 =" then indented "key = value" lines) read as a nested block.
 */
#include <string.h>

#include "profile.h"

struct parser {
	piam_client *c;
	struct piam__profile_file *f;
	size_t sections_cap, props_cap, lines_cap;
	const char *what;
	unsigned line;
	int config_file;
	int have_section;
	int have_prop;     /* the last property can take continuation lines */
	size_t prop_indent;
	unsigned *prop_lines; /* the line of each property, for errors in nested blocks */
};

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && is_space(**s))
		(*s)++;
	while (*e > *s && is_space((*e)[-1]))
		(*e)--;
}

static int fail(struct parser *p, unsigned line, const char *why)
{
	return piam__error(p->c, PIAM_ECONFIG, "%s:%u: %s", p->what, line, why);
}

static int grow(piam_client *c, void **arr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap * 2 : 8;
	void *a;

	if (need <= *cap)
		return PIAM_OK;
	if (!(a = piam__realloc(c, *arr, n * size)))
		return PIAM_ENOMEM;
	*arr = a;
	*cap = n;
	return PIAM_OK;
}

/* "profile NAME" -> NAME, as the CLI's shell-like split sees it: exactly one word after the
 * prefix, possibly quoted. Returns 0 when the header is not of that form. */
static int prefixed_name(const char *s, const char *e, const char *prefix, const char **ns, const char **ne)
{
	size_t n = strlen(prefix);
	const char *q;

	if ((size_t)(e - s) <= n || memcmp(s, prefix, n) != 0 || !is_space(s[n]))
		return 0;
	s += n;
	trim(&s, &e);
	if (s < e && (*s == '"' || *s == '\'')) {
		if (e - s < 3 || e[-1] != *s)
			return 0;
		s++;
		e--;
		for (q = s; q < e; q++)
			if (*q == s[-1])
				return 0;
	} else {
		for (q = s; q < e; q++)
			if (is_space(*q) || *q == '"' || *q == '\'')
				return 0;
	}
	*ns = s;
	*ne = e;
	return s < e;
}

static int add_section(struct parser *p, const char *s, const char *e)
{
	struct piam__profile_section *sec;
	const char *ns = s, *ne = e;
	int kind = PIAM__SECTION_PROFILE, prefixed = 0, rc;

	trim(&ns, &ne);
	if (ns == ne)
		return fail(p, p->line, "empty section name");
	if (p->config_file) {
		if (prefixed_name(ns, ne, "profile", &ns, &ne))
			prefixed = 1;
		else if (prefixed_name(ns, ne, "services", &ns, &ne))
			kind = PIAM__SECTION_SERVICES;
		else if ((size_t)(ne - ns) != 7 || memcmp(ns, "default", 7) != 0)
			kind = PIAM__SECTION_OTHER;
	}
	rc = grow(p->c, (void **)&p->f->sections, &p->sections_cap, p->f->nsections + 1, sizeof(*sec));
	if (rc)
		return rc;
	sec = &p->f->sections[p->f->nsections];
	if (!(sec->name = piam__strndup(p->c, ns, (size_t)(ne - ns))))
		return PIAM_ENOMEM;
	sec->kind = kind;
	sec->prefixed = prefixed;
	p->f->nsections++;
	p->have_section = 1;
	p->have_prop = 0;
	return PIAM_OK;
}

static char *lower_dup(piam_client *c, const char *s, const char *e)
{
	char *k = piam__strndup(c, s, (size_t)(e - s));
	char *q;

	for (q = k; q && *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return k;
}

static int add_prop(struct parser *p, const char *s, const char *e, size_t indent)
{
	struct piam__profile_prop *prop;
	const char *sep, *ks = s, *ke, *vs, *ve = e;
	int rc;

	for (sep = s; sep < e && *sep != '=' && *sep != ':'; sep++)
		;
	if (sep == e)
		return fail(p, p->line, "expected \"key = value\"");
	ke = sep;
	vs = sep + 1;
	trim(&ks, &ke);
	trim(&vs, &ve);
	if (ks == ke)
		return fail(p, p->line, "empty key");
	rc = grow(p->c, (void **)&p->f->props, &p->props_cap, p->f->nprops + 1, sizeof(*prop));
	if (!rc)
		rc = grow(p->c, (void **)&p->prop_lines, &p->lines_cap, p->f->nprops + 1, sizeof(unsigned));
	if (rc)
		return rc;
	prop = &p->f->props[p->f->nprops];
	prop->section = p->f->nsections - 1;
	prop->sub = NULL;
	prop->key = lower_dup(p->c, ks, ke);
	prop->value = prop->key ? piam__strndup(p->c, vs, (size_t)(ve - vs)) : NULL;
	if (!prop->value) {
		piam__free(p->c, prop->key);
		return PIAM_ENOMEM;
	}
	p->prop_lines[p->f->nprops] = p->line;
	p->f->nprops++;
	p->have_prop = 1;
	p->prop_indent = indent;
	return PIAM_OK;
}

/* Append "\n" and the line to the last value. A fresh copy, so the old one can be wiped. */
static int continue_prop(struct parser *p, const char *s, const char *e)
{
	struct piam__profile_prop *prop = &p->f->props[p->f->nprops - 1];
	size_t old = strlen(prop->value), n = (size_t)(e - s);
	char *v = piam__malloc(p->c, old + 1 + n + 1);

	if (!v)
		return PIAM_ENOMEM;
	memcpy(v, prop->value, old);
	v[old] = '\n';
	memcpy(v + old + 1, s, n);
	v[old + 1 + n] = '\0';
	piam__free_secret(p->c, prop->value);
	prop->value = v;
	return PIAM_OK;
}

static int parse_line(struct parser *p, const char *s, const char *e)
{
	const char *ts = s, *te = e, *close;

	trim(&ts, &te);
	if (ts == te || *ts == '#' || *ts == ';')
		return PIAM_OK;
	if (p->have_prop && (size_t)(ts - s) > p->prop_indent)
		return continue_prop(p, ts, te);
	if (*ts == '[') {
		for (close = te; close > ts && close[-1] != ']'; close--)
			;
		if (close > ts + 1)
			return add_section(p, ts + 1, close - 1);
	}
	if (!p->have_section)
		return fail(p, p->line, "a line before the first [section]");
	return add_prop(p, ts, te, (size_t)(ts - s));
}

/* Replace every property whose value started on the next line with its nested key = value lines. */
static int expand_nested(struct parser *p)
{
	struct piam__profile_file *f = p->f;
	struct piam__profile_prop *out = NULL, *prop;
	size_t i, n = 0, cap = 0;
	const char *s, *e, *eq, *ks, *ke, *vs, *ve;
	int rc = PIAM_OK;

	for (i = 0; i < f->nprops; i++)
		if (f->props[i].value[0] == '\n')
			break;
	if (i == f->nprops)
		return PIAM_OK;
	for (i = 0; i < f->nprops && !rc; i++) {
		prop = &f->props[i];
		if (prop->value[0] != '\n') {
			if (!(rc = grow(p->c, (void **)&out, &cap, n + 1, sizeof(*out)))) {
				out[n++] = *prop;
				prop->key = prop->value = NULL;
			}
			continue;
		}
		for (s = prop->value + 1; *s && !rc; s = *e ? e + 1 : e) {
			e = strchr(s, '\n');
			if (!e)
				e = s + strlen(s);
			for (eq = s; eq < e && *eq != '='; eq++)
				;
			if (eq == e) {
				rc = fail(p, p->prop_lines[i], "expected \"key = value\" lines in the nested block");
				break;
			}
			ks = s, ke = eq, vs = eq + 1, ve = e;
			trim(&ks, &ke);
			trim(&vs, &ve);
			if (ks == ke) {
				rc = fail(p, p->prop_lines[i], "empty key in the nested block");
				break;
			}
			if ((rc = grow(p->c, (void **)&out, &cap, n + 1, sizeof(*out))))
				break;
			out[n].section = prop->section;
			out[n].key = piam__strdup(p->c, prop->key);
			out[n].sub = out[n].key ? piam__strndup(p->c, ks, (size_t)(ke - ks)) : NULL;
			out[n].value = out[n].sub ? piam__strndup(p->c, vs, (size_t)(ve - vs)) : NULL;
			if (!out[n].value) {
				piam__free(p->c, out[n].key);
				piam__free(p->c, out[n].sub);
				rc = PIAM_ENOMEM;
				break;
			}
			n++;
		}
	}
	/* Swap in the new array; whatever was not moved is freed with the old one. */
	for (i = 0; i < f->nprops; i++) {
		piam__free(p->c, f->props[i].key);
		piam__free(p->c, f->props[i].sub);
		piam__free_secret(p->c, f->props[i].value);
	}
	piam__free(p->c, f->props);
	f->props = out;
	f->nprops = n;
	return rc;
}

int piam__profile_parse(piam_client *c, const char *text, size_t len, int config_file, const char *what,
			struct piam__profile_file *out)
{
	struct parser p;
	const char *s = text, *end = text + len, *nl;
	int rc = PIAM_OK;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.f = out;
	p.what = what;
	p.config_file = config_file;
	if (len && memchr(text, '\0', len))
		return piam__error(c, PIAM_ECONFIG, "%s: contains a NUL byte", what);
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (s < end && !rc) {
		nl = memchr(s, '\n', (size_t)(end - s));
		p.line++;
		rc = parse_line(&p, s, nl ? nl : end);
		s = nl ? nl + 1 : end;
	}
	if (!rc)
		rc = expand_nested(&p);
	piam__free(c, p.prop_lines);
	if (rc)
		piam__profile_free(c, out);
	return rc;
}

void piam__profile_free(piam_client *c, struct piam__profile_file *f)
{
	size_t i;

	for (i = 0; i < f->nsections; i++)
		piam__free(c, f->sections[i].name);
	for (i = 0; i < f->nprops; i++) {
		piam__free(c, f->props[i].key);
		piam__free(c, f->props[i].sub);
		piam__free_secret(c, f->props[i].value);
	}
	piam__free(c, f->sections);
	piam__free(c, f->props);
	memset(f, 0, sizeof(*f));
}

static int section_matches(const struct piam__profile_section *sec, int kind, const char *name, int prefixed)
{
	return sec->kind == kind && sec->prefixed == prefixed && strcmp(sec->name, name) == 0;
}

int piam__profile_has(const struct piam__profile_file *f, int kind, const char *name)
{
	size_t i;

	for (i = 0; i < f->nsections; i++)
		if (f->sections[i].kind == kind && strcmp(f->sections[i].name, name) == 0)
			return 1;
	return 0;
}

const char *piam__profile_get(const struct piam__profile_file *f, int kind, const char *name,
			      const char *key, const char *sub)
{
	const struct piam__profile_prop *prop;
	int pass;
	size_t i;

	/* [profile default] first, then [default]; other kinds have only unprefixed sections. */
	for (pass = kind == PIAM__SECTION_PROFILE ? 1 : 0; pass >= 0; pass--)
		for (i = f->nprops; i-- > 0;) {
			prop = &f->props[i];
			if (!section_matches(&f->sections[prop->section], kind, name, pass) ||
			    strcmp(prop->key, key) != 0)
				continue;
			if (sub ? prop->sub && strcmp(prop->sub, sub) == 0 : !prop->sub)
				return prop->value;
		}
	return NULL;
}
