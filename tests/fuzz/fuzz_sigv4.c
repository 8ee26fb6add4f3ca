/*
 * Fuzz target: a raw HTTP request (the `piam sign` input) parsed, canonicalised and signed in
 * header and presign mode. The first byte picks the PIAM_SIGN_* flags and the service. Checks:
 * no crash, no leak, every refusal is PIAM_EINVAL with a message, and a signature is
 * deterministic and well formed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../examples/piam/rawreq.h"
#include "sigv4.h"
#include "testalloc.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static void sign_once(piam_client *c, const struct rawreq *r, unsigned flags, const char *service)
{
	long long expires = (flags & PIAM_SIGN_PRESIGN) ? 3600 : 0;
	char first[1024];
	const char *n, *v, *creq, *sts;
	size_t count, i;
	int rc;

	rc = piam_sign_request(&count, c, service, "us-east-1", 1440938160LL, flags, expires, r->method, r->path, r->query,
			       r->names, r->values, r->nheaders, r->body, r->body_len, NULL);
	if (rc != PIAM_OK) {
		if (rc != PIAM_EINVAL || !*piam_client_error_message(c) || count != 0)
			abort();
		return;
	}
	if (count < 2 || count > PIAM__SIGV4_PRESIGN_MAX)
		abort();
	if (piam_sign_result(&n, &v, c, count - 1) || strlen(v) >= sizeof(first))
		abort();
	strcpy(first, v);
	if (!(flags & PIAM_SIGN_PRESIGN) && (strncmp(first, "AWS4-HMAC-SHA256 Credential=", 28) != 0 || !strstr(first, ", Signature=")))
		abort();
	if (piam_sign_steps(&creq, &sts, c) || strncmp(sts, "AWS4-HMAC-SHA256\n", 17) != 0)
		abort();
	for (i = 0; creq[i]; i++)
		if ((unsigned char)creq[i] < 0x20 && creq[i] != '\n')
			abort(); /* a value with a control character must have been refused */
	rc = piam_sign_request(&count, c, service, "us-east-1", 1440938160LL, flags, expires, r->method, r->path,
			       r->query, r->names, r->values, r->nheaders, r->body, r->body_len, NULL);
	if (rc || piam_sign_result(&n, &v, c, count - 1) || strcmp(v, first) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct testalloc t;
	piam_allocator a;
	piam_client *c = NULL;
	struct rawreq r;
	char err[256];
	unsigned flags;

	if (size < 1 || size > 65536)
		return 0;
	flags = data[0] & 0x3fu;
	if (rawreq_parse(&r, (const char *)data + 1, size - 1, err, sizeof(err)) != 0)
		return 0;
	memset(&t, 0, sizeof(t));
	t.forbidden = SECRET;
	a = testalloc_allocator(&t);
	if (piam_client_new(&c, &a) || piam_client_set_credentials(c, "AKIDEXAMPLE", SECRET, (data[0] & 0x40) ? "tok" : NULL))
		abort();
	sign_once(c, &r, flags, (data[0] & 0x80) ? "s3" : "service");
	sign_once(c, &r, flags ^ PIAM_SIGN_PRESIGN, "service");
	piam_client_free(c);
	rawreq_free(&r);
	if (t.live != 0 || t.leaked_secret != 0)
		abort();
	return 0;
}
