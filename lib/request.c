/* Signed AWS requests: endpoints, signing, standard-mode retries, AWS errors, the Query API. */
#include <stdio.h>
#include <string.h>

#include "request.h"
#include "sigv4.h"

static const char *const service_names[PIAM__SVC_COUNT] = {"iam", "sts", "s3"};

/* IAM is global: one endpoint and signing region per partition. */
static const struct {
	const char *partition, *host, *region;
} iam_endpoints[] = {
	{"aws", "iam.amazonaws.com", "us-east-1"},
	{"aws-cn", "iam.cn-north-1.amazonaws.com.cn", "cn-north-1"},
	{"aws-us-gov", "iam.us-gov.amazonaws.com", "us-gov-west-1"},
};

/* Codes the standard mode retries (botocore's and the SDKs' lists). */
static const char *const throttling_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	"TooManyRequestsException", "ProvisionedThroughputExceededException",
	"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
	"LimitExceededException", "RequestThrottled", "SlowDown", "EC2ThrottledException",
};
static const char *const transient_codes[] = {
	"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
	/* IAM, for writes to one entity that cross (setup sends a role's attachments together) */
	"ConcurrentModification",
};

static const struct {
	const char *code;
	int status;
} error_map[] = {
	{"NoSuchEntity", PIAM_ENOTFOUND},
	{"NoSuchBucket", PIAM_ENOTFOUND},
	{"NoSuchBucketPolicy", PIAM_ENOTFOUND},
	{"NoSuchKey", PIAM_ENOTFOUND},
	{"NotFound", PIAM_ENOTFOUND},
	{"EntityAlreadyExists", PIAM_EEXISTS},
	{"BucketAlreadyExists", PIAM_EEXISTS},
	{"BucketAlreadyOwnedByYou", PIAM_EEXISTS},
	{"AccessDenied", PIAM_EACCESS},
	{"AccessDeniedException", PIAM_EACCESS},
	{"AllAccessDisabled", PIAM_EACCESS},
	{"UnauthorizedOperation", PIAM_EACCESS},
	{"MalformedPolicyDocument", PIAM_EPOLICY},
	{"MalformedPolicy", PIAM_EPOLICY},
	{"LimitExceeded", PIAM_ELIMIT},
	{"SignatureDoesNotMatch", PIAM_ESIGNATURE},
	{"InvalidClientTokenId", PIAM_ESIGNATURE},
	{"InvalidAccessKeyId", PIAM_ESIGNATURE},
	{"IncompleteSignature", PIAM_ESIGNATURE},
	{"InvalidSignatureException", PIAM_ESIGNATURE},
	{"AuthFailure", PIAM_ESIGNATURE},
	{"RequestExpired", PIAM_ESIGNATURE},
	{"RequestTimeTooSkewed", PIAM_ESIGNATURE},
	{"ExpiredToken", PIAM_ESIGNATURE},
	{"ExpiredTokenException", PIAM_ESIGNATURE},
	{"AuthorizationHeaderMalformed", PIAM_ESIGNATURE},
	{"DeleteConflict", PIAM_ECONFLICT},
	{"OperationAborted", PIAM_ECONFLICT},
	{"ConcurrentModification", PIAM_ECONFLICT},
};

/* Codes with which AWS says the request's time is off (the SDKs' clock-skew list). */
static const char *const skew_codes[] = {
	"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException",
	"SignatureDoesNotMatch", "AuthFailure",
};

/* Skews under this are within what AWS accepts; larger ones are corrected. */
#define SKEW_TOLERANCE_MS (4 * 60 * 1000LL)

static int in_list(const char *code, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return 1;
	return 0;
}

int piam__aws_error_code(const char *aws_code, long http_status)
{
	size_t i;

	if (aws_code && *aws_code) {
		if (in_list(aws_code, throttling_codes, PIAM__ARRAY_LEN(throttling_codes)))
			return PIAM_ETHROTTLED;
		for (i = 0; i < PIAM__ARRAY_LEN(error_map); i++)
			if (strcmp(aws_code, error_map[i].code) == 0)
				return error_map[i].status;
		return PIAM_ESERVICE;
	}
	switch (http_status) {
	case 403:
		return PIAM_EACCESS;
	case 404:
		return PIAM_ENOTFOUND;
	case 409:
		return PIAM_ECONFLICT;
	case 429:
		return PIAM_ETHROTTLED;
	default:
		return PIAM_ESERVICE;
	}
}

