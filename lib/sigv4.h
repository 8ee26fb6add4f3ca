/*
 * SigV4 (private): the signer the request layer calls, and its three pure steps
 * (canonical request -> string to sign -> signature), which the tests reach one by one.
 */
#ifndef PIAM_SIGV4_H
#define PIAM_SIGV4_H

#include "internal.h"
#include "piam/sign.h"

struct piam__sig_header {
	const char *name;
	const char *value;
};

struct piam__sig_request {
	const char *method;       /* "GET", "POST", "PUT", "DELETE" */
	const char *path;         /* as sent on the wire, already percent-encoded; "/" at least */
	const char *query;        /* as sent, without '?'; NULL or "" for none */
	const struct piam__sig_header *headers;
	size_t nheaders;          /* must include Host */
	const void *body;
	size_t body_len;
	const char *payload_hash; /* lowercase hex SHA-256 or "UNSIGNED-PAYLOAD"; NULL: hash body */
};

struct piam__sig_params {
	const char *service; /* "iam", "sts", "s3" */
	const char *region;  /* signing region */
	long long time;      /* seconds since the epoch (UTC) */
	unsigned flags;      /* PIAM_SIGN_* flags from include/piam/sign.h (PIAM_SIGN_S3, ...) */
	const struct piam__credentials *creds;
};

/*
 * Computes the headers to add (X-Amz-Date, Authorization, and X-Amz-Security-Token /
 * X-Amz-Content-Sha256 when they apply); *nout <= 4. The strings are borrowed from the client
 * until the next signing call on it. Uses the client's signing-key cache.
 * A request header with the name of a returned one is ignored (the returned one replaces it).
 * PIAM_SIGN_PRESIGN in p->flags is refused here: use piam__sigv4_presign.
 * Errors: PIAM_EINVAL (with a message; nothing is signed), PIAM_ENOMEM.
 */
int piam__sigv4_sign(piam_client *c, const struct piam__sig_request *req,
		     const struct piam__sig_params *p, struct piam__sig_header out[4], size_t *nout);

/*
 * Presigning: the query parameters to append to the request's query, in order (X-Amz-Algorithm,
 * X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Expires, [X-Amz-Security-Token],
 * X-Amz-Signature), values already URI-encoded; *nout <= 7. expires: 1..604800 seconds.
 * Borrowed like piam__sigv4_sign's.
 */
#define PIAM__SIGV4_PRESIGN_MAX 7
int piam__sigv4_presign(piam_client *c, const struct piam__sig_request *req,
			const struct piam__sig_params *p, long long expires,
			struct piam__sig_header out[PIAM__SIGV4_PRESIGN_MAX], size_t *nout);

/* The steps. Dates: "YYYYMMDDTHHMMSSZ" (16 characters); scope: date/region/service/aws4_request. */
#define PIAM__SIGV4_DATE_LEN 16
#define PIAM__SIGV4_NAME_MAX 64 /* longest region or service name accepted */
#define PIAM__SIGV4_SCOPE_MAX (8 + 1 + PIAM__SIGV4_NAME_MAX + 1 + PIAM__SIGV4_NAME_MAX + 1 + 12 + 1)
#define PIAM__SIGV4_STS_MAX (16 + 1 + PIAM__SIGV4_DATE_LEN + 1 + PIAM__SIGV4_SCOPE_MAX + 1 + 64 + 1)

/* "YYYYMMDDTHHMMSSZ" for t (0 <= t <= 253402300799); 0, or PIAM_EINVAL out of range. */
int piam__sigv4_format_date(char out[PIAM__SIGV4_DATE_LEN + 1], long long t);

/*
 * Step 1: the canonical request for req as p and expires (0 unless presigning) describe,
 * validating everything first. *out is borrowed from the client until its next signing call.
 */
int piam__sigv4_canonical_request(piam_client *c, const struct piam__sig_request *req,
				  const struct piam__sig_params *p, long long expires, const char **out);

/* Step 2: the string to sign for a canonical request. Pure; amz_date and scope as above. */
void piam__sigv4_string_to_sign(char out[PIAM__SIGV4_STS_MAX], const char *amz_date, const char *scope,
				const char *canonical_request, size_t len);

/* Step 3: the derived signing key, and the signature (lowercase hex) of a string to sign. Pure. */
int piam__sigv4_signing_key(unsigned char out[PIAM__SHA256_LEN], const char *secret, const char *date8,
			    const char *region, const char *service);
int piam__sigv4_signature(char out[2 * PIAM__SHA256_LEN + 1], const unsigned char key[PIAM__SHA256_LEN],
			  const char *string_to_sign);

/* How many times the client derived a signing key (the cache's misses); for tests. */
unsigned long piam__sigv4_key_derivations(const piam_client *c);

#endif
