/*
 * A raw HTTP/1.1 request as text (request line, headers, blank line, body) — the format of the
 * AWS SigV4 test suite's request.txt — parsed for signing, and printed back signed.
 * Public API only; shared by `piam sign`, tests/test_sigv4.c and the sigv4 fuzz target.
 */
#ifndef PIAM_RAWREQ_H
#define PIAM_RAWREQ_H

#include <stdio.h>

#include <piam/piam.h>

struct rawreq {
	const char *method;
	const char *path;    /* the target up to '?' */
	const char *query;   /* after '?', NULL when there is no '?' */
	const char *version; /* "HTTP/1.1" */
	size_t nheaders;
	const char **names;
	const char **values; /* continuation lines joined to the first with one space */
	const char **lines;  /* each header as written: from lines[i] up to line_ends[i], continuation */
	const char **line_ends; /* lines included, with their own line breaks */
	const char *body;
	size_t body_len;
	char *mem_; /* everything above lives here */
};

/* Parse `len` bytes of text. 0, or -1 with a one-line reason in err. Free with rawreq_free. */
int rawreq_parse(struct rawreq *r, const char *text, size_t len, char *err, size_t errsize);
void rawreq_free(struct rawreq *r);

/*
 * Print r signed with the `count` results of the last piam_sign_request on client: in header
 * mode, the headers in their order (less those a result replaces), then the results; with
 * presign, the parameters appended to the request line's query. Returns 0, or -1 on a write error.
 */
int rawreq_print_signed(FILE *f, const struct rawreq *r, const piam_client *client, size_t count, int presign);

#endif