int piam__retry_cost(int rc, long http_status, const char *aws_code)
{
	if (rc == PIAM_ETIMEOUT)
		return PIAM__RETRY_TIMEOUT_COST;
	if (rc == PIAM_ENETWORK)
		return PIAM__RETRY_COST;
	if (rc)
		return 0; /* TLS, size cap, memory: trying again would fail the same way */
	if (http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504)
		return PIAM__RETRY_COST;
	if (aws_code && (in_list(aws_code, throttling_codes, PIAM__ARRAY_LEN(throttling_codes)) ||
			 in_list(aws_code, transient_codes, PIAM__ARRAY_LEN(transient_codes))))
		return PIAM__RETRY_COST;
	return 0;
}

long piam__retry_delay_ms(piam_client *c, int attempt)
{
	long cap = 20000, base = 1000;
	int i;

	for (i = 1; i < attempt && base < cap; i++)
		base *= 2;
	if (base > cap)
		base = cap;
	return (long)(piam__random(c) * (double)base);
}

int piam__form_encode(piam_client *c, piam__buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char esc[3] = {'%', 0, 0};
	int rc;

	if ((rc = piam__buf_reserve(c, b, strlen(s))))
		return rc;
	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			rc = piam__buf_putc(c, b, (char)*p);
		} else if (*p == ' ') {
			rc = piam__buf_putc(c, b, '+');
		} else {
			esc[1] = hex[*p >> 4];
			esc[2] = hex[*p & 15];
			rc = piam__buf_append(c, b, esc, 3);
		}
		if (rc)
			return rc;
	}
	return PIAM_OK;
}

/* The S3 endpoint names buckets in the host when that keeps a valid TLS name. */
static int bucket_in_host(piam_client *c, const char *bucket)
{
	return bucket && !strchr(bucket, '.') && !(c->http && c->http->s3_path_style);
}

static const char *bucket_region_cached(piam_client *c, const char *bucket)
{
	size_t i;

	if (!c->http || !bucket)
		return NULL;
	for (i = 0; i < PIAM__BUCKET_REGIONS; i++)
		if (strcmp(c->http->bucket_region[i].bucket, bucket) == 0)
			return c->http->bucket_region[i].region;
	return NULL;
}

static void bucket_region_remember(piam_client *c, const char *bucket, const char *region)
{
	struct piam__http *h = c->http;
	size_t i;

	if (!h || strlen(bucket) >= sizeof(h->bucket_region[0].bucket) || !piam__is_region(region))
		return;
	for (i = 0; i < PIAM__BUCKET_REGIONS; i++)
		if (strcmp(h->bucket_region[i].bucket, bucket) == 0)
			break;
	if (i == PIAM__BUCKET_REGIONS) {
		i = h->bucket_region_next;
		h->bucket_region_next = (i + 1) % PIAM__BUCKET_REGIONS;
	}
	snprintf(h->bucket_region[i].bucket, sizeof(h->bucket_region[i].bucket), "%s", bucket);
	snprintf(h->bucket_region[i].region, sizeof(h->bucket_region[i].region), "%s", region);
}

static int set_field(piam_client *c, char *dst, size_t cap, const char *src, size_t n, const char *what)
{
	if (n >= cap)
		return piam__error(c, PIAM_EINVAL, "%s too long", what);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return PIAM_OK;
}

static int append_path(piam_client *c, struct piam__endpoint *ep, const char *prefix, size_t prefix_len,
		       const char *bucket, const char *path)
{
	int rc;

	if ((rc = piam__buf_append(c, &ep->path, prefix, prefix_len)))
		return rc;
	if (bucket && ((rc = piam__buf_putc(c, &ep->path, '/')) || (rc = piam__buf_puts(c, &ep->path, bucket))))
		return rc;
	if (path && *path && strcmp(path, "/") != 0)
		rc = piam__buf_puts(c, &ep->path, path);
	else if (!bucket || ep->path.len == 0)
		rc = piam__buf_putc(c, &ep->path, '/');
	return rc;
}

