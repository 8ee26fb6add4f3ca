/*
 * Signed AWS requests: endpoint resolution, signing, the standard-mode retry loop, AWS error
 * mapping, and the Query-API helper (IAM, STS) on top.
 *
 * Building is apart from sending (piam__endpoint_resolve, piam__query_body, piam__request_*),
 * so that several requests can be prepared and overlapped (piam__request_send_many).
 */
#ifndef PIAM_REQUEST_H
#define PIAM_REQUEST_H

#include "http.h"
#include "xml.h"

#define PIAM__IAM_VERSION "2010-05-08"
#define PIAM__STS_VERSION "2011-06-15"

/* One name=value of a Query request; both plain text (piam encodes them). */
struct piam__param {
	const char *name;
	const char *value;
};

struct piam__request {
	enum piam__service svc;
	const char *op;           /* the AWS action, for messages: "CreateRole" */
	const char *method;       /* "GET", "POST", "PUT", "DELETE" */
	const char *bucket;       /* S3: the bucket; NULL otherwise */
	const char *path;         /* encoded path below the service (S3: below the bucket); NULL: "/" */
	const char *query;        /* encoded, without '?'; NULL for none */
	const char *content_type; /* NULL for none */
	const void *body;
	size_t body_len;
	int content_md5;          /* send Content-MD5 of the body (S3 PutBucketPolicy) */
	int unsigned_request;     /* send without signing (STS AssumeRoleWithWebIdentity) */
	const struct piam__credentials *creds; /* sign with these; NULL: piam__credentials_get */
	const char *region;       /* endpoint and signing region; NULL: the client's */
};

/* Where a request goes and how it is signed. */
struct piam__endpoint {
	piam__buf url;       /* scheme://host[:port][/prefix][/bucket]path[?query] */
	piam__buf path;      /* the path as on the wire, "/" at least */
	char host[272];      /* the Host header: host[:port] */
	char region[32];     /* signing region */
	const char *service; /* signing name: "iam", "sts", "s3" */
};

/*
 * Resolve the endpoint for `req`: an override (piam__config_endpoint: setter, then
 * AWS_ENDPOINT_URL_<SVC>, then AWS_ENDPOINT_URL) wins and puts S3 in path style; otherwise
 * IAM's global endpoint per partition (signed for us-east-1, cn-north-1 or us-gov-west-1), STS
 * at sts.REGION, S3 virtual-hosted (path style when asked or for dotted bucket names).
 * Errors: PIAM_ECONFIG (no region where one is needed), PIAM_EINVAL, PIAM_ENOMEM.
 * Release with piam__endpoint_free.
 */
int piam__endpoint_resolve(piam_client *c, const struct piam__request *req, struct piam__endpoint *out);
void piam__endpoint_free(piam_client *c, struct piam__endpoint *ep);

/*
 * Sign and send `req`, retrying as the standard mode says. Returns 0 for a 2xx reply, with
 * `resp` filled (the caller frees it with piam__http_response_free either way). Otherwise
 * records the error on the client ("OP: CODE (HTTP n): message [request id ...]") and returns
 * its PIAM_E* code. A reply kept for the same request (sent ahead) answers instead; while
 * noting (below), nothing is sent and the result is PIAM__NOTED.
 */
int piam__request_send(piam_client *c, const struct piam__request *req, struct piam__http_response *resp);

/* Options of piam__query_call; NULL means all defaults. */
struct piam__query_opts {
	const struct piam__credentials *creds; /* sign with these instead of the client's */
	int unsigned_request;                  /* do not sign at all */
	const char *region;                    /* STS region; NULL: the client's */
};

/*
 * Sign and send `n` requests at once (piam__http_send_many), each through its own standard-mode
 * retries: a round of attempts together, then the retryable ones together again after the
 * longest of their delays. rcs[i] and resps[i] are what piam__request_send would have given
 * (free every resps[i]); the client's error is the first failure's in the order given, whose
 * code is returned (0 when all succeeded).
 */
int piam__request_send_many(piam_client *c, const struct piam__request *reqs, size_t n,
			    struct piam__http_response *resps, int *rcs);

/*
 * Send `n` requests at once and keep their replies (and errors) on the client: a later
 * piam__request_send of the same request takes its reply instead of sending it again. Adds to
 * what earlier calls kept; leaves the client's last error as it was. n == 0 forgets them all.
 * What is kept answers one later identical request, which is then not sent: a write kept must
 * be asked for exactly once.
 */
void piam__request_read_ahead(piam_client *c, const struct piam__request *reqs, size_t n);

/*
 * Noting: between piam__request_note_begin and piam__request_note_send, piam__request_send
 * sends nothing; it keeps a copy of the request and returns PIAM__NOTED (positive, so that every
 * caller returns at once, as on an error, changing nothing). piam__request_note_send then sends
 * what was noted together and keeps the replies as piam__request_read_ahead does (returning 1;
 * 0 when nothing went out, a request having failed to be noted, say); running the
 * same calls again takes them. This is how setup sends independent writes at once without a
 * second way of building them. The calls run while noting must make their first request before
 * changing any state, and each noted request must be made again exactly once.
 */
#define PIAM__NOTED 1
int piam__request_note_begin(piam_client *c); /* PIAM_ENOMEM, or PIAM_EINVAL when already noting */
int piam__request_note_send(piam_client *c);
int piam__request_noting(const piam_client *c);

/* The request of a Query API call, as piam__query_call sends it; `body` holds the form (free it). */
int piam__query_request(piam_client *c, enum piam__service svc, const char *action,
			const struct piam__param *params, size_t nparams, const struct piam__query_opts *opts,
			struct piam__request *req, piam__buf *body);

/* The form body of a Query request: Action=..&Version=..&name=value..., form-encoded. */
int piam__query_body(piam_client *c, enum piam__service svc, const char *action,
		     const struct piam__param *params, size_t nparams, piam__buf *out);

/*
 * Call a Query API action (IAM or STS) and parse the reply: POST / with the form body above.
 * On success *out is the reply document (root e.g. "AssumeRoleResponse"), freed with
 * piam__xml_free. The credentials helper uses this for STS AssumeRole (opts->creds = the
 * source credentials) and AssumeRoleWithWebIdentity (opts->unsigned_request = 1).
 */
int piam__query_call(piam_client *c, enum piam__service svc, const char *action,
		     const struct piam__param *params, size_t nparams,
		     const struct piam__query_opts *opts, struct piam__xml **out);

/*
 * Append `s` form-encoded as the SDKs write Query bodies: A-Z a-z 0-9 - _ . ~ as they are, a
 * space as '+', every other byte as %XX. (Servers that re-encode the parsed form to check the
 * signature, as moto does, need exactly this.)
 */
int piam__form_encode(piam_client *c, piam__buf *b, const char *s);

/* The PIAM_E* code for an AWS error code (or, when it is empty, an HTTP status). */
int piam__aws_error_code(const char *aws_code, long http_status);

/*
 * Whether a failed attempt may be retried, as its retry-quota cost: 0 (never), PIAM__RETRY_COST
 * or, for a timeout, PIAM__RETRY_TIMEOUT_COST. `rc` is the transport's result (0 when a reply came).
 */
int piam__retry_cost(int rc, long http_status, const char *aws_code);

/* The delay before retry number `attempt` (1-based): random(0,1) x min(1 s x 2^(attempt-1), 20 s). */
long piam__retry_delay_ms(piam_client *c, int attempt);

#endif
