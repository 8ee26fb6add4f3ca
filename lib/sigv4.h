/*
 * SigV4 signing, as agreed in HELPERS.md. The sigv4 branch owns this file; this copy only lets
 * the transport build against the contract until that branch lands.
 */
#ifndef PIAM_SIGV4_H
#define PIAM_SIGV4_H

#include "internal.h"

#ifndef PIAM_SIGN_S3
#define PIAM_SIGN_S3 1u
#endif

struct piam__sig_header {
	const char *name;
	const char *value;
};

struct piam__sig_request {
	const char *method;
	const char *path;
	const char *query;
	const struct piam__sig_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	const char *payload_hash;
};

struct piam__sig_params {
	const char *service;
	const char *region;
	long long time;
	unsigned flags;
	const struct piam__credentials *creds;
};

int piam__sigv4_sign(piam_client *c, const struct piam__sig_request *req,
		     const struct piam__sig_params *p, struct piam__sig_header out[4], size_t *nout);

#endif