int piam__endpoint_resolve(piam_client *c, const struct piam__request *req, struct piam__endpoint *out)
{
	const char *override = piam__config_endpoint(c, req->svc);
	const char *region = req->region ? req->region : piam__config_region(c);
	const char *partition = piam__partition(region);
	const char *suffix = strcmp(partition, "aws-cn") == 0 ? "amazonaws.com.cn" : "amazonaws.com";
	const char *scheme = "https://";
	char host[272];
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->service = service_names[req->svc];
	if (req->svc == PIAM__SVC_S3 && req->bucket && !req->region)
		region = bucket_region_cached(c, req->bucket) ? bucket_region_cached(c, req->bucket) : region;

	if (req->svc == PIAM__SVC_IAM) {
		for (i = 0; i < PIAM__ARRAY_LEN(iam_endpoints); i++)
			if (strcmp(partition, iam_endpoints[i].partition) == 0)
				break;
		if (i == PIAM__ARRAY_LEN(iam_endpoints))
			i = 0;
		snprintf(out->region, sizeof(out->region), "%s", iam_endpoints[i].region);
		snprintf(host, sizeof(host), "%s", iam_endpoints[i].host);
	} else if (region) {
		snprintf(out->region, sizeof(out->region), "%s", region);
	} else if (override) {
		snprintf(out->region, sizeof(out->region), "us-east-1"); /* local servers accept any */
	} else {
		return piam__error(c, PIAM_ECONFIG, "%s: no region set (piam_client_set_region or AWS_REGION)",
				   req->op);
	}

	if (override) {
		const char *hs = strstr(override, "://") + 3;
		const char *slash = strchr(hs, '/');
		size_t hlen = slash ? (size_t)(slash - hs) : strlen(hs);
		size_t plen = slash ? strlen(slash) : 0;

		scheme = strncmp(override, "http://", 7) == 0 ? "http://" : "https://";
		if ((rc = set_field(c, out->host, sizeof(out->host), hs, hlen, "endpoint host")))
			return rc;
		while (plen && slash[plen - 1] == '/')
			plen--;
		rc = append_path(c, out, slash ? slash : "", plen, req->bucket, req->path);
	} else {
		if (req->svc == PIAM__SVC_STS)
			snprintf(host, sizeof(host), "sts.%s.%s", out->region, suffix);
		else if (req->svc == PIAM__SVC_S3 && bucket_in_host(c, req->bucket))
			snprintf(host, sizeof(host), "%s.s3.%s.%s", req->bucket, out->region, suffix);
		else if (req->svc == PIAM__SVC_S3)
			snprintf(host, sizeof(host), "s3.%s.%s", out->region, suffix);
		snprintf(out->host, sizeof(out->host), "%s", host);
		rc = append_path(c, out, "", 0, bucket_in_host(c, req->bucket) ? NULL : req->bucket, req->path);
	}
	if (!rc)
		rc = piam__buf_printf(c, &out->url, "%s%s%s%s%s", scheme, out->host, out->path.data,
				      req->query && *req->query ? "?" : "", req->query ? req->query : "");
	if (rc)
		piam__endpoint_free(c, out);
	return rc;
}

void piam__endpoint_free(piam_client *c, struct piam__endpoint *ep)
{
	piam__buf_free(c, &ep->url);
	piam__buf_free(c, &ep->path);
}

/* Record a failed reply: "OP: CODE (HTTP n): message [request id ...]". */
static int record_reply_error(piam_client *c, const struct piam__request *req,
			      const struct piam__http_response *resp, const struct piam__aws_error *e)
{
	const char *reqid = e->request_id[0] ? e->request_id : resp->request_id;
	char code[PIAM__ERRCODE_MAX + 16];
	int status = piam__aws_error_code(e->code, resp->status);

	if (e->code[0])
		snprintf(code, sizeof(code), "%s (HTTP %ld)", e->code, resp->status);
	else
		snprintf(code, sizeof(code), "HTTP %ld", resp->status);
	return piam__error_aws(c, status, resp->status, e->code, reqid, "%s: %s%s%s%s%s%s", req->op, code,
			       e->message[0] ? ": " : "", e->message, reqid[0] ? " [request id " : "", reqid,
			       reqid[0] ? "]" : "");
}

/* The start of an error reply, on one line (error replies hold no secrets). */
static void log_reply(piam_client *c, const char *op, const struct piam__http_response *resp)
{
	char line[320];
	size_t i, n = resp->body.len < sizeof(line) - 1 ? resp->body.len : sizeof(line) - 1;

	if (!c->log_fn || c->log_level < PIAM_LOG_TRACE)
		return;
	for (i = 0; i < n; i++)
		line[i] = (unsigned char)resp->body.data[i] < 0x20 ? ' ' : resp->body.data[i];
	line[n] = '\0';
	piam__log(c, PIAM_LOG_TRACE, "%s: HTTP %ld reply: %s", op, resp->status, line);
}

/* One request of a batch, through its attempts. */
struct slot {
	const struct piam__request *req;
	struct piam__request redirected;
	struct piam__endpoint ep;
	struct piam__http_response *resp;
	struct piam__sig_header headers[8];
	size_t nheaders;
	piam__buf sig;    /* copies of the signature headers' values: the signer lends them until its next call */
	char md5_b64[25];
	int rc;           /* this attempt's result */
	int attempt, last_cost, moved, skewed;
	long long signed_offset; /* the clock correction this attempt was signed with */
	int done, again;  /* finished; to send again (a retry, a redirect, a clock fix) */
	long delay;
	struct piam__http_error err;
};

