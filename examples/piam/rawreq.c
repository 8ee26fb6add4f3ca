/* Parsing and printing the raw HTTP/1.1 requests `piam sign` reads. Public API only. */
#include "rawreq.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int fail(struct rawreq *r, char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	rawreq_free(r);
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return -1;
}

/* The length of the line at p (up to, not including, "\n" or "\r\n") and where the next starts. */
static size_t line_at(const char *p, const char *end, const char **next)
{
	size_t avail = p < end ? (size_t)(end - p) : 0;
	const char *nl = memchr(p, '\n', avail);
	size_t n = nl ? (size_t)(nl - p) : avail;

	*next = p + (nl ? n + 1 : n);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

static char *put(char *out, const char *s, size_t n)
{
	memcpy(out, s, n);
	out[n] = '\0';
	return out + n + 1;
}

void rawreq_free(struct rawreq *r)
{
	if (!r)
		return;
	free(r->mem_);
	memset(r, 0, sizeof(*r));
}

static int parse_request_line(struct rawreq *r, const char *p, size_t n, char **out, char *err, size_t errsize)
{
	const char *sp1 = memchr(p, ' ', n), *sp2 = p + n, *q;

	while (sp2 > p && sp2[-1] != ' ')
		sp2--;
	if (!sp1 || sp1 == p || sp2 <= sp1 + 2)
		return fail(r, err, errsize, "malformed request line: expected METHOD PATH HTTP/1.1");
	sp2--;
	if ((size_t)(p + n - sp2 - 1) < 5 || memcmp(sp2 + 1, "HTTP/", 5) != 0)
		return fail(r, err, errsize, "malformed request line: no HTTP version at its end");
	r->method = *out;
	*out = put(*out, p, (size_t)(sp1 - p));
	for (q = sp1 + 1; q < sp2 && *q != '?'; q++)
		;
	r->path = *out;
	*out = put(*out, sp1 + 1, (size_t)(q - sp1 - 1));
	if (q < sp2) {
		r->query = *out;
		*out = put(*out, q + 1, (size_t)(sp2 - q - 1));
	}
	r->version = *out;
	*out = put(*out, sp2 + 1, (size_t)(p + n - sp2 - 1));
	return 0;
}

int rawreq_parse(struct rawreq *r, const char *text, size_t len, char *err, size_t errsize)
{
	const char *p, *end, *next;
	size_t n, nlines = 1, i;
	char *copy, *out;
	const char **arrays;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < len; i++)
		nlines += text[i] == '\n';
	if (len > ((size_t)-1) / 8 || nlines > ((size_t)-1) / 8 / sizeof(char *))
		return fail(r, err, errsize, "request too large");
	/* One block: four arrays of line pointers, a copy of the text, then the strings. */
	if (!(r->mem_ = malloc(4 * nlines * sizeof(char *) + 3 * len + 16)))
		return fail(r, err, errsize, "out of memory");
	arrays = (const char **)(void *)r->mem_;
	r->names = arrays;
	r->values = arrays + nlines;
	r->lines = arrays + 2 * nlines;
	r->line_ends = arrays + 3 * nlines;
	copy = r->mem_ + 4 * nlines * sizeof(char *);
	memcpy(copy, text, len);
	out = copy + len;
	end = copy + len;

	n = line_at(copy, end, &next);
	if (memchr(copy, '\0', n))
		return fail(r, err, errsize, "the request line holds a NUL byte");
	if (parse_request_line(r, copy, n, &out, err, errsize))
		return -1;
	for (p = next; p < end; p = next) {
		const char *colon;

		n = line_at(p, end, &next);
		if (n == 0)
			break;
		if (memchr(p, '\0', n))
			return fail(r, err, errsize, "header line %zu holds a NUL byte", r->nheaders + 1);
		if (*p == ' ' || *p == '\t') {
			/* obs-fold: the line continues the previous header's value, joined by a space */
			if (!r->nheaders)
				return fail(r, err, errsize, "a continuation line comes before any header");
			while (n && (*p == ' ' || *p == '\t'))
				p++, n--;
			out[-1] = ' ';
			out = put(out, p, n);
			r->line_ends[r->nheaders - 1] = next;
			continue;
		}
		if (!(colon = memchr(p, ':', n)) || colon == p)
			return fail(r, err, errsize, "malformed header line %zu: expected Name:value", r->nheaders + 1);
		i = r->nheaders++;
		r->lines[i] = p;
		r->line_ends[i] = next;
		r->names[i] = out;
		out = put(out, p, (size_t)(colon - p));
		r->values[i] = out;
		out = put(out, colon + 1, (size_t)(p + n - colon - 1));
	}
	r->body = p < end ? next : end;
	r->body_len = (size_t)(end - r->body);
	return 0;
}

static int name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* Whether a result of the signature replaces request header `name`. */
static int replaced(const char *name, const piam_client *client, size_t count)
{
	const char *n, *v;
	size_t i;

	for (i = 0; i < count; i++)
		if (piam_sign_result(&n, &v, client, i) == PIAM_OK && name_eq(name, n))
			return 1;
	return 0;
}

int rawreq_print_signed(FILE *f, const struct rawreq *r, const piam_client *client, size_t count, int presign)
{
	const char *n, *v;
	size_t i;

	fprintf(f, "%s %s", r->method, r->path);
	if (r->query)
		fprintf(f, "?%s", r->query);
	if (presign)
		for (i = 0; i < count; i++)
			if (piam_sign_result(&n, &v, client, i) == PIAM_OK)
				fprintf(f, "%s%s=%s", i == 0 && !(r->query && *r->query) ? (r->query ? "" : "?") : "&", n, v);
	fprintf(f, " %s\n", r->version);
	for (i = 0; i < r->nheaders; i++) {
		const char *p = r->lines[i], *next;

		if (!presign && replaced(r->names[i], client, count))
			continue;
		for (; p < r->line_ends[i]; p = next) {
			size_t len = line_at(p, r->line_ends[i], &next);

			fwrite(p, 1, len, f);
			fputc('\n', f);
		}
	}
	if (!presign)
		for (i = 0; i < count; i++)
			if (piam_sign_result(&n, &v, client, i) == PIAM_OK)
				fprintf(f, "%s:%s\n", n, v);
	fputc('\n', f);
	fwrite(r->body, 1, r->body_len, f);
	return ferror(f) ? -1 : 0;
}
