/* SHA-256, HMAC-SHA256 and MD5 through mbedTLS's md API (2.28 and 3.x), wiping, hex and base64. */
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "internal.h"

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

int piam__sha256(const void *data, size_t len, unsigned char out[PIAM__SHA256_LEN])
{
	return digest(MBEDTLS_MD_SHA256, data, len, out);
}

int piam__md5(const void *data, size_t len, unsigned char out[16])
{
	return digest(MBEDTLS_MD_MD5, data, len, out);
}

int piam__hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		      unsigned char out[PIAM__SHA256_LEN])
{
	const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	if (!info || mbedtls_md_hmac(info, key, key_len, data, len, out) != 0)
		return PIAM_EINVAL;
	return PIAM_OK;
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
