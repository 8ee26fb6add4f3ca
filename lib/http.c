/* HTTP over libcurl: one reused easy handle per client, timeouts, a reply cap; the only libcurl user. */
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

	if (!h)
		return;
	if (h->easy)
		curl_easy_cleanup(h->easy);
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

#define SETOPT(opt, val)                                              \
	do {                                                          \
		if ((crc = curl_easy_setopt(easy, opt, val)) != CURLE_OK) \
			goto curl_failed;                             \
	} while (0)

int piam__http_send(piam_client *c, const char *method, const char *url,
		    const struct piam__sig_header *headers, size_t nheaders,
		    const void *body, size_t body_len, long timeout_ms,
		    struct piam__http_response *resp)
{
	struct piam__http *h;
	struct transfer t = {c, resp, 0, 0};
	struct curl_slist *list = NULL, *tmp;
	char errbuf[CURL_ERROR_SIZE] = "";
	char line[8192]; /* one header; session tokens run to several KB */
	const char *ca;
	CURLcode crc;
	CURL *easy;
	long long start;
	long connects = 0;
	size_t i;
	int rc = PIAM_OK, has_content_type = 0;

	memset(resp, 0, sizeof(*resp));
	if (!(h = piam__http_state(c)))
		return PIAM_ENOMEM;
	if (!h->easy && !(h->easy = curl_easy_init()))
		return piam__error(c, PIAM_ENOMEM, "cannot create a libcurl handle");
	easy = h->easy;
	/* Reset drops the previous request's options but keeps the live connections. */
	curl_easy_reset(easy);

	for (i = 0; i < nheaders; i++) {
		size_t nlen = strlen(headers[i].name), vlen = strlen(headers[i].value);

		if (strcasecmp(headers[i].name, "Content-Type") == 0)
			has_content_type = 1;
		if (nlen + vlen + 3 > sizeof(line)) {
			rc = piam__error(c, PIAM_EINVAL, "header %s too long", headers[i].name);
			goto out;
		}
		memcpy(line, headers[i].name, nlen);
		memcpy(line + nlen, ": ", 2);
		memcpy(line + nlen + 2, headers[i].value, vlen + 1);
		if (!(tmp = curl_slist_append(list, line)))
			goto nomem;
		list = tmp;
	}
	/* curl would wait for "100 Continue" before larger bodies; AWS does not need the round trip. */
	if (!(tmp = curl_slist_append(list, "Expect:")))
		goto nomem;
	list = tmp;
	/* Nor may curl label a body as a form on its own: what is sent is what was signed. */
	if (!has_content_type && !(tmp = curl_slist_append(list, "Content-Type:")))
		goto nomem;
	list = tmp;

	SETOPT(CURLOPT_URL, url);
	SETOPT(CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "GET") == 0)
		SETOPT(CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "HEAD") == 0)
		SETOPT(CURLOPT_NOBODY, 1L);
	if (body_len || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		SETOPT(CURLOPT_POSTFIELDS, body_len ? body : "");
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	SETOPT(CURLOPT_HTTPHEADER, list);
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
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS,
	       timeout_ms > 0 && timeout_ms < c->connect_timeout_ms ? timeout_ms : c->connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : c->timeout_ms);
	SETOPT(CURLOPT_ERRORBUFFER, errbuf);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, &t);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, &t);
	if ((ca = piam__http_ca_file(c)))
		SETOPT(CURLOPT_CAINFO, ca);

	start = piam__now_ms(c);
	h->requests++;
	crc = curl_easy_perform(easy);
	if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0)
		h->connections += (unsigned long)connects;
	if (crc != CURLE_OK) {
		rc = map_curl_error(c, crc, &t, method, url, errbuf);
		piam__log(c, PIAM_LOG_DEBUG, "%s %s: failed: %s", method, url, c->err_message);
		goto out;
	}
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp->status);
	piam__log(c, PIAM_LOG_DEBUG, "%s %s -> %ld (%lld ms, %zu bytes)%s%s", method, url, resp->status,
		  piam__now_ms(c) - start, resp->body.len, resp->request_id[0] ? " request id " : "",
		  resp->request_id);
	goto out;

curl_failed:
	rc = map_curl_error(c, crc, &t, method, url, errbuf);
	goto out;
nomem:
	rc = piam__error(c, PIAM_ENOMEM, "out of memory in libcurl");
out:
	/* The handle must not keep pointers into this frame or into the freed list. */
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(list);
	piam__wipe(line, sizeof(line)); /* it held the Authorization and session token lines */
	return rc;
}

void piam__http_response_free(piam_client *c, struct piam__http_response *resp)
{
	/* Replies can carry credentials (STS, IMDS, container endpoints): wipe them. */
	if (resp)
		piam__buf_wipe(c, &resp->body);
}
