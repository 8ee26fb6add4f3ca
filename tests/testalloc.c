#include "testalloc.h"

#include <stdlib.h>
#include <string.h>

/* Each block carries its size in front, so free can scan it for forbidden text. */
union hdr {
	size_t size;
	max_align_t align;
};

static int should_fail(struct testalloc *t)
{
	t->calls++;
	if (t->fail_at && t->calls == t->fail_at) {
		t->failures++;
		return 1;
	}
	return 0;
}

static void scan(struct testalloc *t, const union hdr *h)
{
	size_t n;
	const char *p = (const char *)(h + 1);

	if (!t->forbidden || !(n = strlen(t->forbidden)) || h->size < n)
		return;
	for (size_t i = 0; i + n <= h->size; i++)
		if (memcmp(p + i, t->forbidden, n) == 0) {
			t->leaked_secret++;
			return;
		}
}

static void *ta_malloc(size_t size, void *ud)
{
	struct testalloc *t = ud;
	union hdr *h;

	if (should_fail(t) || !(h = malloc(sizeof(*h) + size)))
		return NULL;
	h->size = size;
	t->live++;
	/* Blocks are scanned whole on free: give them defined contents, or valgrind would flag the
	 * scan of a buffer's unused capacity. Only when scanning, so other tests still catch reads of
	 * uninitialised memory. */
	if (t->forbidden)
		memset(h + 1, 0, size);
	return h + 1;
}

static void ta_free(void *ptr, void *ud)
{
	struct testalloc *t = ud;
	union hdr *h;

	if (!ptr)
		return;
	h = (union hdr *)ptr - 1;
	scan(t, h);
	t->live--;
	free(h);
}

/* realloc always moves, so that code keeping a stale pointer fails loudly under ASan. */
static void *ta_realloc(void *ptr, size_t size, void *ud)
{
	struct testalloc *t = ud;
	union hdr *old;
	void *p;

	if (!ptr)
		return ta_malloc(size, ud);
	old = (union hdr *)ptr - 1;
	if (!(p = ta_malloc(size, ud)))
		return NULL;
	memcpy(p, ptr, old->size < size ? old->size : size);
	ta_free(ptr, t);
	return p;
}

piam_allocator testalloc_allocator(struct testalloc *t)
{
	piam_allocator a = {ta_malloc, ta_realloc, ta_free, t};
	return a;
}
