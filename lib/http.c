/* HTTP over libcurl: one multi handle per client (its connections reused), exchanges run together,
 * timeouts, a reply cap; the only libcurl user. */
#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"
#include "sigv4.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define USER_AGENT "piam/" STR(PIAM_VERSION_MAJOR) "." STR(PIAM_VERSION_MINOR) "." STR(PIAM_VERSION_PATCH)

struct piam__http *piam__http_state(piam_client *c)
{
	struct piam__http *h;

	if (c->http)
		return c->http;
	if (!(h = piam__calloc(c, 1, sizeof(*h))))
		return NULL;
	h->retry_tokens = PIAM__RETRY_QUOTA;
	/* Seeds differ per client and per run; the generator only spreads retries apart. */
	h->rng = (unsigned long long)time(NULL) ^ ((unsigned long long)(uintptr_t)h << 16) ^ 0x9e3779b97f4a7c15ULL;
	c->http = h;
	return h;
}

void piam__http_free(piam_client *c)
{
	struct piam__http *h = c->http;
	size_t i;

	if (!h)
		return;
	piam__http_ahead_drop(c);
	for (i = 0; i < h->neasy; i++) {
		if (h->multi)
			curl_multi_remove_handle(h->multi, h->easy[i]);
		curl_easy_cleanup(h->easy[i]);
	}
	piam__free(c, h->easy);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	piam__free(c, h->ca_file);
	piam__free(c, h);
	c->http = NULL;
}

int piam__http_set_hooks(piam_client *c, piam__now_fn now_fn, piam__sleep_fn sleep_fn,
			 piam__random_fn random_fn, piam__send_fn send_fn, void *userdata)
{
	struct piam__http *h = piam__http_state(c);

	if (!h)
		return PIAM_ENOMEM;
	h->now_fn = now_fn;
	h->sleep_fn = sleep_fn;
	h->random_fn = random_fn;
	h->send_fn = send_fn;
	h->hook_userdata = userdata;
	return PIAM_OK;
}

