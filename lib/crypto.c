/*
 * SHA-256, HMAC-SHA256 and MD5 through mbedTLS (2.28 and 3.x), wiping, hex and base64.
 * SHA-256 and HMAC use mbedTLS's sha256 context on the stack rather than the md API, whose
 * contexts are heap-allocated: a warm signature then allocates nothing at all.
 */
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

#include "internal.h"

/* mbedTLS 3 renamed the sha256 functions that return a status (2.x's *_ret). */
#if MBEDTLS_VERSION_MAJOR >= 3
#define sha256_starts mbedtls_sha256_starts
#define sha256_update mbedtls_sha256_update
#define sha256_finish mbedtls_sha256_finish
#else
#define sha256_starts mbedtls_sha256_starts_ret
#define sha256_update mbedtls_sha256_update_ret
#define sha256_finish mbedtls_sha256_finish_ret
#endif

#define SHA256_BLOCK 64

void piam__wipe(void *p, size_t n)
{
	if (p && n)
		mbedtls_platform_zeroize(p, n);
}

static int digest(mbedtls_md_type_t type, const void *data, size_t len, unsigned char *out)
{
	const mbedtls_md_info_t *info = mbedtls_md_info_from_type(type);

	if (!info || mbedtls_md(info, data, len, out) != 0)
		return PIAM_EINVAL;
	return PIAM_OK;
}

/* SHA-256 of up to two pieces, one after the other (b may be NULL). */
static int sha256_2(const void *a, size_t alen, const void *b, size_t blen, unsigned char out[PIAM__SHA256_LEN])
{
	mbedtls_sha256_context ctx;
	int rc;

	mbedtls_sha256_init(&ctx);
	rc = sha256_starts(&ctx, 0);
	if (rc == 0)
		rc = sha256_update(&ctx, a, alen);
	if (rc == 0 && blen)
		rc = sha256_update(&ctx, b, blen);
	if (rc == 0)
		rc = sha256_finish(&ctx, out);
	mbedtls_sha256_free(&ctx);
	return rc == 0 ? PIAM_OK : PIAM_EINVAL;
}

int piam__sha256(const void *data, size_t len, unsigned char out[PIAM__SHA256_LEN])
{
	return sha256_2(data, len, NULL, 0, out);
}

int piam__md5(const void *data, size_t len, unsigned char out[16])
{
	return digest(MBEDTLS_MD_MD5, data, len, out);
}

/* RFC 2104 over the stack contexts; the padded keys and inner hash are wiped after use. */
int piam__hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		      unsigned char out[PIAM__SHA256_LEN])
{
	unsigned char k[SHA256_BLOCK], pad[SHA256_BLOCK], inner[PIAM__SHA256_LEN];
	size_t i;
	int rc = PIAM_OK;

	memset(k, 0, sizeof(k));
	if (key_len > SHA256_BLOCK)
		rc = sha256_2(key, key_len, NULL, 0, k);
	else if (key_len)
		memcpy(k, key, key_len);
	for (i = 0; i < SHA256_BLOCK; i++)
		pad[i] = (unsigned char)(k[i] ^ 0x36);
	if (rc == PIAM_OK)
		rc = sha256_2(pad, sizeof(pad), data, len, inner);
	for (i = 0; i < SHA256_BLOCK; i++)
		pad[i] = (unsigned char)(k[i] ^ 0x5c);
	if (rc == PIAM_OK)
		rc = sha256_2(pad, sizeof(pad), inner, sizeof(inner), out);
	piam__wipe(k, sizeof(k));
	piam__wipe(pad, sizeof(pad));
	piam__wipe(inner, sizeof(inner));
	return rc;
}

/* The two states piam__hmac_key holds, one after the other. */
struct hmac_states {
	mbedtls_sha256_context inner, outer;
};

_Static_assert(sizeof(struct hmac_states) <= sizeof(((piam__hmac_key *)0)->u.bytes),
	       "piam__hmac_key is too small for two mbedTLS SHA-256 contexts");

int piam__hmac_sha256_prepare(piam__hmac_key *out, const void *key, size_t key_len)
{
	unsigned char k[SHA256_BLOCK], pad[SHA256_BLOCK];
	struct hmac_states st;
	size_t i;
	int rc = 0;

	memset(k, 0, sizeof(k));
	if (key_len > SHA256_BLOCK)
		rc = sha256_2(key, key_len, NULL, 0, k);
	else if (key_len)
		memcpy(k, key, key_len);
	mbedtls_sha256_init(&st.inner);
	mbedtls_sha256_init(&st.outer);
	for (i = 0; i < SHA256_BLOCK; i++)
		pad[i] = (unsigned char)(k[i] ^ 0x36);
	if (rc == 0 && (rc = sha256_starts(&st.inner, 0)) == 0)
		rc = sha256_update(&st.inner, pad, sizeof(pad));
	for (i = 0; i < SHA256_BLOCK; i++)
		pad[i] = (unsigned char)(k[i] ^ 0x5c);
	if (rc == 0 && (rc = sha256_starts(&st.outer, 0)) == 0)
		rc = sha256_update(&st.outer, pad, sizeof(pad));
	memset(out, 0, sizeof(*out));
	if (rc == 0)
		memcpy(out->u.bytes, &st, sizeof(st));
	piam__wipe(k, sizeof(k));
	piam__wipe(pad, sizeof(pad));
	piam__wipe(&st, sizeof(st));
	return rc == 0 ? PIAM_OK : PIAM_EINVAL;
}

int piam__hmac_sha256_with(const piam__hmac_key *key, const void *data, size_t len,
			   unsigned char out[PIAM__SHA256_LEN])
{
	struct hmac_states st;
	unsigned char inner[PIAM__SHA256_LEN];
	int rc;

	memcpy(&st, key->u.bytes, sizeof(st));
	rc = sha256_update(&st.inner, data, len);
	if (rc == 0)
		rc = sha256_finish(&st.inner, inner);
	if (rc == 0)
		rc = sha256_update(&st.outer, inner, sizeof(inner));
	if (rc == 0)
		rc = sha256_finish(&st.outer, out);
	piam__wipe(&st, sizeof(st));
	piam__wipe(inner, sizeof(inner));
	return rc == 0 ? PIAM_OK : PIAM_EINVAL;
}

void piam__hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int piam__hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

void piam__base64(const unsigned char *in, size_t len, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	char *o = out;

	for (i = 0; i + 2 < len; i += 3) {
		*o++ = abc[in[i] >> 2];
		*o++ = abc[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*o++ = abc[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*o++ = abc[in[i + 2] & 63];
	}
	if (i < len) {
		*o++ = abc[in[i] >> 2];
		if (i + 1 < len) {
			*o++ = abc[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*o++ = abc[(in[i + 1] & 15) << 2];
		} else {
			*o++ = abc[(in[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
}
