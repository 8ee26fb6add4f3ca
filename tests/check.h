/*
 * A tiny test harness: CHECK records a failure and carries on; each test file's main() returns
 * check_exit(), which prints "N passed, N failed" for the checks it ran.
 */
#ifndef PIAM_CHECK_H
#define PIAM_CHECK_H

#include <stdio.h>
#include <string.h>

struct check_state {
	int passed;
	int failed;
};

/* One per test program; defined by CHECK_MAIN in exactly one file. */
extern struct check_state check_state_;

#define CHECK_MAIN struct check_state check_state_

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (cond) {                                                             \
			check_state_.passed++;                                          \
		} else {                                                                \
			check_state_.failed++;                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                       \
	} while (0)

#define CHECK_INT(a, b)                                                                         \
	do {                                                                                    \
		long long ca_ = (long long)(a), cb_ = (long long)(b);                            \
		if (ca_ == cb_) {                                                               \
			check_state_.passed++;                                                  \
		} else {                                                                        \
			check_state_.failed++;                                                  \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
				#a, ca_, #b, cb_);                                              \
		}                                                                               \
	} while (0)

#define CHECK_STR(a, b)                                                                     \
	do {                                                                                \
		const char *ca_ = (a), *cb_ = (b);                                          \
		if (ca_ && cb_ && strcmp(ca_, cb_) == 0) {                                  \
			check_state_.passed++;                                              \
		} else {                                                                    \
			check_state_.failed++;                                              \
			fprintf(stderr, "%s:%d: %s\n  got:      \"%s\"\n  expected: \"%s\"\n", \
				__FILE__, __LINE__, #a, ca_ ? ca_ : "(null)", cb_ ? cb_ : "(null)"); \
		}                                                                           \
	} while (0)

static inline int check_exit(void)
{
	printf("%d passed, %d failed\n", check_state_.passed, check_state_.failed);
	return check_state_.failed ? 1 : (check_state_.passed ? 0 : 77);
}

#endif