long long piam__now_ms(piam_client *c)
{
	struct timespec ts;

	if (c->http && c->http->now_fn)
		return c->http->now_fn(c->http->hook_userdata);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void piam__sleep_ms(piam_client *c, long ms)
{
	struct timespec ts;

	if (c->http && c->http->sleep_fn) {
		c->http->sleep_fn(ms, c->http->hook_userdata);
		return;
	}
	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

double piam__random(piam_client *c)
{
	struct piam__http *h = c->http;
	unsigned long long x;

	if (h && h->random_fn)
		return h->random_fn(h->hook_userdata);
	if (!h)
		return 0.5;
	x = h->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	h->rng = x;
	return (double)(x >> 11) / 9007199254740992.0; /* 53 bits into [0, 1) */
}

const char *piam__http_ca_file(piam_client *c)
{
	if (c->http && c->http->ca_file)
		return c->http->ca_file;
	return piam__config_ca_bundle(c);
}

int piam__http_max_attempts(piam_client *c)
{
	int n;

	if (c->http && c->http->max_attempts)
		return c->http->max_attempts;
	n = piam__config_max_attempts(c);
	return n ? n : PIAM__DEFAULT_ATTEMPTS;
}

PIAM_API int piam_client_set_ca_file(piam_client *client, const char *path)
{
	struct piam__http *h;
	char *copy = NULL;

	if (!client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	if (path && !*path)
		return piam__error(client, PIAM_EINVAL, "empty CA file path");
	if (!(h = piam__http_state(client)))
		return PIAM_ENOMEM;
	if (path && !(copy = piam__strdup(client, path)))
		return PIAM_ENOMEM;
	piam__free(client, h->ca_file);
	h->ca_file = copy;
	return PIAM_OK;
}

PIAM_API int piam_client_set_max_attempts(piam_client *client, int attempts)
{
	struct piam__http *h;

	if (!client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	if (attempts < 0 || attempts > PIAM__MAX_ATTEMPTS)
		return piam__error(client, PIAM_EINVAL, "max attempts must be 0 (default) to %d", PIAM__MAX_ATTEMPTS);
	if (!(h = piam__http_state(client)))
		return PIAM_ENOMEM;
	h->max_attempts = attempts;
	return PIAM_OK;
}

PIAM_API int piam_client_set_s3_path_style(piam_client *client, int enable)
{
	struct piam__http *h;

	if (!client || (enable != 0 && enable != 1))
		return PIAM_EINVAL;
	piam__error_clear(client);
	if (!(h = piam__http_state(client)))
		return PIAM_ENOMEM;
	h->s3_path_style = enable;
	return PIAM_OK;
}

int piam__buf_append_wiped(piam_client *c, piam__buf *b, const void *data, size_t len)
{
	size_t need, cap;
	char *p;

	if (len > SIZE_MAX - b->len - 1)
		return piam__error(c, PIAM_ENOMEM, "out of memory");
	need = b->len + len + 1;
	if (need > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		if (!(p = piam__malloc(c, cap)))
			return PIAM_ENOMEM;
		if (b->len)
			memcpy(p, b->data, b->len);
		if (b->data)
			piam__wipe(b->data, b->cap);
		piam__free(c, b->data);
		b->data = p;
		b->cap = cap;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return PIAM_OK;
}

struct transfer {
	piam_client *c;
	struct piam__http_response *resp;
	int too_big;
	int nomem;
};

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * n;

	if (t->resp->body.len + len > (size_t)PIAM__HTTP_MAX_BODY) {
		t->too_big = 1;
		return 0;
	}
	if (piam__buf_append_wiped(t->c, &t->resp->body, data, len)) {
		t->nomem = 1;
		return 0;
	}
	return len;
}

/* Copy a header's value (trimmed) into dst when its name matches. */
static void header_value(const char *line, size_t len, const char *name, char *dst, size_t cap)
{
	size_t n = strlen(name), vlen;
	const char *v, *end = line + len;

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return;
	v = line + n + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	vlen = (size_t)(end - v);
	if (vlen >= cap)
		vlen = cap - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * n;
	struct piam__http_response *r = t->resp;
	char date[64];
	time_t when;

	/* A new status line (after a 100 Continue or a redirect) starts a new set of headers. */
	if (len > 5 && strncmp(data, "HTTP/", 5) == 0) {
		r->request_id[0] = r->bucket_region[0] = '\0';
		r->date = 0;
		return len;
	}
	header_value(data, len, "x-amzn-RequestId", r->request_id, sizeof(r->request_id));
	if (!r->request_id[0])
		header_value(data, len, "x-amz-request-id", r->request_id, sizeof(r->request_id));
	header_value(data, len, "x-amz-bucket-region", r->bucket_region, sizeof(r->bucket_region));
	date[0] = '\0';
	header_value(data, len, "Date", date, sizeof(date));
	if (date[0] && (when = curl_getdate(date, NULL)) > 0)
		r->date = (long long)when;
	return len;
}

static int map_curl_error(piam_client *c, CURLcode rc, const struct transfer *t, const char *method,
			  const char *url, const char *detail)
{
	const char *what = *detail ? detail : curl_easy_strerror(rc);

	if (t->nomem)
		return PIAM_ENOMEM;
	if (t->too_big)
		return piam__error(c, PIAM_ETOOBIG, "%s %s: the reply exceeds %ld bytes", method, url,
				   PIAM__HTTP_MAX_BODY);
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return piam__error(c, PIAM_ETIMEOUT, "%s %s: timed out: %s", method, url, what);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		return piam__error(c, PIAM_ETLS, "%s %s: TLS failed: %s", method, url, what);
	case CURLE_OUT_OF_MEMORY:
		return piam__error(c, PIAM_ENOMEM, "out of memory in libcurl");
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return piam__error(c, PIAM_EINVAL, "%s %s: %s", method, url, what);
	default:
		return piam__error(c, PIAM_ENETWORK, "%s %s: %s", method, url, what);
	}
}

void piam__http_error_save(const piam_client *c, struct piam__http_error *e)
{
	e->code = c->err_code;
	e->http_status = c->err_http_status;
	memcpy(e->message, c->err_message, sizeof(e->message));
	memcpy(e->aws_code, c->err_aws_code, sizeof(e->aws_code));
	memcpy(e->request_id, c->err_request_id, sizeof(e->request_id));
}

void piam__http_error_restore(piam_client *c, const struct piam__http_error *e)
{
	c->err_code = e->code;
	c->err_http_status = e->http_status;
	memcpy(c->err_message, e->message, sizeof(e->message));
	memcpy(c->err_aws_code, e->aws_code, sizeof(e->aws_code));
	memcpy(c->err_request_id, e->request_id, sizeof(e->request_id));
}

/* What one exchange of a batch keeps while libcurl runs it. */
struct xfer {
	struct transfer t;
	struct curl_slist *list;
	char errbuf[CURL_ERROR_SIZE];
	CURLcode crc;
	long long start, end;
	int added;
};

#define SETOPT(opt, val)                                              \
	do {                                                          \
		if ((crc = curl_easy_setopt(easy, opt, val)) != CURLE_OK) \
			goto curl_failed;                             \
	} while (0)

/* Options for one exchange on a reset handle. Errors are recorded and returned. */
static int prepare(piam_client *c, CURL *easy, struct piam__http_exchange *x, struct xfer *f)
{
	char line[8192]; /* one header; session tokens run to several KB */
	struct curl_slist *tmp;
	const char *ca;
	CURLcode crc;
	size_t i;
	int rc = PIAM_OK, has_content_type = 0;

	for (i = 0; i < x->nheaders; i++) {
		size_t nlen = strlen(x->headers[i].name), vlen = strlen(x->headers[i].value);

		if (strcasecmp(x->headers[i].name, "Content-Type") == 0)
			has_content_type = 1;
		if (nlen + vlen + 3 > sizeof(line)) {
			rc = piam__error(c, PIAM_EINVAL, "header %s too long", x->headers[i].name);
			goto out;
		}
		memcpy(line, x->headers[i].name, nlen);
		memcpy(line + nlen, ": ", 2);
		memcpy(line + nlen + 2, x->headers[i].value, vlen + 1);
		if (!(tmp = curl_slist_append(f->list, line)))
			goto nomem;
		f->list = tmp;
	}
	/* curl would wait for "100 Continue" before larger bodies; AWS does not need the round trip. */
	if (!(tmp = curl_slist_append(f->list, "Expect:")))
		goto nomem;
	f->list = tmp;
	/* Nor may curl label a body as a form on its own: what is sent is what was signed. */
	if (!has_content_type && !(tmp = curl_slist_append(f->list, "Content-Type:")))
		goto nomem;
	f->list = tmp;

	SETOPT(CURLOPT_URL, x->url);
	SETOPT(CURLOPT_CUSTOMREQUEST, x->method);
	if (strcmp(x->method, "GET") == 0)
		SETOPT(CURLOPT_HTTPGET, 1L);
	else if (strcmp(x->method, "HEAD") == 0)
		SETOPT(CURLOPT_NOBODY, 1L);
	if (x->body_len || strcmp(x->method, "POST") == 0 || strcmp(x->method, "PUT") == 0) {
		SETOPT(CURLOPT_POSTFIELDS, x->body_len ? x->body : "");
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
	}
	SETOPT(CURLOPT_HTTPHEADER, f->list);
	SETOPT(CURLOPT_USERAGENT, USER_AGENT);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	/* A short per-call timeout (IMDS) bounds the connect too. */
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, x->timeout_ms > 0 && x->timeout_ms < c->connect_timeout_ms
						  ? x->timeout_ms
						  : c->connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, x->timeout_ms > 0 ? x->timeout_ms : c->timeout_ms);
	SETOPT(CURLOPT_ERRORBUFFER, f->errbuf);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, &f->t);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, &f->t);
	SETOPT(CURLOPT_PRIVATE, (void *)f);
	if ((ca = piam__http_ca_file(c)))
		SETOPT(CURLOPT_CAINFO, ca);
	goto out;

curl_failed:
	rc = map_curl_error(c, crc, &f->t, x->method, x->url, f->errbuf);
	goto out;
nomem:
	rc = piam__error(c, PIAM_ENOMEM, "out of memory in libcurl");
out:
	piam__wipe(line, sizeof(line)); /* it held the Authorization and session token lines */
	return rc;
}

