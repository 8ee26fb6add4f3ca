/*
 * The transport: one HTTP exchange over the client's reused curl handle, and the per-client
 * transport state (CA file, retry settings and quota, clock/sleep/random hooks).
 *
 * piam__http_send is what every request goes through, signed (lib/request.c) or not (IMDS and
 * container credentials in lib/creds.c). It never signs and never retries.
 */
#ifndef PIAM_HTTP_H
#define PIAM_HTTP_H

#include "internal.h"

struct piam__sig_header; /* lib/sigv4.h: { const char *name; const char *value; } */

/* Replies larger than this are refused with PIAM_ETOOBIG: nothing piam reads comes near it. */
#define PIAM__HTTP_MAX_BODY (1024L * 1024L)

struct piam__http_response {
	long status;                        /* HTTP status; 0 if no reply */
	piam__buf body;                     /* the reply body (capped), NUL-terminated */
	char request_id[PIAM__REQID_MAX];   /* x-amzn-RequestId / x-amz-request-id, if any */
	char bucket_region[32];             /* x-amz-bucket-region, if any */
	long long date;                     /* the Date header, seconds since the epoch; 0 if none */
};

/*
 * One HTTP exchange, no signing, no retries. `url` is absolute (http or https); `headers` are
 * added as given (a Host header, when present, must match the URL). `timeout_ms` 0 means the
 * client's timeouts; a positive one bounds the whole exchange, connect included (IMDS). On success (any HTTP status) returns 0 and fills `resp`, which the
 * caller releases with piam__http_response_free even on failure.
 * Errors: PIAM_ENETWORK, PIAM_ETIMEOUT, PIAM_ETLS, PIAM_ETOOBIG, PIAM_ENOMEM, PIAM_EINVAL.
 */
int piam__http_send(piam_client *c, const char *method, const char *url,
		    const struct piam__sig_header *headers, size_t nheaders,
		    const void *body, size_t body_len, long timeout_ms,
		    struct piam__http_response *resp);
/* The client's last error, saved to be put back later (an exchange of a batch, a reply read ahead). */
struct piam__http_error {
	int code;
	long http_status;
	char message[PIAM__ERRMSG_MAX];
	char aws_code[PIAM__ERRCODE_MAX];
	char request_id[PIAM__REQID_MAX];
};
void piam__http_error_save(const piam_client *c, struct piam__http_error *e);
void piam__http_error_restore(piam_client *c, const struct piam__http_error *e);

/* One exchange of piam__http_send_many: the arguments of piam__http_send, and its result. */
struct piam__http_exchange {
	const char *method;
	const char *url;
	const struct piam__sig_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	long timeout_ms;
	struct piam__http_response *resp; /* filled as by piam__http_send; freed by the caller */
	int rc;                           /* out: what piam__http_send would have returned */
	struct piam__http_error err;      /* out: the error recorded for rc, when rc != 0 */
};

/*
 * Run `n` exchanges at once on the client's multi handle (at most
 * PIAM__HTTP_MAX_HOST_CONNECTIONS connections per host, kept alive between calls) and wait for
 * all. Each exchange gets its own result, as piam__http_send would give it; the client's error
 * is left as the first failed one's (in the order given), and that one's code is returned.
 */
int piam__http_send_many(piam_client *c, struct piam__http_exchange *x, size_t n);

/* Wipes the body (it may hold credentials) and frees it. Accepts NULL. */
void piam__http_response_free(piam_client *c, struct piam__http_response *resp);

/* Pluggable time and randomness, so tests are instant and deterministic. */
typedef long long (*piam__now_fn)(void *userdata);        /* ms since the epoch, UTC */
typedef void (*piam__sleep_fn)(long ms, void *userdata);
typedef double (*piam__random_fn)(void *userdata);        /* uniform in [0, 1) */
/* Replaces piam__http_send for signed requests and piam__query_call (tests only). */
typedef int (*piam__send_fn)(piam_client *c, const char *method, const char *url,
			     const struct piam__sig_header *headers, size_t nheaders,
			     const void *body, size_t body_len, struct piam__http_response *resp,
			     void *userdata);