/* Headers, signed, for the next attempt of `s`. */
static int prepare_attempt(piam_client *c, struct slot *s)
{
	const struct piam__request *req = s->req;
	struct piam__endpoint *ep = &s->ep;
	struct piam__sig_header sig[4];
	struct piam__sig_request sreq;
	struct piam__sig_params sp;
	const struct piam__credentials *creds = req->creds;
	size_t offsets[4];
	unsigned char md5[16];
	size_t n = 0, nsig = 0, i;
	int rc;

	s->headers[n].name = "Host";
	s->headers[n++].value = ep->host;
	if (req->content_type) {
		s->headers[n].name = "Content-Type";
		s->headers[n++].value = req->content_type;
	}
	if (req->content_md5) {
		if ((rc = piam__md5(req->body, req->body_len, md5)))
			return piam__error(c, rc, "cannot hash the request body");
		piam__base64(md5, sizeof(md5), s->md5_b64);
		s->headers[n].name = "Content-MD5";
		s->headers[n++].value = s->md5_b64;
	}
	s->nheaders = n;
	if (req->unsigned_request)
		return PIAM_OK;
	if (!creds && (rc = piam__credentials_get(c, &creds)))
		return rc;
	memset(&sreq, 0, sizeof(sreq));
	sreq.method = req->method;
	sreq.path = ep->path.data;
	sreq.query = req->query;
	sreq.headers = s->headers;
	sreq.nheaders = n;
	sreq.body = req->body;
	sreq.body_len = req->body_len;
	memset(&sp, 0, sizeof(sp));
	sp.service = ep->service;
	sp.region = ep->region;
	s->signed_offset = c->http ? c->http->clock_offset_ms : 0;
	sp.time = (piam__now_ms(c) + s->signed_offset) / 1000;
	sp.flags = req->svc == PIAM__SVC_S3 ? PIAM_SIGN_S3 : 0;
	sp.creds = creds;
	if ((rc = piam__sigv4_sign(c, &sreq, &sp, sig, &nsig)))
		return rc;
	piam__buf_wipe(c, &s->sig);
	for (i = 0; i < nsig && i < PIAM__ARRAY_LEN(offsets); i++) {
		offsets[i] = s->sig.len;
		if ((rc = piam__buf_append_wiped(c, &s->sig, sig[i].value, strlen(sig[i].value) + 1)))
			return rc;
	}
	for (i = 0; i < nsig && i < PIAM__ARRAY_LEN(offsets) && n < PIAM__ARRAY_LEN(s->headers); i++) {
		s->headers[n].name = sig[i].name; /* the names are the signer's constants */
		s->headers[n++].value = s->sig.data + offsets[i];
	}
	s->nheaders = n;
	return PIAM_OK;
}

/*
 * Judge the attempt that just ended, as the standard mode does: done (success or a final
 * failure, recorded on the client), or again (s->delay to wait first).
 */
