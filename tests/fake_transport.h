/*
 * A scripted transport for unit tests: installed with piam__http_set_hooks, it records every
 * request the client would send and answers with the next scripted reply; time is frozen at
 * 2015-08-30T12:36:00Z, sleeps are recorded, and random() returns a fixed value.
 */
#ifndef PIAM_FAKE_TRANSPORT_H
#define PIAM_FAKE_TRANSPORT_H

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "sigv4.h"
#include "testdata.h"

#define FAKE_MAX 16

struct fake_reply {
	int rc;                    /* a transport error instead of a reply */
	long status;
	const char *file;          /* body from tests/data, or */
	const char *body;          /* this body */
	const char *request_id;
	const char *bucket_region;
};

struct fake {
	const char *datadir;
	struct fake_reply replies[FAKE_MAX];
	size_t nreplies, sent;
	char method[FAKE_MAX][8];
	char url[FAKE_MAX][512];
	char headers[FAKE_MAX][2048]; /* "Name: value\n" each */
	char body[FAKE_MAX][4096];
	long sleeps[FAKE_MAX];
	size_t nsleeps;
	double random;
};

static inline long long fake_now(void *ud)
{
	(void)ud;
	return 1440938160000LL;
}

static inline void fake_sleep(long ms, void *ud)
{
	struct fake *f = ud;

	if (f->nsleeps < FAKE_MAX)
		f->sleeps[f->nsleeps++] = ms;
}

static inline double fake_random(void *ud)
{
	return ((struct fake *)ud)->random;
}

static inline int fake_send(piam_client *c, const char *method, const char *url,
			    const struct piam__sig_header *headers, size_t nheaders, const void *body,
			    size_t body_len, struct piam__http_response *resp, void *ud)
{
	struct fake *f = ud;
	struct fake_reply *r;
	size_t i, n = f->sent;
	char *data;
	size_t len;

	if (n >= FAKE_MAX || n >= f->nreplies) {
		fprintf(stderr, "fake transport: unexpected request %zu: %s %s\n", n + 1, method, url);
		return piam__error(c, PIAM_ENETWORK, "fake transport: no reply scripted");
	}
	f->sent++;
	snprintf(f->method[n], sizeof(f->method[n]), "%s", method);
	snprintf(f->url[n], sizeof(f->url[n]), "%s", url);
	f->headers[n][0] = '\0';
	for (i = 0; i < nheaders; i++) {
		size_t used = strlen(f->headers[n]);

		snprintf(f->headers[n] + used, sizeof(f->headers[n]) - used, "%s: %s\n", headers[i].name,
			 headers[i].value);
	}
	snprintf(f->body[n], sizeof(f->body[n]), "%.*s", (int)body_len, body ? (const char *)body : "");
	r = &f->replies[n];
	if (r->rc)
		return piam__error(c, r->rc, "fake transport failure %d", r->rc);
	resp->status = r->status;
	snprintf(resp->request_id, sizeof(resp->request_id), "%s", r->request_id ? r->request_id : "");
	snprintf(resp->bucket_region, sizeof(resp->bucket_region), "%s", r->bucket_region ? r->bucket_region : "");
	if (r->file) {
		data = testdata_read(f->datadir, r->file, &len);
		i = (size_t)piam__buf_append(c, &resp->body, data, len);
		free(data);
		if (i)
			return PIAM_ENOMEM;
	} else if (r->body && piam__buf_puts(c, &resp->body, r->body)) {
		return PIAM_ENOMEM;
	}
	return PIAM_OK;
}

/* A client with a region, credentials and the fake transport; replies are added to `f` later. */
static inline piam_client *fake_client(struct fake *f, const char *datadir, const piam_allocator *a)
{
	piam_client *c;

	memset(f, 0, sizeof(*f));
	f->datadir = datadir;
	f->random = 0.5;
	if (piam_client_new(&c, a) || piam_client_set_region(c, "us-east-1") ||
	    piam_client_set_credentials(c, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL) ||
	    piam__http_set_hooks(c, fake_now, fake_sleep, fake_random, fake_send, f)) {
		piam_client_free(c);
		return NULL;
	}
	return c;
}

static inline void fake_reply(struct fake *f, long status, const char *file, const char *body)
{
	struct fake_reply *r = &f->replies[f->nreplies++];

	memset(r, 0, sizeof(*r));
	r->status = status;
	r->file = file;
	r->body = body;
}

/* The value of header `name` (any case) in request n, copied into buf; NULL when absent. */
static inline const char *fake_header(struct fake *f, size_t n, const char *name, char *buf, size_t cap)
{
	char key[128];
	const char *p, *e;

	snprintf(key, sizeof(key), "%s: ", name);
	for (p = f->headers[n]; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncasecmp(p, key, strlen(key)) == 0) {
			p += strlen(key);
			e = strchr(p, '\n');
			snprintf(buf, cap, "%.*s", (int)(e - p), p);
			return buf;
		}
	return NULL;
}

#endif
