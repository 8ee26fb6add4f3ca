/* Reading recorded replies from tests/data/ (the directory comes as the test's first argument). */
#ifndef PIAM_TESTDATA_H
#define PIAM_TESTDATA_H

#include <stdio.h>
#include <stdlib.h>

/* The whole file DIR/NAME, NUL-terminated, malloc'd; exits the test when it cannot be read. */
static inline char *testdata_read(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "rb")) || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || !(buf = malloc((size_t)n + 1)) ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = (size_t)n;
	return buf;
}

#endif