static int judge(piam_client *c, struct piam__http *h, struct slot *s, int max)
{
	const struct piam__request *req = s->req;
	struct piam__http_response *resp = s->resp;
	struct piam__aws_error e;
	int rc = s->rc, cost;

	s->again = 0;
	s->delay = 0;
	memset(&e, 0, sizeof(e));
	if (!rc && resp->status >= 200 && resp->status < 300) {
		/* Success refunds the last retry's cost, or one token for a first-try success. */
		h->retry_tokens += s->last_cost ? s->last_cost : 1;
		if (h->retry_tokens > PIAM__RETRY_QUOTA)
			h->retry_tokens = PIAM__RETRY_QUOTA;
		s->done = 1;
		return PIAM_OK;
	}
	if (!rc && resp->body.len) {
		log_reply(c, req->op, resp);
		/* without memory to read the error, what AWS said is unknown: do not guess from the status */
		if (piam__xml_aws_error(c, resp->body.data, resp->body.len, &e) == PIAM_ENOMEM) {
			s->done = 1;
			return piam__error(c, PIAM_ENOMEM, "%s: out of memory reading the HTTP %ld error reply", req->op,
					   resp->status);
		}
	}
	/* A bucket in another region: S3 names it; go there once, outside the retry count. */
	if (!rc && req->svc == PIAM__SVC_S3 && req->bucket && !s->moved && resp->bucket_region[0] &&
	    strcmp(resp->bucket_region, s->ep.region) != 0 && piam__is_region(resp->bucket_region) &&
	    (resp->status == 301 || resp->status == 307 || resp->status == 400)) {
		piam__log(c, PIAM_LOG_DEBUG, "%s: bucket %s is in %s", req->op, req->bucket, resp->bucket_region);
		bucket_region_remember(c, req->bucket, resp->bucket_region);
		s->redirected = *req;
		s->redirected.region = bucket_region_cached(c, req->bucket);
		piam__endpoint_free(c, &s->ep);
		if ((rc = piam__endpoint_resolve(c, s->redirected.region ? &s->redirected : req, &s->ep))) {
			s->done = 1;
			return rc;
		}
		s->moved = 1;
		s->attempt--;
		s->again = 1;
		return PIAM_OK;
	}
	/* The clock is off: sign with AWS's time from now on, and try again once. */
	if (!rc && !s->skewed && resp->date && in_list(e.code, skew_codes, PIAM__ARRAY_LEN(skew_codes))) {
		long long offset = resp->date * 1000 - piam__now_ms(c);
		/* another request sent alongside this one has corrected the clock since this one was signed */
		int corrected = s->signed_offset != h->clock_offset_ms;

		if (corrected || offset - h->clock_offset_ms > SKEW_TOLERANCE_MS ||
		    h->clock_offset_ms - offset > SKEW_TOLERANCE_MS) {
			if (!corrected) {
				piam__log(c, PIAM_LOG_WARN, "%s: the local clock is %lld s off AWS's; correcting",
					  req->op, offset / 1000);
				h->clock_offset_ms = offset;
			}
			s->skewed = 1;
			s->attempt--;
			s->again = 1;
			return PIAM_OK;
		}
	}
	s->done = 1;
	if (!rc)
		rc = record_reply_error(c, req, resp, &e);
	else if (rc == PIAM_ECREDENTIALS || rc == PIAM_EINVAL || rc == PIAM_ENOMEM)
		return rc; /* local failures: another attempt would fail the same way */
	cost = piam__retry_cost(rc == PIAM_ETIMEOUT || rc == PIAM_ENETWORK ? rc : 0, resp->status, e.code);
	if (!cost || s->attempt >= max)
		return rc;
	if (h->retry_tokens < cost) {
		piam__log(c, PIAM_LOG_DEBUG, "%s: retry quota spent, not retrying", req->op);
		return rc;
	}
	h->retry_tokens -= cost;
	s->last_cost = cost;
	s->delay = piam__retry_delay_ms(c, s->attempt);
	piam__log(c, PIAM_LOG_DEBUG, "%s: attempt %d failed (%s), retrying in %ld ms", req->op, s->attempt,
		  c->err_message, s->delay);
	s->done = 0;
	s->again = 1;
	return rc;
}

/* One attempt of every request still going: prepared in order, then sent together. */
static void send_round(piam_client *c, struct piam__http *h, struct slot *slots, size_t n,
		       struct piam__http_exchange *x, size_t *idx)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct slot *s = &slots[i];

		if (s->done)
			continue;
		s->attempt++;
		piam__http_response_free(c, s->resp);
		memset(s->resp, 0, sizeof(*s->resp));
		if ((s->rc = prepare_attempt(c, s))) {
			piam__http_error_save(c, &s->err);
			continue;
		}
		piam__log(c, PIAM_LOG_TRACE, "%s: %s %s", s->req->op, s->req->method, s->ep.url.data);
		if (h->send_fn) {
			/* the scripted transport of the tests takes one exchange at a time */
			h->requests++;
			s->rc = h->send_fn(c, s->req->method, s->ep.url.data, s->headers, s->nheaders, s->req->body,
					   s->req->body_len, s->resp, h->hook_userdata);
			if (s->rc)
				piam__http_error_save(c, &s->err);
			continue;
		}
		memset(&x[k], 0, sizeof(x[k]));
		x[k].method = s->req->method;
		x[k].url = s->ep.url.data;
		x[k].headers = s->headers;
		x[k].nheaders = s->nheaders;
		x[k].body = s->req->body;
		x[k].body_len = s->req->body_len;
		x[k].resp = s->resp;
		idx[k++] = i;
	}
	if (k) {
		piam__http_send_many(c, x, k);
		for (i = 0; i < k; i++) {
			slots[idx[i]].rc = x[i].rc;
			slots[idx[i]].err = x[i].err;
		}
	}
}

/* piam__request_send_many, with each request's error kept in errs[i] and the times it was sent
 * in tries[i] (redirects and clock fixes, which the server refused, not counted), when not NULL. */