#define PIAM__RETRY_QUOTA 500
#define PIAM__RETRY_COST 5
#define PIAM__RETRY_TIMEOUT_COST 10
#define PIAM__DEFAULT_ATTEMPTS 3
#define PIAM__MAX_ATTEMPTS 20
#define PIAM__BUCKET_REGIONS 8
#define PIAM__HTTP_MAX_HOST_CONNECTIONS 6

/* A reply read ahead (lib/request.c: piam__request_read_ahead), until the same request asks for it. */
struct piam__http_ahead {
	piam__buf key; /* the request, as piam__request_send would send it */
	int rc;
	int attempts;  /* how many times it was sent (a retry after a lost reply makes it 2) */
	struct piam__http_response resp;
	struct piam__http_error err;
};

struct piam__http {
	void *multi;      /* CURLM *, created on first send; it keeps the connections */
	void **easy;      /* CURL *, one per exchange of the largest batch so far */
	size_t neasy;
	char *ca_file;    /* piam_client_set_ca_file */
	int max_attempts; /* piam_client_set_max_attempts; 0: AWS_MAX_ATTEMPTS or 3 */
	int s3_path_style;
	int retry_tokens; /* the standard mode's retry quota */

	piam__now_fn now_fn;
	piam__sleep_fn sleep_fn;
	piam__random_fn random_fn;
	piam__send_fn send_fn;
	void *hook_userdata;
	unsigned long long rng; /* xorshift state of the default random source */

	/* Counters for tests and benchmarks: exchanges attempted (through the hook too), and new
	 * connections opened (the rest reused a kept-alive one). */
	unsigned long requests;
	unsigned long connections;

	/* How far the local clock is behind AWS's (learnt from a clock-skew error); added to the
	 * signing time, as the SDKs do, so a device that boots with a wrong clock still gets through. */
	long long clock_offset_ms;

	/* Regions learnt from S3 (x-amz-bucket-region), so later calls sign for the right one. */
	struct {
		char bucket[64];
		char region[32];
	} bucket_region[PIAM__BUCKET_REGIONS];
	size_t bucket_region_next;

	struct piam__http_ahead *ahead;
	size_t nahead;

	/* How many times the request piam__request_send last answered was sent: 2 or more means a
	 * retry, after which a create may find what its own lost first attempt made. */
	int last_attempts;

	/* Between piam__request_note_begin and piam__request_note_send, requests are noted here
	 * (copies of everything they point to) instead of sent. */
	int noting;
	int note_failed; /* a request could not be noted: nothing is sent together */
	struct piam__http_noted *noted;
	size_t nnoted;
};

struct piam__request;
struct piam__http_noted {
	struct piam__request *req; /* its strings and body point into `store` */
	char *store;
	size_t store_len;
};

/* Forget the replies read ahead that nothing asked for, and the requests noted and not sent (wiped). */
void piam__http_ahead_drop(piam_client *c);
/* Forget the requests noted (wiped). */
void piam__http_noted_drop(piam_client *c);

/* The client's transport state, created on first use; NULL (ENOMEM recorded) on failure. */
struct piam__http *piam__http_state(piam_client *c);

/*
 * Install test hooks; NULL restores a default (the real clock, nanosleep, a per-client
 * xorshift generator, piam__http_send). Returns PIAM_ENOMEM if the state cannot be created.
 */
int piam__http_set_hooks(piam_client *c, piam__now_fn now_fn, piam__sleep_fn sleep_fn,
			 piam__random_fn random_fn, piam__send_fn send_fn, void *userdata);

/* Through the hooks: wall-clock ms since the epoch, sleeping, a uniform double in [0, 1). */
long long piam__now_ms(piam_client *c);
void piam__sleep_ms(piam_client *c, long ms);
double piam__random(piam_client *c);

/* Effective settings: the setters first, then piam__config_* (environment, then the profile).
 * piam__http_max_attempts returns PIAM_ECONFIG (recorded) for a malformed setting. */
const char *piam__http_ca_file(piam_client *c);
int piam__http_max_attempts(piam_client *c);

#endif
