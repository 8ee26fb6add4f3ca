/*
 * Private declarations shared by the library's files. Never installed.
 *
 * Internal names shared between files start with `piam__` (two underscores); lib/piam.map
 * lists exported names one by one, so none of these can be exported by accident.
 */
#ifndef PIAM_INTERNAL_H
#define PIAM_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "piam/piam.h"

#if defined(__GNUC__)
#define PIAM__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PIAM__UNUSED __attribute__((unused))
#else
#define PIAM__PRINTF(f, a)
#define PIAM__UNUSED
#endif

#define PIAM__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Sizes of the error fields kept on the client; fixed so that recording an error never allocates. */
#define PIAM__ERRMSG_MAX 512
#define PIAM__ERRCODE_MAX 64
#define PIAM__REQID_MAX 128

enum piam__service { PIAM__SVC_IAM, PIAM__SVC_STS, PIAM__SVC_S3, PIAM__SVC_COUNT };

struct piam__credentials {
	char *access_key_id;
	char *secret_access_key; /* wiped on free */
	char *session_token;     /* wiped on free */
};

/* Module state that lives on the client; each module defines its struct and frees it. */
struct piam__sigv4_cache;
struct piam__http;
struct piam__config;

struct piam_client {
	piam_allocator alloc;

	char *region;
	char *endpoint_all;                  /* AWS_ENDPOINT_URL equivalent */
	char *endpoint[PIAM__SVC_COUNT];     /* per-service overrides */
	struct piam__credentials creds;
	long connect_timeout_ms;
	long timeout_ms;

	int use_environment; /* piam_client_use_environment(): fill gaps from the environment */

	piam_log_fn log_fn;
	void *log_userdata;
	int log_level;

	struct piam__sigv4_cache *sigv4; /* lib/sigv4.c, created on first use */
	struct piam__http *http;         /* lib/http.c, created on first use */
	struct piam__config *config;     /* lib/config.c: profile, providers, shared files, resolved creds */

	int err_code;
	long err_http_status;
	char err_message[PIAM__ERRMSG_MAX];
	char err_aws_code[PIAM__ERRCODE_MAX];
	char err_request_id[PIAM__REQID_MAX];
};

/* Allocation through the client's allocator. On failure they record PIAM_ENOMEM and return NULL. */
void *piam__malloc(piam_client *c, size_t size);
void *piam__calloc(piam_client *c, size_t count, size_t size);
void *piam__realloc(piam_client *c, void *ptr, size_t size);
void piam__free(piam_client *c, void *ptr);
char *piam__strdup(piam_client *c, const char *s);
char *piam__strndup(piam_client *c, const char *s, size_t n);
/* Wipe then free a NUL-terminated secret. Accepts NULL. */
void piam__free_secret(piam_client *c, char *s);

/*
 * Memory handed to the caller (released by piam_free) carries its allocator in a header
 * before the returned pointer, so it can outlive the client.
 */
void *piam__out_alloc(piam_client *c, size_t size);
char *piam__out_strndup(piam_client *c, const char *s, size_t n);

/* A growable byte buffer, always NUL-terminated once anything was appended. */
typedef struct piam__buf {
	char *data;
	size_t len;
	size_t cap;
} piam__buf;

int piam__buf_reserve(piam_client *c, piam__buf *b, size_t extra);
int piam__buf_append(piam_client *c, piam__buf *b, const void *data, size_t len);
int piam__buf_puts(piam_client *c, piam__buf *b, const char *s);
int piam__buf_putc(piam_client *c, piam__buf *b, char ch);
int piam__buf_printf(piam_client *c, piam__buf *b, const char *fmt, ...) PIAM__PRINTF(3, 4);
void piam__buf_free(piam_client *c, piam__buf *b);
/* Free, wiping the contents first (for buffers that held secrets). */
void piam__buf_wipe(piam_client *c, piam__buf *b);

/*
 * Errors. piam__error records code and message and clears the AWS fields; it returns `code`
 * so that `return piam__error(c, PIAM_EINVAL, "...")` reads naturally. piam__error_aws also
 * records the AWS fields (any may be NULL). Messages must never contain a secret.
 */