static int send_all(piam_client *c, const struct piam__request *reqs, size_t n, struct piam__http_response *resps,
		    int *rcs, struct piam__http_error *errs, int *tries)
{
	struct piam__http_exchange *x = NULL;
	struct slot *slots = NULL;
	size_t *idx = NULL, i, going;
	struct piam__http *h;
	int max, rc = PIAM_OK, first = -1, retried = 0;
	long delay;

	for (i = 0; i < n; i++)
		memset(&resps[i], 0, sizeof(resps[i]));
	if (!(h = piam__http_state(c)))
		rc = PIAM_ENOMEM;
	else if ((max = piam__http_max_attempts(c)) < 0)
		rc = max;
	else if (n && (!(slots = piam__calloc(c, n, sizeof(*slots))) || !(x = piam__calloc(c, n, sizeof(*x))) ||
		       !(idx = piam__calloc(c, n, sizeof(*idx)))))
		rc = PIAM_ENOMEM;
	if (rc || !n) {
		/* nothing was sent: every request fails as the first one would */
		for (i = 0; i < n; i++) {
			rcs[i] = rc;
			if (errs)
				piam__http_error_save(c, &errs[i]);
		}
		goto out;
	}
	for (i = 0, going = 0; i < n; i++) {
		slots[i].req = &reqs[i];
		slots[i].resp = &resps[i];
		if ((slots[i].rc = piam__endpoint_resolve(c, &reqs[i], &slots[i].ep))) {
			slots[i].done = 1;
			piam__http_error_save(c, &slots[i].err);
		} else {
			going++;
		}
	}
	while (going) {
		send_round(c, h, slots, n, x, idx);
		delay = 0;
		for (i = 0, going = 0; i < n; i++) {
			struct slot *s = &slots[i];

			if (s->done)
				continue;
			if (s->rc)
				piam__http_error_restore(c, &s->err); /* the attempt's own error, for messages */
			s->rc = judge(c, h, s, max);
			if (s->rc)
				piam__http_error_save(c, &s->err);
			if (s->attempt > 1 || s->moved || s->skewed || s->again)
				retried = 1;
			if (!s->done) {
				going++;
				if (s->delay > delay)
					delay = s->delay;
			}
		}
		if (going && delay)
			piam__sleep_ms(c, delay); /* the longest of the retries' delays, once for all */
	}
	for (i = 0; i < n; i++) {
		rcs[i] = slots[i].rc;
		if (tries)
			tries[i] = slots[i].attempt;
		if (rcs[i] && errs)
			errs[i] = slots[i].err;
		if (rcs[i] && first < 0)
			first = (int)i;
	}
	if (first >= 0) {
		piam__http_error_restore(c, &slots[first].err); /* the first failure in request order */
		rc = rcs[first];
	} else if (retried) {
		piam__error_clear(c); /* the failed attempts' error is not this call's */
	}
out:
	if (slots)
		for (i = 0; i < n; i++) {
			piam__endpoint_free(c, &slots[i].ep);
			piam__buf_wipe(c, &slots[i].sig);
		}
	piam__free(c, slots);
	piam__free(c, x);
	piam__free(c, idx);
	return rc;
}

int piam__request_send_many(piam_client *c, const struct piam__request *reqs, size_t n,
			    struct piam__http_response *resps, int *rcs)
{
	return send_all(c, reqs, n, resps, rcs, NULL, NULL);
}

/* What identifies a request for the replies read ahead: everything that goes into it but the time. */
static int request_key(piam_client *c, const struct piam__request *req, piam__buf *key)
{
	int rc = piam__buf_printf(c, key, "%d\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%d %d %p\n", (int)req->svc, req->op,
				  req->method, req->bucket ? req->bucket : "", req->path ? req->path : "",
				  req->query ? req->query : "", req->content_type ? req->content_type : "",
				  req->region ? req->region : "", req->content_md5, req->unsigned_request,
				  (const void *)req->creds);

	return rc ? rc : piam__buf_append_wiped(c, key, req->body ? req->body : "", req->body_len);
}

