/* Allocation through the client's allocator, caller-owned memory, and the growable buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void *piam__malloc(piam_client *c, size_t size)
{
	void *p = c->alloc.malloc_fn(size ? size : 1, c->alloc.userdata);

	if (!p)
		piam__error(c, PIAM_ENOMEM, "out of memory");
	return p;
}

void *piam__calloc(piam_client *c, size_t count, size_t size)
{
	void *p;

	if (size && count > SIZE_MAX / size) {
		piam__error(c, PIAM_ENOMEM, "out of memory");
		return NULL;
	}
	p = piam__malloc(c, count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *piam__realloc(piam_client *c, void *ptr, size_t size)
{
	void *p = c->alloc.realloc_fn(ptr, size ? size : 1, c->alloc.userdata);

	if (!p)
		piam__error(c, PIAM_ENOMEM, "out of memory");
	return p;
}

void piam__free(piam_client *c, void *ptr)
{
	if (ptr)
		c->alloc.free_fn(ptr, c->alloc.userdata);
}

char *piam__strndup(piam_client *c, const char *s, size_t n)
{
	char *p = piam__malloc(c, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *piam__strdup(piam_client *c, const char *s)
{
	return piam__strndup(c, s, strlen(s));
}

void piam__free_secret(piam_client *c, char *s)
{
	if (s) {
		piam__wipe(s, strlen(s));
		piam__free(c, s);
	}
}

/* The header in front of memory given to the caller; the union keeps the payload aligned. */
union out_header {
	struct {
		void (*free_fn)(void *, void *);
		void *userdata;
	} a;
	max_align_t align;
};

void *piam__out_alloc(piam_client *c, size_t size)
{
	union out_header *h;

	if (size > SIZE_MAX - sizeof(*h)) {
		piam__error(c, PIAM_ENOMEM, "out of memory");
		return NULL;
	}
	h = piam__malloc(c, sizeof(*h) + size);
	if (!h)
		return NULL;
	h->a.free_fn = c->alloc.free_fn;
	h->a.userdata = c->alloc.userdata;
	return h + 1;
}

char *piam__out_strndup(piam_client *c, const char *s, size_t n)
{
	char *p = piam__out_alloc(c, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

PIAM_API void piam_free(void *ptr)
{
	union out_header *h;

	if (!ptr)
		return;
	h = (union out_header *)ptr - 1;
	h->a.free_fn(h, h->a.userdata);
}

int piam__buf_reserve(piam_client *c, piam__buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return piam__error(c, PIAM_ENOMEM, "out of memory");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return PIAM_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = piam__realloc(c, b->data, cap);
	if (!p)
		return PIAM_ENOMEM;
	b->data = p;
	b->cap = cap;
	return PIAM_OK;
}

int piam__buf_append(piam_client *c, piam__buf *b, const void *data, size_t len)
{
	int rc = piam__buf_reserve(c, b, len);

	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return PIAM_OK;
}

int piam__buf_puts(piam_client *c, piam__buf *b, const char *s)
{
	return piam__buf_append(c, b, s, strlen(s));
}

int piam__buf_putc(piam_client *c, piam__buf *b, char ch)
{
	return piam__buf_append(c, b, &ch, 1);
}

int piam__buf_printf(piam_client *c, piam__buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return piam__error(c, PIAM_EINVAL, "bad format");
	rc = piam__buf_reserve(c, b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return PIAM_OK;
}

void piam__buf_free(piam_client *c, piam__buf *b)
{
	piam__free(c, b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void piam__buf_wipe(piam_client *c, piam__buf *b)
{
	if (b->data)
		piam__wipe(b->data, b->cap);
	piam__buf_free(c, b);
}
