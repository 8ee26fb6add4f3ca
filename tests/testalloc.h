/*
 * A test allocator: counts live blocks and bytes, fails the Nth allocation on request, and
 * checks on free that secrets were wiped when asked to (see testalloc_forbid).
 */
#ifndef PIAM_TESTALLOC_H
#define PIAM_TESTALLOC_H

#include <stddef.h>

#include <piam/piam.h>

struct testalloc {
	long calls;      /* allocations attempted (malloc and growing realloc) */
	long fail_at;    /* fail the allocation with this 1-based number; 0 never */
	long live;       /* blocks allocated and not yet freed */
	long failures;   /* allocations refused */
	const char *forbidden; /* a string that must not be in any block when it is freed */
	long leaked_secret;    /* frees that still held `forbidden` */
};

/* An allocator that reports into `t`. */
piam_allocator testalloc_allocator(struct testalloc *t);

#endif