/* The reply read ahead for `req`, if any: moved to `resp` with its error, and forgotten. */
static int take_ahead(piam_client *c, const struct piam__request *req, struct piam__http_response *resp, int *rc,
		      int *tries)
{
	struct piam__http *h = c->http;
	piam__buf key = {NULL, 0, 0};
	size_t i;

	if (!h || !h->nahead)
		return 0;
	if (request_key(c, req, &key)) {
		/* it may be a write sent ahead: sending it again could do it twice */
		piam__buf_wipe(c, &key);
		*rc = PIAM_ENOMEM;
		*tries = 0;
		return 1;
	}
	for (i = 0; i < h->nahead; i++)
		if (h->ahead[i].key.len == key.len && memcmp(h->ahead[i].key.data, key.data, key.len) == 0)
			break;
	piam__buf_wipe(c, &key);
	if (i == h->nahead)
		return 0;
	*resp = h->ahead[i].resp;
	*rc = h->ahead[i].rc;
	*tries = h->ahead[i].attempts;
	if (*rc)
		piam__http_error_restore(c, &h->ahead[i].err);
	piam__log(c, PIAM_LOG_TRACE, "%s: the reply read ahead", req->op);
	piam__buf_wipe(c, &h->ahead[i].key);
	h->ahead[i] = h->ahead[--h->nahead];
	return 1;
}

/*
 * Send `n` requests together and keep their replies for the identical requests to come. The keys
 * are made first: when anything cannot be prepared, nothing is sent, and each request goes out
 * when it is made (a write sent whose reply was then lost would otherwise go out twice).
 */
static int keep_ahead(piam_client *c, const struct piam__request *reqs, size_t n)
{
	struct piam__http_error saved, *errs;
	struct piam__http_response *resps;
	struct piam__http_ahead *more;
	struct piam__http *h;
	int *rcs, *tries, sent = 0;
	size_t i, k;

	if (!n || !(h = piam__http_state(c)))
		return 0;
	piam__http_error_save(c, &saved);
	resps = piam__calloc(c, n, sizeof(*resps));
	rcs = piam__calloc(c, n, sizeof(*rcs));
	tries = piam__calloc(c, n, sizeof(*tries));
	errs = piam__calloc(c, n, sizeof(*errs));
	more = piam__realloc(c, h->ahead, (h->nahead + n) * sizeof(*more));
	if (more)
		h->ahead = more;
	if (resps && rcs && tries && errs && more) {
		for (k = 0; k < n; k++) {
			memset(&h->ahead[h->nahead + k], 0, sizeof(*more));
			if (request_key(c, &reqs[k], &h->ahead[h->nahead + k].key))
				break;
		}
		if (k == n) {
			send_all(c, reqs, n, resps, rcs, errs, tries);
			sent = 1;
			for (i = 0; i < n; i++) {
				struct piam__http_ahead *a = &h->ahead[h->nahead++];

				a->rc = rcs[i];
				a->attempts = tries[i];
				a->err = errs[i];
				a->resp = resps[i];
			}
		} else {
			for (i = 0; i <= k; i++)
				piam__buf_wipe(c, &h->ahead[h->nahead + i].key);
		}
	}
	piam__free(c, resps);
	piam__free(c, rcs);
	piam__free(c, tries);
	piam__free(c, errs);
	piam__http_error_restore(c, &saved); /* sending ahead is invisible: the requests say what they find */
	return sent;
}

void piam__request_read_ahead(piam_client *c, const struct piam__request *reqs, size_t n)
{
	if (!n)
		piam__http_ahead_drop(c);
	else
		(void)keep_ahead(c, reqs, n);
}

/* `s` copied to *p, which moves past it; NULL stays NULL. */
static const char *copy_to(char **p, const char *s)
{
	char *at = *p;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	memcpy(at, s, n);
	*p += n;
	return at;
}