/* The client's multi handle, and at least `n` easy handles to run on it. */
static int handles(piam_client *c, struct piam__http *h, size_t n)
{
	void **more;

	if (!h->multi) {
		if (!(h->multi = curl_multi_init()))
			return piam__error(c, PIAM_ENOMEM, "cannot create a libcurl handle");
		/* A few connections per host overlap the reads; more would only crowd the server. */
		curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)PIAM__HTTP_MAX_HOST_CONNECTIONS);
	}
	if (n > h->neasy) {
		if (!(more = piam__realloc(c, h->easy, n * sizeof(*more))))
			return PIAM_ENOMEM;
		h->easy = more;
		while (h->neasy < n) {
			if (!(h->easy[h->neasy] = curl_easy_init()))
				return piam__error(c, PIAM_ENOMEM, "cannot create a libcurl handle");
			h->neasy++;
		}
	}
	return PIAM_OK;
}

/* Wait for every added transfer; each one's result lands in its xfer. */
static int run(piam_client *c, struct piam__http *h)
{
	CURLMcode mc;
	CURLMsg *msg;
	struct xfer *f;
	int running = 1, left;

	while (running) {
		if ((mc = curl_multi_perform(h->multi, &running)) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(h->multi, &left)))
			if (msg->msg == CURLMSG_DONE &&
			    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&f) == CURLE_OK && f) {
				f->crc = msg->data.result;
				f->end = piam__now_ms(c);
			}
		if (running && (mc = curl_multi_poll(h->multi, NULL, 0, 1000, NULL)) != CURLM_OK)
			break;
	}
	if (running)
		return piam__error(c, mc == CURLM_OUT_OF_MEMORY ? PIAM_ENOMEM : PIAM_ENETWORK, "libcurl: %s",
				   curl_multi_strerror(mc));
	return PIAM_OK;
}