int piam__error(piam_client *c, int code, const char *fmt, ...) PIAM__PRINTF(3, 4);
int piam__error_aws(piam_client *c, int code, long http_status, const char *aws_code,
		    const char *request_id, const char *fmt, ...) PIAM__PRINTF(6, 7);
void piam__error_clear(piam_client *c);
/* How a public call begins: PIAM_EINVAL for a NULL client, else the last error cleared and PIAM_OK. */
int piam__call_begin(piam_client *c);

/* Log at `level` if the client asks for it. Formats on the stack; never allocates. */
void piam__log(piam_client *c, int level, const char *fmt, ...) PIAM__PRINTF(3, 4);

/* lib/crypto.c: the only file that touches mbedTLS. */
#define PIAM__SHA256_LEN 32
void piam__wipe(void *p, size_t n);
int piam__sha256(const void *data, size_t len, unsigned char out[PIAM__SHA256_LEN]);
int piam__hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		      unsigned char out[PIAM__SHA256_LEN]);
/*
 * An HMAC-SHA256 key made ready once: the hash states after its inner and outer padded blocks,
 * so that each MAC under it hashes two blocks fewer (the SigV4 signing key, warm). Opaque; it is
 * key material: wipe it (piam__wipe) when done.
 */
typedef struct {
	union {
		unsigned char bytes[256];
		long long align; /* the states inside are copied out, never used in place */
	} u;
} piam__hmac_key;
int piam__hmac_sha256_prepare(piam__hmac_key *k, const void *key, size_t key_len);
int piam__hmac_sha256_with(const piam__hmac_key *k, const void *data, size_t len,
			   unsigned char out[PIAM__SHA256_LEN]);
int piam__md5(const void *data, size_t len, unsigned char out[16]);
/* Lowercase hex of `len` bytes into `out` (2*len+1 bytes, NUL-terminated). */
void piam__hex(const unsigned char *in, size_t len, char *out);
/* The value of one hex digit of either case, or -1. */
int piam__hexval(char ch);
/* Base64 of `len` bytes into `out` (4*((len+2)/3)+1 bytes, NUL-terminated). */
void piam__base64(const unsigned char *in, size_t len, char *out);

/* Validation helpers shared by setters and modules. */
int piam__is_region(const char *s);
/* A credential string: 1 to 4095 printable ASCII characters, no spaces. */
int piam__is_key_text(const char *s);
const char *piam__partition(const char *region);

/*
 * config: lib/config.c and lib/creds.c, the effective settings. Explicit setters win; with
 * use_environment, gaps are filled from the environment, then from the selected profile of the
 * shared config and credentials files. Returned strings are borrowed from the client or the
 * environment (valid until the next call on the client); NULL when unset.
 */
const char *piam__config_region(piam_client *c);
/* Setter for the service, setter for all, AWS_ENDPOINT_URL_<SVC>, AWS_ENDPOINT_URL, the profile's
 * [services] section, the profile's endpoint_url; none of the last four with
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls = true. */
const char *piam__config_endpoint(piam_client *c, enum piam__service svc);
/* AWS_MAX_ATTEMPTS, then the profile's max_attempts: 1..PIAM__MAX_ATTEMPTS (lib/http.h), the
 * first try included.
 * 0 when neither is set (the transport uses its default); PIAM_ECONFIG (recorded) if malformed. */
int piam__config_max_attempts(piam_client *c);
/* AWS_CA_BUNDLE, then the profile's ca_bundle: a PEM file path, or NULL for the system's. */
const char *piam__config_ca_bundle(piam_client *c);
/* The credentials to sign with, resolved (and refreshed) as needed; PIAM_ECREDENTIALS if none.
 * *out stays valid until the next call on the client. */
int piam__credentials_get(piam_client *c, const struct piam__credentials **out);
void piam__creds_free(piam_client *c);
void piam__config_free(piam_client *c);

/* Module teardown, called by piam_client_free(). Each accepts a client whose state is NULL. */
void piam__sigv4_free(piam_client *c);
void piam__http_free(piam_client *c);

/*
 * aws (lib/http.c): append to a buffer that may hold secrets (replies with credentials). When
 * it grows, the old block is wiped before it is freed, so no copy is left behind.
 */
int piam__buf_append_wiped(piam_client *c, piam__buf *b, const void *data, size_t len);

#endif