static size_t copy_len(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* A copy of `req` and of everything it points to, on the list of requests noted. */
static int note(piam_client *c, struct piam__http *h, const struct piam__request *req)
{
	struct piam__http_noted *more, *nt;
	struct piam__request *copy;
	size_t len;
	char *p;

	len = copy_len(req->op) + copy_len(req->method) + copy_len(req->bucket) + copy_len(req->path) +
	      copy_len(req->query) + copy_len(req->content_type) + copy_len(req->region) + req->body_len;
	if (!(more = piam__realloc(c, h->noted, (h->nnoted + 1) * sizeof(*more))))
		return PIAM_ENOMEM;
	h->noted = more;
	nt = &h->noted[h->nnoted];
	nt->store_len = len;
	nt->req = copy = piam__malloc(c, sizeof(*copy));
	nt->store = p = piam__malloc(c, len ? len : 1);
	if (!copy || !p) {
		piam__free(c, copy);
		piam__free(c, p);
		return PIAM_ENOMEM;
	}
	*copy = *req;
	copy->op = copy_to(&p, req->op);
	copy->method = copy_to(&p, req->method);
	copy->bucket = copy_to(&p, req->bucket);
	copy->path = copy_to(&p, req->path);
	copy->query = copy_to(&p, req->query);
	copy->content_type = copy_to(&p, req->content_type);
	copy->region = copy_to(&p, req->region);
	copy->body = req->body_len ? memcpy(p, req->body, req->body_len) : NULL;
	h->nnoted++;
	return PIAM_OK;
}

int piam__request_note_begin(piam_client *c)
{
	struct piam__http *h = piam__http_state(c);

	if (!h)
		return PIAM_ENOMEM;
	if (h->noting || h->nnoted)
		return PIAM_EINVAL;
	h->noting = 1;
	return PIAM_OK;
}

int piam__request_note_send(piam_client *c)
{
	struct piam__http *h = c->http;
	struct piam__request *reqs;
	size_t i, n;
	int sent = 0;

	if (!h || !h->noting)
		return 0;
	h->noting = 0;
	n = h->nnoted;
	/* all or nothing: a request that could not be noted would go out alone, later */
	if (n && !h->note_failed && (reqs = piam__calloc(c, n, sizeof(*reqs)))) {
		for (i = 0; i < n; i++)
			reqs[i] = *h->noted[i].req;
		sent = keep_ahead(c, reqs, n);
		piam__free(c, reqs);
	}
	h->note_failed = 0;
	piam__http_noted_drop(c);
	return sent;
}

int piam__request_noting(const piam_client *c)
{
	return c->http && c->http->noting;
}

int piam__request_send(piam_client *c, const struct piam__request *req, struct piam__http_response *resp)
{
	struct piam__http *h = c->http;
	int rc, tries = 0;

	memset(resp, 0, sizeof(*resp));
	if (h && h->noting) {
		if (note(c, h, req)) {
			h->note_failed = 1;
			return PIAM_ENOMEM;
		}
		return PIAM__NOTED;
	}
	if (take_ahead(c, req, resp, &rc, &tries)) {
		h->last_attempts = tries;
		return rc;
	}
	rc = send_all(c, req, 1, resp, &rc, NULL, &tries);
	if ((h = c->http))
		h->last_attempts = tries;
	return rc;
}

int piam__query_body(piam_client *c, enum piam__service svc, const char *action,
		     const struct piam__param *params, size_t nparams, piam__buf *out)
{
	size_t i;
	int rc;

	if ((rc = piam__buf_puts(c, out, "Action=")) || (rc = piam__form_encode(c, out, action)) ||
	    (rc = piam__buf_puts(c, out, "&Version=")) ||
	    (rc = piam__buf_puts(c, out, svc == PIAM__SVC_STS ? PIAM__STS_VERSION : PIAM__IAM_VERSION)))
		return rc;
	for (i = 0; i < nparams; i++)
		if ((rc = piam__buf_putc(c, out, '&')) || (rc = piam__form_encode(c, out, params[i].name)) ||
		    (rc = piam__buf_putc(c, out, '=')) || (rc = piam__form_encode(c, out, params[i].value)))
			return rc;
	return PIAM_OK;
}

int piam__query_request(piam_client *c, enum piam__service svc, const char *action,
			const struct piam__param *params, size_t nparams, const struct piam__query_opts *opts,
			struct piam__request *req, piam__buf *body)
{
	int rc = piam__query_body(c, svc, action, params, nparams, body);

	memset(req, 0, sizeof(*req));
	req->svc = svc;
	req->op = action;
	req->method = "POST";
	req->content_type = "application/x-www-form-urlencoded; charset=utf-8";
	req->body = body->data;
	req->body_len = body->len;
	if (opts) {
		req->creds = opts->creds;
		req->unsigned_request = opts->unsigned_request;
		req->region = opts->region;
	}
	return rc;
}

int piam__query_call(piam_client *c, enum piam__service svc, const char *action,
		     const struct piam__param *params, size_t nparams,
		     const struct piam__query_opts *opts, struct piam__xml **out)
{
	struct piam__http_response resp;
	struct piam__request req;
	piam__buf body = {NULL, 0, 0};
	int rc;

	*out = NULL;
	if ((rc = piam__query_request(c, svc, action, params, nparams, opts, &req, &body))) {
		piam__buf_wipe(c, &body);
		return rc;
	}
	rc = piam__request_send(c, &req, &resp);
	/* The body may hold secrets' neighbours (web identity tokens): wipe it. */
	piam__buf_wipe(c, &body);
	if (!rc && (rc = piam__xml_parse(c, resp.body.data ? resp.body.data : "", resp.body.len, out))) {
		char why[PIAM__ERRMSG_MAX];

		snprintf(why, sizeof(why), "%s", c->err_message);
		rc = piam__error_aws(c, rc, resp.status, NULL, resp.request_id, "%s: unreadable reply: %s",
				     action, why);
	}
	piam__http_response_free(c, &resp);
	return rc;
}