int piam__http_send_many(piam_client *c, struct piam__http_exchange *x, size_t n)
{
	struct piam__http *h;
	struct xfer *f = NULL;
	struct piam__http_error first;
	size_t i, nfail = 0;
	long connects;
	int rc;

	memset(&first, 0, sizeof(first));
	for (i = 0; i < n; i++) {
		memset(x[i].resp, 0, sizeof(*x[i].resp));
		x[i].rc = PIAM_OK;
	}
	if (!(h = piam__http_state(c)))
		rc = PIAM_ENOMEM;
	else if (!(rc = handles(c, h, n)) && !(f = piam__calloc(c, n ? n : 1, sizeof(*f))))
		rc = PIAM_ENOMEM;
	if (rc) {
		for (i = 0; i < n; i++) {
			x[i].rc = rc;
			piam__http_error_save(c, &x[i].err);
		}
		return rc;
	}
	for (i = 0; i < n; i++) {
		f[i].t.c = c;
		f[i].t.resp = x[i].resp;
		f[i].crc = CURLE_OK;
		/* Reset drops the previous request's options but not the multi handle's connections. */
		curl_easy_reset(h->easy[i]);
		if ((x[i].rc = prepare(c, h->easy[i], &x[i], &f[i])) == PIAM_OK) {
			if (curl_multi_add_handle(h->multi, h->easy[i]) != CURLM_OK)
				x[i].rc = piam__error(c, PIAM_ENOMEM, "out of memory in libcurl");
			else
				f[i].added = 1;
		}
		if (x[i].rc)
			piam__http_error_save(c, &x[i].err);
		f[i].start = piam__now_ms(c);
		if (f[i].added)
			h->requests++;
	}
	rc = run(c, h);
	for (i = 0; i < n; i++) {
		if (!f[i].added)
			continue;
		curl_multi_remove_handle(h->multi, h->easy[i]);
		connects = 0;
		if (curl_easy_getinfo(h->easy[i], CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0)
			h->connections += (unsigned long)connects;
		if (rc) {
			x[i].rc = rc;
			piam__http_error_save(c, &x[i].err);
		} else if (f[i].crc != CURLE_OK) {
			x[i].rc = map_curl_error(c, f[i].crc, &f[i].t, x[i].method, x[i].url, f[i].errbuf);
			piam__log(c, PIAM_LOG_DEBUG, "%s %s: failed: %s", x[i].method, x[i].url, c->err_message);
			piam__http_error_save(c, &x[i].err);
		} else {
			curl_easy_getinfo(h->easy[i], CURLINFO_RESPONSE_CODE, &x[i].resp->status);
			piam__log(c, PIAM_LOG_DEBUG, "%s %s -> %ld (%lld ms, %zu bytes)%s%s", x[i].method, x[i].url,
				  x[i].resp->status, f[i].end - f[i].start, x[i].resp->body.len,
				  x[i].resp->request_id[0] ? " request id " : "", x[i].resp->request_id);
		}
	}
	for (i = 0; i < n; i++) {
		/* The handles must not keep pointers into the freed lists and buffers. */
		curl_easy_setopt(h->easy[i], CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(h->easy[i], CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(h->easy[i], CURLOPT_PRIVATE, NULL);
		curl_slist_free_all(f[i].list);
		if (x[i].rc && !nfail++)
			first = x[i].err;
	}
	piam__free(c, f);
	/* The client's error is the first failure's, in the order given. */
	if (nfail)
		piam__http_error_restore(c, &first);
	for (i = 0; i < n; i++)
		if (x[i].rc)
			return x[i].rc;
	return PIAM_OK;
}

int piam__http_send(piam_client *c, const char *method, const char *url,
		    const struct piam__sig_header *headers, size_t nheaders,
		    const void *body, size_t body_len, long timeout_ms,
		    struct piam__http_response *resp)
{
	struct piam__http_exchange x;

	memset(&x, 0, sizeof(x));
	x.method = method;
	x.url = url;
	x.headers = headers;
	x.nheaders = nheaders;
	x.body = body;
	x.body_len = body_len;
	x.timeout_ms = timeout_ms;
	x.resp = resp;
	return piam__http_send_many(c, &x, 1);
}

void piam__http_ahead_drop(piam_client *c)
{
	struct piam__http *h = c->http;
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->nahead; i++) {
		piam__buf_wipe(c, &h->ahead[i].key);
		piam__http_response_free(c, &h->ahead[i].resp);
	}
	piam__free(c, h->ahead);
	h->ahead = NULL;
	h->nahead = 0;
	piam__http_noted_drop(c);
	h->noting = h->note_failed = 0;
}

void piam__http_noted_drop(piam_client *c)
{
	struct piam__http *h = c->http;
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->nnoted; i++) {
		piam__wipe(h->noted[i].store, h->noted[i].store_len);
		piam__free(c, h->noted[i].store);
		piam__free(c, h->noted[i].req);
	}
	piam__free(c, h->noted);
	h->noted = NULL;
	h->nnoted = 0;
}

void piam__http_response_free(piam_client *c, struct piam__http_response *resp)
{
	/* Replies can carry credentials (STS, IMDS, container endpoints): wipe them. */
	if (resp)
		piam__buf_wipe(c, &resp->body);
}
