/*
 * SigV4 in three pure steps: canonical request -> string to sign -> signature. Inputs are
 * arguments only (no clock, environment or I/O). Scratch space and the derived signing key live
 * on the client, so a signature made once the buffers have grown allocates nothing.
 */
#include <string.h>

#include "sigv4.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define MAX_EXPIRES 604800 /* seven days, the longest a presigned URL may live */
#define MAX_TIME 253402300799LL /* 9999-12-31T23:59:59Z */
#define PAYLOAD_MAX 64

#define ALL_FLAGS                                                                                \
	(PIAM_SIGN_S3 | PIAM_SIGN_UNSIGNED_PAYLOAD | PIAM_SIGN_NO_NORMALIZE | PIAM_SIGN_BODY |  \
	 PIAM_SIGN_OMIT_SESSION_TOKEN | PIAM_SIGN_PRESIGN)

/* A header to canonicalise: borrowed name and value, and its position for a stable sort. */
struct hdr_ref {
	const char *name;
	const char *value;
	size_t order;
};

/* A query pair, encoded, as offsets into the cache's qbuf (then pointers once qbuf stops growing). */
struct qpair {
	size_t key, key_len, val, val_len;
	const char *k, *v;
};

struct piam__sigv4_cache {
	/* The signing key and what it was derived from; "AWS4" + secret is kept, wiped on free. */
	piam__buf secret;
	char date8[9];
	char region[PIAM__SIGV4_NAME_MAX + 1];
	char service[PIAM__SIGV4_NAME_MAX + 1];
	unsigned char key[PIAM__SHA256_LEN];
	piam__hmac_key mac_key; /* the key with its padded blocks hashed: a warm signature skips them */
	int key_valid;
	unsigned long derivations; /* for the tests of the cache */

	/* Scratch, kept between calls. All of it may hold a session token: wiped when it grows and on free. */
	piam__buf creq;    /* the canonical request */
	piam__buf path;    /* the normalised path */
	piam__buf qbuf;    /* encoded query keys and values */
	piam__buf signed_headers;
	piam__buf out;     /* strings returned to the caller */
	struct hdr_ref *hdrs;
	size_t hdrs_cap;
	struct qpair *pairs;
	size_t pairs_cap;

	/* piam_sign_request's copy of the caller's parallel arrays, and its results. */
	struct piam__sig_header *req_hdrs;
	size_t req_hdrs_cap;
	struct piam__sig_header result[PIAM__SIGV4_PRESIGN_MAX];
	size_t nresult;
	int have_steps; /* creq and sts hold the last successful signature's */

	/* The last signature's pieces, returned borrowed. */
	char amz_date[PIAM__SIGV4_DATE_LEN + 1];
	char scope[PIAM__SIGV4_SCOPE_MAX];
	char payload[PAYLOAD_MAX + 1];
	char sts[PIAM__SIGV4_STS_MAX];
	char signature[2 * PIAM__SHA256_LEN + 1];
	char expires[24];
};

/* What one signature needs besides the request, worked out once up front. */
struct plan {
	int presign;
	int add_content_sha; /* header mode: X-Amz-Content-Sha256 added and signed */
	const char *token;   /* the session token to send, or NULL */
	int sign_token;      /* the token is part of the signature */
	long long expires;
};

/* Headers never signed: hop-by-hop or rewritten on the way (proxies, tracing, SDK agents). */
static const char *const unsigned_headers[] = {
	"authorization", "connection", "expect", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "sec-websocket-key", "sec-websocket-protocol", "sec-websocket-version",
	"te", "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
};

/* Query parameters a presigned request gets from the signer; a request must not bring its own. */
static const char *const presign_params[] = {
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
};

void piam__sigv4_free(piam_client *c)
{
	struct piam__sigv4_cache *s = c->sigv4;

	if (!s)
		return;
	piam__buf_wipe(c, &s->secret);
	piam__buf_wipe(c, &s->creq);
	piam__buf_wipe(c, &s->path);
	piam__buf_wipe(c, &s->qbuf);
	piam__buf_wipe(c, &s->signed_headers);
	piam__buf_wipe(c, &s->out);
	piam__free(c, s->hdrs);
	piam__free(c, s->pairs);
	piam__free(c, s->req_hdrs);
	piam__wipe(s, sizeof(*s));
	piam__free(c, s);
	c->sigv4 = NULL;
}

static struct piam__sigv4_cache *cache(piam_client *c)
{
	if (!c->sigv4)
		c->sigv4 = piam__calloc(c, 1, sizeof(*c->sigv4));
	return c->sigv4;
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/*
 * Scratch buffers grow by copy-wipe-free rather than realloc, so that no freed block still
 * holds a token or a canonical request.
 */
static int sb_reserve(piam_client *c, piam__buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX / 4 - b->len)
		return piam__error(c, PIAM_ENOMEM, "out of memory");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return PIAM_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	/* Zeroed, so that no byte of the block is ever undefined (the tests scan freed blocks). */
	if (!(p = piam__calloc(c, 1, cap)))
		return PIAM_ENOMEM;
	if (b->data) {
		memcpy(p, b->data, b->len + 1);
		piam__wipe(b->data, b->cap);
		piam__free(c, b->data);
	}
	b->data = p;
	b->cap = cap;
	return PIAM_OK;
}

static int sb_put(piam_client *c, piam__buf *b, const char *s, size_t n)
{
	if (b->len + n >= b->cap && sb_reserve(c, b, n))
		return PIAM_ENOMEM;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return PIAM_OK;
}

static int sb_puts(piam_client *c, piam__buf *b, const char *s)
{
	return sb_put(c, b, s, strlen(s));
}

static int sb_putc(piam_client *c, piam__buf *b, char ch)
{
	if (b->len + 1 >= b->cap && sb_reserve(c, b, 1))
		return PIAM_ENOMEM;
	b->data[b->len++] = ch;
	b->data[b->len] = '\0';
	return PIAM_OK;
}

/* A header name in lower case. */
static int sb_put_lower(piam_client *c, piam__buf *b, const char *name)
{
	size_t start = b->len, i;

	if (sb_puts(c, b, name))
		return PIAM_ENOMEM;
	for (i = start; i < b->len; i++)
		b->data[i] = lower(b->data[i]);
	return PIAM_OK;
}

static void sb_reset(piam__buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Copy n bytes, NUL-terminate, and return the end (where the NUL is). */
static char *copy_n(char *out, const char *s, size_t n)
{
	memcpy(out, s, n);
	out[n] = '\0';
	return out + n;
}

static void format_uint(char out[24], unsigned long long v)
{
	char tmp[24];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*out++ = tmp[--n];
	*out = '\0';
}

/*
 * An array of `size`-byte items with room for n: arr itself when it has, else a copy in a
 * larger block (arr is then freed). NULL when out of memory, arr being left as it was.
 */
static void *grow_array(piam_client *c, void *arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (arr && n <= *cap)
		return arr;
	while (ncap < n)
		ncap *= 2;
	if (!(p = piam__calloc(c, ncap, size)))
		return NULL;
	if (arr)
		memcpy(p, arr, *cap * size);
	piam__free(c, arr);
	*cap = ncap;
	return p;
}

/* ASCII case-insensitive comparison of NUL-terminated names, as lowercase strings compare. */
static int name_cmp(const char *a, const char *b)
{
	for (; *a && lower(*a) == lower(*b); a++, b++)
		;
	return (unsigned char)lower(*a) - (unsigned char)lower(*b);
}

static int name_eq_n(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return i == alen && b[i] == '\0';
}

static int is_unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

static int is_escape(const char *s, size_t i, size_t n)
{
	return s[i] == '%' && i + 2 < n && piam__hexval(s[i + 1]) >= 0 && piam__hexval(s[i + 2]) >= 0;
}

enum encoding {
	ENC_PATH,     /* every byte but unreserved and '/' (non-S3 paths: a second encoding) */
	ENC_PATH_S3,  /* like ENC_PATH, but %XX escapes stay as they are (S3: encoded once) */
	ENC_RAW,      /* every byte but unreserved (query values the signer makes) */
	ENC_WIRE,     /* %XX escapes decoded first, then as ENC_RAW (query text as sent) */
};

static int put_escape(piam_client *c, piam__buf *b, unsigned char ch)
{
	static const char digits[] = "0123456789ABCDEF";
	char e[3];

	e[0] = '%';
	e[1] = digits[ch >> 4];
	e[2] = digits[ch & 15];
	return sb_put(c, b, e, 3);
}

static int encode(piam_client *c, piam__buf *b, const char *s, size_t n, enum encoding how)
{
	size_t i, run;

	if (sb_reserve(c, b, n))
		return PIAM_ENOMEM;
	for (i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];

		for (run = i; run < n && is_unreserved((unsigned char)s[run]); run++)
			;
		if (run > i) {
			if (sb_put(c, b, s + i, run - i))
				return PIAM_ENOMEM;
			i = run;
			continue;
		}
		if (ch == '/' && (how == ENC_PATH || how == ENC_PATH_S3)) {
			if (sb_putc(c, b, '/'))
				return PIAM_ENOMEM;
			i++;
		} else if (ch == '%' && (how == ENC_PATH_S3 || how == ENC_WIRE) && is_escape(s, i, n)) {
			unsigned char d = (unsigned char)(piam__hexval(s[i + 1]) * 16 + piam__hexval(s[i + 2]));

			if (how == ENC_PATH_S3 ? sb_put(c, b, s + i, 3)
			    : is_unreserved(d) ? sb_putc(c, b, (char)d) : put_escape(c, b, d))
				return PIAM_ENOMEM;
			i += 3;
		} else {
			if (put_escape(c, b, ch))
				return PIAM_ENOMEM;
			i++;
		}
	}
	return PIAM_OK;
}

typedef int (*cmp_fn)(const void *, const void *);

static void swap_items(char *a, char *b, size_t size)
{
	while (size--) {
		char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* In place and without allocation (qsort may call malloc); heapsort keeps hostile inputs O(n log n). */
static void sort_items(void *base, size_t n, size_t size, cmp_fn cmp)
{
	char *b = base;
	size_t start, end, root, child;

	if (n < 2)
		return;
	if (n <= 16 && size <= 64) {
		/* Insertion sort: fewer comparisons for the handful of headers most requests have. */
		char tmp[64];
		size_t i, j;

		for (i = 1; i < n; i++) {
			for (j = i; j > 0 && cmp(b + (j - 1) * size, b + i * size) > 0; j--)
				;
			if (j == i)
				continue;
			memcpy(tmp, b + i * size, size);
			memmove(b + (j + 1) * size, b + j * size, (i - j) * size);
			memcpy(b + j * size, tmp, size);
		}
		return;
	}
	for (start = n / 2; start-- > 0;)
		for (root = start; (child = 2 * root + 1) < n; root = child) {
			if (child + 1 < n && cmp(b + child * size, b + (child + 1) * size) < 0)
				child++;
			if (cmp(b + root * size, b + child * size) >= 0)
				break;
			swap_items(b + root * size, b + child * size, size);
		}
	for (end = n - 1; end > 0; end--) {
		swap_items(b, b + end * size, size);
		for (root = 0; (child = 2 * root + 1) < end; root = child) {
			if (child + 1 < end && cmp(b + child * size, b + (child + 1) * size) < 0)
				child++;
			if (cmp(b + root * size, b + child * size) >= 0)
				break;
			swap_items(b + root * size, b + child * size, size);
		}
	}
}

static int hdr_cmp(const void *pa, const void *pb)
{
	const struct hdr_ref *a = pa, *b = pb;
	int d = name_cmp(a->name, b->name);

	if (d)
		return d;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int d = memcmp(a, b, alen < blen ? alen : blen);

	if (d)
		return d;
	return alen < blen ? -1 : alen > blen;
}

static int pair_cmp(const void *pa, const void *pb)
{
	const struct qpair *a = pa, *b = pb;
	int d = bytes_cmp(a->k, a->key_len, b->k, b->key_len);

	return d ? d : bytes_cmp(a->v, a->val_len, b->v, b->val_len);
}

static int is_tchar(unsigned char ch)
{
	return is_unreserved(ch) || (ch && strchr("!#$%&'*+^`|", ch) != NULL);
}

static int is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), for the signing time. */
static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void put_digits(char *out, unsigned long long v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

int piam__sigv4_format_date(char out[PIAM__SIGV4_DATE_LEN + 1], long long t)
{
	long long y;
	unsigned m, d;
	long long secs;

	if (t < 0 || t > MAX_TIME)
		return PIAM_EINVAL;
	civil_from_days(t / 86400, &y, &m, &d);
	secs = t % 86400;
	put_digits(out, (unsigned long long)y, 4);
	put_digits(out + 4, m, 2);
	put_digits(out + 6, d, 2);
	out[8] = 'T';
	put_digits(out + 9, (unsigned long long)(secs / 3600), 2);
	put_digits(out + 11, (unsigned long long)(secs / 60 % 60), 2);
	put_digits(out + 13, (unsigned long long)(secs % 60), 2);
	out[15] = 'Z';
	out[16] = '\0';
	return PIAM_OK;
}

/* Region and service names go into the credential scope: short, and nothing that could split it. */
static int is_scope_name(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!(is_unreserved((unsigned char)*s)) || n >= PIAM__SIGV4_NAME_MAX)
			return 0;
	return n > 0;
}

static int is_printable_token(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (*s <= ' ' || *s >= 0x7f || n >= max)
			return 0;
	return n > 0;
}

/*
 * 64 lower-case hex digits, or a token such as UNSIGNED-PAYLOAD or STREAMING-...: upper case
 * with a '-', so that an upper-case hash is refused rather than signed as AWS never would.
 */
static int is_payload_hash(const char *s)
{
	size_t n = strlen(s), i;
	int hex = n == 64, token = n > 0 && n <= PAYLOAD_MAX && s[0] >= 'A' && s[0] <= 'Z' && strchr(s, '-');

	for (i = 0; i < n; i++) {
		hex &= (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
		token &= (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-';
	}
	return hex || token;
}

/* Path and query text: anything printable (spaces and UTF-8 are encoded), no controls, no fragment. */
static const char *bad_uri_char(const char *s, int path)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '#' || (path && *s == '?'))
			return s;
	return NULL;
}

static int check_header(piam_client *c, const struct piam__sig_header *h, size_t i)
{
	const char *v;

	if (!h->name || !h->value)
		return piam__error(c, PIAM_EINVAL, "header %zu: name or value is NULL", i);
	if (!*h->name)
		return piam__error(c, PIAM_EINVAL, "header %zu: empty name", i);
	for (v = h->name; *v; v++)
		if (!is_tchar((unsigned char)*v))
			return piam__error(c, PIAM_EINVAL,
					   "header %zu: the name may hold only ASCII letters, digits and !#$%%&'*+-.^_`|~ "
					   "(no spaces, colons or non-ASCII)",
					   i);
	for (v = h->value; *v; v++)
		if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f)
			return piam__error(c, PIAM_EINVAL,
					   "header '%s': the value holds a control character (CR, LF, ...)", h->name);
	return PIAM_OK;
}

static int check_method(const char *m)
{
	size_t n = 0;

	for (; *m; m++, n++)
		if (*m < 'A' || *m > 'Z' || n >= 16)
			return 0;
	return n > 0;
}

/* Everything a signature depends on, checked before anything changes. */
static int check_input(piam_client *c, const struct piam__sig_request *req, const struct piam__sig_params *p,
		       long long expires)
{
	const struct piam__credentials *cr;
	const char *bad;
	size_t i, hosts = 0;
	int rc;

	if (!req || !p)
		return piam__error(c, PIAM_EINVAL, "no request or no signing parameters");
	if (p->flags & ~(unsigned)ALL_FLAGS)
		return piam__error(c, PIAM_EINVAL, "unknown signing flags 0x%x", p->flags & ~(unsigned)ALL_FLAGS);
	if (!p->service || !is_scope_name(p->service))
		return piam__error(c, PIAM_EINVAL, "invalid service name: expected 1 to 64 letters, digits, '-', '_', '.' or '~'");
	if (!p->region || !is_scope_name(p->region))
		return piam__error(c, PIAM_EINVAL, "invalid region: expected 1 to 64 letters, digits, '-', '_', '.' or '~'");
	if (p->time < 0 || p->time > MAX_TIME)
		return piam__error(c, PIAM_EINVAL, "signing time out of range (0 to year 9999)");
	cr = p->creds;
	if (!cr || !cr->access_key_id || !cr->secret_access_key)
		return piam__error(c, PIAM_EINVAL, "no credentials to sign with");
	if (!is_printable_token(cr->access_key_id, 128) || strchr(cr->access_key_id, '/') ||
	    strchr(cr->access_key_id, ','))
		return piam__error(c, PIAM_EINVAL, "invalid access key id: printable ASCII without spaces, '/' or ','");
	if (!is_printable_token(cr->secret_access_key, 4096))
		return piam__error(c, PIAM_EINVAL, "invalid secret access key: 1 to 4096 printable ASCII characters");
	if (cr->session_token && !is_printable_token(cr->session_token, 1 << 16))
		return piam__error(c, PIAM_EINVAL, "invalid session token: printable ASCII without spaces");
	if ((p->flags & PIAM_SIGN_PRESIGN) && (expires < 1 || expires > MAX_EXPIRES))
		return piam__error(c, PIAM_EINVAL, "presign expiry out of range: 1 to 604800 seconds");
	if (!req->method || !check_method(req->method))
		return piam__error(c, PIAM_EINVAL, "invalid method: expected an upper-case HTTP method such as GET");
	if (!req->path || req->path[0] != '/')
		return piam__error(c, PIAM_EINVAL, "invalid path: it must start with '/'");
	if ((bad = bad_uri_char(req->path, 1)))
		return piam__error(c, PIAM_EINVAL, "invalid path: it holds %s",
				   *bad == '?' ? "'?' (pass the query separately)" : *bad == '#' ? "a fragment" : "a control character");
	if (req->query && (bad = bad_uri_char(req->query, 0)))
		return piam__error(c, PIAM_EINVAL, "invalid query: it holds %s", *bad == '#' ? "a fragment" : "a control character");
	if (req->body_len && !req->body)
		return piam__error(c, PIAM_EINVAL, "body is NULL but body_len is not 0");
	if (req->payload_hash && !is_payload_hash(req->payload_hash))
		return piam__error(c, PIAM_EINVAL, "invalid payload hash: expected 64 lower-case hex digits or UNSIGNED-PAYLOAD");
	if (req->nheaders && !req->headers)
		return piam__error(c, PIAM_EINVAL, "headers is NULL but nheaders is not 0");
	for (i = 0; i < req->nheaders; i++) {
		const char *v;

		if ((rc = check_header(c, &req->headers[i], i)))
			return rc;
		if (name_cmp(req->headers[i].name, "host") == 0) {
			for (v = req->headers[i].value; is_ows(*v); v++)
				;
			if (!*v)
				return piam__error(c, PIAM_EINVAL, "the Host header is empty");
			hosts++;
		}
	}
	if (hosts != 1)
		return piam__error(c, PIAM_EINVAL, hosts ? "more than one Host header" : "no Host header: a signed request needs one");
	if ((p->flags & PIAM_SIGN_PRESIGN) && req->query) {
		const char *q = req->query;

		while (*q) {
			size_t klen = strcspn(q, "=&");

			for (i = 0; i < PIAM__ARRAY_LEN(presign_params); i++)
				if (name_eq_n(q, klen, presign_params[i]))
					return piam__error(c, PIAM_EINVAL, "the query already holds %s: cannot presign it again",
							   presign_params[i]);
			q += strcspn(q, "&");
			if (*q)
				q++;
		}
	}
	return PIAM_OK;
}

static void make_plan(struct plan *pl, const struct piam__sig_params *p, long long expires)
{
	unsigned f = p->flags;

	pl->presign = (f & PIAM_SIGN_PRESIGN) != 0;
	pl->add_content_sha = !pl->presign && (f & (PIAM_SIGN_S3 | PIAM_SIGN_BODY | PIAM_SIGN_UNSIGNED_PAYLOAD));
	pl->token = p->creds->session_token;
	pl->sign_token = pl->token && !(f & PIAM_SIGN_OMIT_SESSION_TOKEN);
	pl->expires = expires;
}

/* Whether a request header is left out of the canonical request. */
static int skip_header(const char *name, const struct plan *pl)
{
	size_t i;

	for (i = 0; i < PIAM__ARRAY_LEN(unsigned_headers); i++)
		if (lower(name[0]) == unsigned_headers[i][0] && name_cmp(name, unsigned_headers[i]) == 0)
			return 1;
	/* The signer's own headers: the returned values replace any the request brought. */
	if (name_cmp(name, "x-amz-date") == 0)
		return 1;
	if (pl->token && name_cmp(name, "x-amz-security-token") == 0)
		return 1;
	return pl->add_content_sha && name_cmp(name, "x-amz-content-sha256") == 0;
}

static int payload_hash(struct piam__sigv4_cache *s, const struct piam__sig_request *req, unsigned flags)
{
	unsigned char h[PIAM__SHA256_LEN];
	const char *fixed = req->payload_hash;

	if (!fixed && ((flags & PIAM_SIGN_UNSIGNED_PAYLOAD) ||
		       ((flags & PIAM_SIGN_S3) && (flags & PIAM_SIGN_PRESIGN))))
		fixed = UNSIGNED_PAYLOAD;
	if (fixed) {
		memcpy(s->payload, fixed, strlen(fixed) + 1);
		return PIAM_OK;
	}
	if (piam__sha256(req->body, req->body_len, h))
		return PIAM_EINVAL;
	piam__hex(h, sizeof(h), s->payload);
	return PIAM_OK;
}

/* The sorted headers to sign: the request's (less the skipped ones) and the signer's. */
static int collect_headers(piam_client *c, struct piam__sigv4_cache *s, const struct piam__sig_request *req,
			   const struct plan *pl, size_t *count)
{
	struct hdr_ref *hdrs;
	size_t i, n = 0;

	if (!(hdrs = grow_array(c, s->hdrs, &s->hdrs_cap, req->nheaders + 3, sizeof(*s->hdrs))))
		return PIAM_ENOMEM;
	s->hdrs = hdrs;
	for (i = 0; i < req->nheaders; i++) {
		if (skip_header(req->headers[i].name, pl))
			continue;
		s->hdrs[n].name = req->headers[i].name;
		s->hdrs[n].value = req->headers[i].value;
		s->hdrs[n].order = i;
		n++;
	}
	if (!pl->presign) {
		s->hdrs[n].name = "x-amz-date";
		s->hdrs[n].value = s->amz_date;
		s->hdrs[n].order = i++;
		n++;
		if (pl->sign_token) {
			s->hdrs[n].name = "x-amz-security-token";
			s->hdrs[n].value = pl->token;
			s->hdrs[n].order = i++;
			n++;
		}
		if (pl->add_content_sha) {
			s->hdrs[n].name = "x-amz-content-sha256";
			s->hdrs[n].value = s->payload;
			s->hdrs[n].order = i++;
			n++;
		}
	}
	sort_items(s->hdrs, n, sizeof(*s->hdrs), hdr_cmp);
	*count = n;
	sb_reset(&s->signed_headers);
	for (i = 0; i < n; i++) {
		if (i > 0 && name_cmp(s->hdrs[i - 1].name, s->hdrs[i].name) == 0)
			continue;
		if ((i > 0 && sb_putc(c, &s->signed_headers, ';')) || sb_put_lower(c, &s->signed_headers, s->hdrs[i].name))
			return PIAM_ENOMEM;
	}
	return PIAM_OK;
}

/* A value trimmed, with inner runs of spaces and tabs as one space. */
static int put_trimmed(piam_client *c, piam__buf *b, const char *v)
{
	const char *end;

	while (is_ows(*v))
		v++;
	end = v + strlen(v);
	while (end > v && is_ows(end[-1]))
		end--;
	while (v < end) {
		size_t run = 0;

		while (v + run < end && !is_ows(v[run]))
			run++;
		if (sb_put(c, b, v, run))
			return PIAM_ENOMEM;
		v += run;
		if (v < end) {
			if (sb_putc(c, b, ' '))
				return PIAM_ENOMEM;
			while (is_ows(*v))
				v++;
		}
	}
	return PIAM_OK;
}

static int put_headers(piam_client *c, struct piam__sigv4_cache *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0 && name_cmp(s->hdrs[i - 1].name, s->hdrs[i].name) == 0) {
			if (sb_putc(c, &s->creq, ','))
				return PIAM_ENOMEM;
		} else {
			if ((i > 0 && sb_putc(c, &s->creq, '\n')) || sb_put_lower(c, &s->creq, s->hdrs[i].name) ||
			    sb_putc(c, &s->creq, ':'))
				return PIAM_ENOMEM;
		}
		if (put_trimmed(c, &s->creq, s->hdrs[i].value))
			return PIAM_ENOMEM;
	}
	return n ? sb_putc(c, &s->creq, '\n') : PIAM_OK;
}

static int add_pair(piam_client *c, struct piam__sigv4_cache *s, size_t *n, const char *k, size_t klen,
		    const char *v, size_t vlen, enum encoding how)
{
	struct qpair *q;

	if (!(q = grow_array(c, s->pairs, &s->pairs_cap, *n + 1, sizeof(*s->pairs))))
		return PIAM_ENOMEM;
	s->pairs = q;
	q += (*n)++;
	q->key = s->qbuf.len;
	if (encode(c, &s->qbuf, k, klen, how))
		return PIAM_ENOMEM;
	q->key_len = s->qbuf.len - q->key;
	q->val = s->qbuf.len;
	if (encode(c, &s->qbuf, v, vlen, how))
		return PIAM_ENOMEM;
	q->val_len = s->qbuf.len - q->val;
	return PIAM_OK;
}

static int put_query(piam_client *c, struct piam__sigv4_cache *s, const struct piam__sig_request *req,
		     const struct piam__sig_params *p, const struct plan *pl)
{
	const char *q = req->query ? req->query : "";
	size_t n = 0, i;

	sb_reset(&s->qbuf);
	while (*q) {
		size_t len = strcspn(q, "&"), klen = strcspn(q, "=&");

		/* Empty pairs ("a=1&&b=2") carry nothing and are not signed. */
		if (len && add_pair(c, s, &n, q, klen, q + klen + (klen < len), len - klen - (klen < len), ENC_WIRE))
			return PIAM_ENOMEM;
		q += len;
		if (*q)
			q++;
	}
	if (pl->presign) {
		const char *akid = p->creds->access_key_id;
		struct qpair *pairs;

		if (add_pair(c, s, &n, "X-Amz-Algorithm", 15, ALGORITHM, strlen(ALGORITHM), ENC_RAW))
			return PIAM_ENOMEM;
		/* The credential is built in place: key id, '/', scope. */
		if (!(pairs = grow_array(c, s->pairs, &s->pairs_cap, n + 1, sizeof(*s->pairs))))
			return PIAM_ENOMEM;
		s->pairs = pairs;
		s->pairs[n].key = s->qbuf.len;
		if (sb_puts(c, &s->qbuf, "X-Amz-Credential"))
			return PIAM_ENOMEM;
		s->pairs[n].key_len = 16;
		s->pairs[n].val = s->qbuf.len;
		if (encode(c, &s->qbuf, akid, strlen(akid), ENC_RAW) || sb_puts(c, &s->qbuf, "%2F") ||
		    encode(c, &s->qbuf, s->scope, strlen(s->scope), ENC_RAW))
			return PIAM_ENOMEM;
		s->pairs[n].val_len = s->qbuf.len - s->pairs[n].val;
		n++;
		if (add_pair(c, s, &n, "X-Amz-Date", 10, s->amz_date, PIAM__SIGV4_DATE_LEN, ENC_RAW) ||
		    add_pair(c, s, &n, "X-Amz-Expires", 13, s->expires, strlen(s->expires), ENC_RAW) ||
		    (pl->sign_token &&
		     add_pair(c, s, &n, "X-Amz-Security-Token", 20, pl->token, strlen(pl->token), ENC_RAW)) ||
		    add_pair(c, s, &n, "X-Amz-SignedHeaders", 19, s->signed_headers.data, s->signed_headers.len, ENC_RAW))
			return PIAM_ENOMEM;
	}
	if (!n)
		return PIAM_OK;
	for (i = 0; i < n; i++) {
		s->pairs[i].k = s->qbuf.data + s->pairs[i].key;
		s->pairs[i].v = s->qbuf.data + s->pairs[i].val;
	}
	sort_items(s->pairs, n, sizeof(*s->pairs), pair_cmp);
	for (i = 0; i < n; i++)
		if ((i && sb_putc(c, &s->creq, '&')) || sb_put(c, &s->creq, s->pairs[i].k, s->pairs[i].key_len) ||
		    sb_putc(c, &s->creq, '=') || sb_put(c, &s->creq, s->pairs[i].v, s->pairs[i].val_len))
			return PIAM_ENOMEM;
	return PIAM_OK;
}

/* Remove "." and ".." segments and empty ones (repeated slashes), keeping a trailing slash. */
static int normalize_path(piam_client *c, piam__buf *out, const char *path)
{
	const char *p = path;

	sb_reset(out);
	while (*p) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (out->len > 0 && out->data[--out->len] != '/')
				;
			if (out->data)
				out->data[out->len] = '\0';
		} else if (sb_putc(c, out, '/') || sb_put(c, out, p, len)) {
			return PIAM_ENOMEM;
		}
		p += len;
	}
	if (out->len == 0 || path[strlen(path) - 1] == '/')
		return sb_putc(c, out, '/');
	return PIAM_OK;
}

static int put_path(piam_client *c, struct piam__sigv4_cache *s, const char *path, unsigned flags)
{
	if (flags & PIAM_SIGN_S3)
		return encode(c, &s->creq, path, strlen(path), ENC_PATH_S3);
	if (flags & PIAM_SIGN_NO_NORMALIZE)
		return encode(c, &s->creq, path, strlen(path), ENC_PATH);
	if (normalize_path(c, &s->path, path))
		return PIAM_ENOMEM;
	return encode(c, &s->creq, s->path.data, s->path.len, ENC_PATH);
}

/* Step 1 on validated input: fills s->creq, s->signed_headers and the pieces it needs. */
static int build(piam_client *c, struct piam__sigv4_cache *s, const struct piam__sig_request *req,
		 const struct piam__sig_params *p, const struct plan *pl)
{
	size_t nh;
	char *o;

	piam__sigv4_format_date(s->amz_date, p->time);
	/* Lengths were checked, so the scope fits. */
	o = copy_n(s->scope, s->amz_date, 8);
	*o++ = '/';
	o = copy_n(o, p->region, strlen(p->region));
	*o++ = '/';
	o = copy_n(o, p->service, strlen(p->service));
	copy_n(o, "/aws4_request", 13);
	format_uint(s->expires, (unsigned long long)pl->expires);
	if (payload_hash(s, req, p->flags))
		return piam__error(c, PIAM_EINVAL, "could not hash the body");
	if (collect_headers(c, s, req, pl, &nh))
		return PIAM_ENOMEM;
	sb_reset(&s->creq);
	if (sb_puts(c, &s->creq, req->method) || sb_putc(c, &s->creq, '\n') || put_path(c, s, req->path, p->flags) ||
	    sb_putc(c, &s->creq, '\n') || put_query(c, s, req, p, pl) || sb_putc(c, &s->creq, '\n') ||
	    put_headers(c, s, nh) || sb_putc(c, &s->creq, '\n') ||
	    sb_put(c, &s->creq, s->signed_headers.data, s->signed_headers.len) || sb_putc(c, &s->creq, '\n') ||
	    sb_puts(c, &s->creq, s->payload))
		return PIAM_ENOMEM;
	return PIAM_OK;
}

int piam__sigv4_canonical_request(piam_client *c, const struct piam__sig_request *req,
				  const struct piam__sig_params *p, long long expires, const char **out)
{
	struct piam__sigv4_cache *s;
	struct plan pl;
	int rc;

	*out = NULL;
	if ((rc = check_input(c, req, p, expires)))
		return rc;
	if (!(s = cache(c)))
		return PIAM_ENOMEM;
	make_plan(&pl, p, expires);
	if ((rc = build(c, s, req, p, &pl)))
		return rc;
	*out = s->creq.data;
	return PIAM_OK;
}

void piam__sigv4_string_to_sign(char out[PIAM__SIGV4_STS_MAX], const char *amz_date, const char *scope,
				const char *canonical_request, size_t len)
{
	unsigned char h[PIAM__SHA256_LEN];
	char hex[2 * PIAM__SHA256_LEN + 1];

	size_t dlen = strlen(amz_date), slen = strlen(scope);
	char *o = out;

	if (17 + dlen + 1 + slen + 1 + sizeof(hex) > PIAM__SIGV4_STS_MAX) {
		out[0] = '\0';
		return;
	}
	piam__sha256(canonical_request, len, h);
	piam__hex(h, sizeof(h), hex);
	o = copy_n(o, ALGORITHM "\n", 17);
	o = copy_n(o, amz_date, dlen);
	*o++ = '\n';
	o = copy_n(o, scope, slen);
	*o++ = '\n';
	copy_n(o, hex, sizeof(hex) - 1);
}

/* The key chain from "AWS4" + secret (k, klen) through date, region, service and "aws4_request". */
static int derive(unsigned char out[PIAM__SHA256_LEN], const char *k, size_t klen, const char *date8,
		  const char *region, const char *service)
{
	unsigned char a[PIAM__SHA256_LEN], b[PIAM__SHA256_LEN];
	int rc = piam__hmac_sha256(k, klen, date8, 8, a) || piam__hmac_sha256(a, sizeof(a), region, strlen(region), b) ||
		 piam__hmac_sha256(b, sizeof(b), service, strlen(service), a) ||
		 piam__hmac_sha256(a, sizeof(a), "aws4_request", 12, out);

	piam__wipe(a, sizeof(a));
	piam__wipe(b, sizeof(b));
	return rc ? PIAM_EINVAL : PIAM_OK;
}

int piam__sigv4_signing_key(unsigned char out[PIAM__SHA256_LEN], const char *secret, const char *date8,
			    const char *region, const char *service)
{
	char k[4 + 4096];
	size_t n = strlen(secret);
	int rc;

	if (n > sizeof(k) - 4 || strlen(date8) < 8)
		return PIAM_EINVAL;
	memcpy(k, "AWS4", 4);
	memcpy(k + 4, secret, n);
	rc = derive(out, k, 4 + n, date8, region, service);
	piam__wipe(k, 4 + n);
	return rc;
}

int piam__sigv4_signature(char out[2 * PIAM__SHA256_LEN + 1], const unsigned char key[PIAM__SHA256_LEN],
			  const char *string_to_sign)
{
	unsigned char mac[PIAM__SHA256_LEN];

	if (piam__hmac_sha256(key, PIAM__SHA256_LEN, string_to_sign, strlen(string_to_sign), mac))
		return PIAM_EINVAL;
	piam__hex(mac, sizeof(mac), out);
	return PIAM_OK;
}

/* The cached key, derived again only when the secret, date, region or service changed. */
static int signing_key(piam_client *c, struct piam__sigv4_cache *s, const struct piam__sig_params *p)
{
	const char *secret = p->creds->secret_access_key;
	size_t n = strlen(secret);

	if (s->key_valid && s->secret.len == 4 + n && memcmp(s->secret.data + 4, secret, n) == 0 &&
	    memcmp(s->date8, s->amz_date, 8) == 0 && strcmp(s->region, p->region) == 0 &&
	    strcmp(s->service, p->service) == 0)
		return PIAM_OK;
	s->key_valid = 0;
	if (s->secret.data)
		piam__wipe(s->secret.data, s->secret.cap);
	sb_reset(&s->secret);
	if (sb_put(c, &s->secret, "AWS4", 4) || sb_put(c, &s->secret, secret, n))
		return PIAM_ENOMEM;
	memcpy(s->date8, s->amz_date, 8);
	s->date8[8] = '\0';
	strcpy(s->region, p->region);
	strcpy(s->service, p->service);
	if (derive(s->key, s->secret.data, s->secret.len, s->date8, s->region, s->service) ||
	    piam__hmac_sha256_prepare(&s->mac_key, s->key, sizeof(s->key)))
		return piam__error(c, PIAM_EINVAL, "could not derive the signing key");
	s->key_valid = 1;
	s->derivations++;
	return PIAM_OK;
}

unsigned long piam__sigv4_key_derivations(const piam_client *c)
{
	return c->sigv4 ? c->sigv4->derivations : 0;
}

/* All three steps; leaves the signature in s->signature. */
static int sign_all(piam_client *c, const struct piam__sig_request *req, const struct piam__sig_params *p,
		    long long expires, struct plan *pl, struct piam__sigv4_cache **out)
{
	struct piam__sigv4_cache *s;
	unsigned char mac[PIAM__SHA256_LEN];
	int rc;

	if ((rc = check_input(c, req, p, expires)))
		return rc;
	if (!(s = cache(c)))
		return PIAM_ENOMEM;
	/* Whatever an earlier call returned is about to be overwritten. */
	s->have_steps = 0;
	s->nresult = 0;
	make_plan(pl, p, expires);
	if ((rc = build(c, s, req, p, pl)) || (rc = signing_key(c, s, p)))
		return rc;
	piam__sigv4_string_to_sign(s->sts, s->amz_date, s->scope, s->creq.data, s->creq.len);
	if (piam__hmac_sha256_with(&s->mac_key, s->sts, strlen(s->sts), mac))
		return piam__error(c, PIAM_EINVAL, "could not compute the signature");
	piam__hex(mac, sizeof(mac), s->signature);
	s->have_steps = 1;
	*out = s;
	return PIAM_OK;
}

int piam__sigv4_sign(piam_client *c, const struct piam__sig_request *req, const struct piam__sig_params *p,
		     struct piam__sig_header out[4], size_t *nout)
{
	struct piam__sigv4_cache *s;
	struct plan pl;
	const char *akid;
	size_t n = 0;
	int rc;

	if (!out || !nout)
		return piam__error(c, PIAM_EINVAL, "no room for the signed headers");
	*nout = 0;
	if (p && (p->flags & PIAM_SIGN_PRESIGN))
		return piam__error(c, PIAM_EINVAL, "presigning goes through piam__sigv4_presign");
	if ((rc = sign_all(c, req, p, 0, &pl, &s)))
		return rc;
	akid = p->creds->access_key_id;
	sb_reset(&s->out);
	if (sb_puts(c, &s->out, ALGORITHM " Credential=") || sb_puts(c, &s->out, akid) || sb_putc(c, &s->out, '/') ||
	    sb_puts(c, &s->out, s->scope) || sb_puts(c, &s->out, ", SignedHeaders=") ||
	    sb_put(c, &s->out, s->signed_headers.data, s->signed_headers.len) ||
	    sb_puts(c, &s->out, ", Signature=") || sb_puts(c, &s->out, s->signature))
		return PIAM_ENOMEM;
	if (pl.token) {
		out[n].name = "X-Amz-Security-Token";
		out[n++].value = pl.token;
	}
	out[n].name = "X-Amz-Date";
	out[n++].value = s->amz_date;
	if (pl.add_content_sha) {
		out[n].name = "x-amz-content-sha256";
		out[n++].value = s->payload;
	}
	out[n].name = "Authorization";
	out[n++].value = s->out.data;
	*nout = n;
	return PIAM_OK;
}

int piam__sigv4_presign(piam_client *c, const struct piam__sig_request *req, const struct piam__sig_params *p,
			long long expires, struct piam__sig_header out[PIAM__SIGV4_PRESIGN_MAX], size_t *nout)
{
	static const char *const names[PIAM__SIGV4_PRESIGN_MAX] = {
		"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders",
		"X-Amz-Expires", "X-Amz-Security-Token", "X-Amz-Signature"};
	size_t offs[PIAM__SIGV4_PRESIGN_MAX], i, n = 0;
	struct piam__sigv4_cache *s;
	struct piam__sig_params pp;
	struct plan pl;
	const char *akid;
	int rc;

	if (!out || !nout)
		return piam__error(c, PIAM_EINVAL, "no room for the query parameters");
	*nout = 0;
	if (!p)
		return piam__error(c, PIAM_EINVAL, "no signing parameters");
	pp = *p;
	pp.flags |= PIAM_SIGN_PRESIGN;
	if ((rc = sign_all(c, req, &pp, expires, &pl, &s)))
		return rc;
	akid = p->creds->access_key_id;
	sb_reset(&s->out);
	for (i = 0; i < PIAM__SIGV4_PRESIGN_MAX; i++) {
		const char *v;

		if (i == 5 && !pl.token)
			continue;
		offs[n] = s->out.len;
		out[n++].name = names[i];
		switch (i) {
		case 0:
			rc = sb_puts(c, &s->out, ALGORITHM);
			break;
		case 1:
			rc = encode(c, &s->out, akid, strlen(akid), ENC_RAW) || sb_puts(c, &s->out, "%2F") ||
			     encode(c, &s->out, s->scope, strlen(s->scope), ENC_RAW);
			break;
		default:
			v = i == 2 ? s->amz_date : i == 3 ? s->signed_headers.data : i == 4 ? s->expires
			  : i == 5 ? pl.token : s->signature;
			rc = encode(c, &s->out, v, strlen(v), ENC_RAW);
			break;
		}
		if (rc || sb_putc(c, &s->out, '\0'))
			return PIAM_ENOMEM;
	}
	for (i = 0; i < n; i++)
		out[i].value = s->out.data + offs[i];
	*nout = n;
	return PIAM_OK;
}

PIAM_API int piam_sign_request(size_t *out_count, piam_client *client, const char *service, const char *region,
			       long long time, unsigned flags, long long expires, const char *method,
			       const char *path, const char *query, const char *const *header_names,
			       const char *const *header_values, size_t header_count, const void *body,
			       size_t body_len, const char *payload_hash)
{
	struct piam__sig_request req;
	struct piam__sig_params p;
	const struct piam__credentials *creds;
	struct piam__sigv4_cache *s;
	struct piam__sig_header *hdrs;
	size_t i;
	int rc;

	if (out_count)
		*out_count = 0;
	if (!client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	/* A failed call leaves no results behind that a careless caller could send. */
	if (client->sigv4) {
		client->sigv4->nresult = 0;
		client->sigv4->have_steps = 0;
	}
	if (!out_count)
		return piam__error(client, PIAM_EINVAL, "out_count is NULL");
	if (header_count && (!header_names || !header_values))
		return piam__error(client, PIAM_EINVAL, "header_names or header_values is NULL");
	if (!(flags & PIAM_SIGN_PRESIGN) && expires != 0)
		return piam__error(client, PIAM_EINVAL, "expires is for presigning: pass 0 without PIAM_SIGN_PRESIGN");
	if ((rc = piam__credentials_get(client, &creds)))
		return rc;
	if (!(s = cache(client)) ||
	    !(hdrs = grow_array(client, s->req_hdrs, &s->req_hdrs_cap, header_count, sizeof(*s->req_hdrs))))
		return PIAM_ENOMEM;
	s->req_hdrs = hdrs;
	for (i = 0; i < header_count; i++) {
		s->req_hdrs[i].name = header_names[i];
		s->req_hdrs[i].value = header_values[i];
	}
	req.method = method;
	req.path = path;
	req.query = query;
	req.headers = s->req_hdrs;
	req.nheaders = header_count;
	req.body = body;
	req.body_len = body_len;
	req.payload_hash = payload_hash;
	p.service = service;
	p.region = region;
	p.time = time;
	p.flags = flags;
	p.creds = creds;
	if (flags & PIAM_SIGN_PRESIGN)
		rc = piam__sigv4_presign(client, &req, &p, expires, s->result, &s->nresult);
	else
		rc = piam__sigv4_sign(client, &req, &p, s->result, &s->nresult);
	if (rc)
		return rc;
	*out_count = s->nresult;
	return PIAM_OK;
}

PIAM_API int piam_sign_result(const char **out_name, const char **out_value, const piam_client *client,
			      size_t index)
{
	if (out_name)
		*out_name = NULL;
	if (out_value)
		*out_value = NULL;
	if (!out_name || !out_value || !client || !client->sigv4 || index >= client->sigv4->nresult)
		return PIAM_EINVAL;
	*out_name = client->sigv4->result[index].name;
	*out_value = client->sigv4->result[index].value;
	return PIAM_OK;
}

PIAM_API int piam_sign_steps(const char **out_canonical_request, const char **out_string_to_sign,
			     const piam_client *client)
{
	if (out_canonical_request)
		*out_canonical_request = NULL;
	if (out_string_to_sign)
		*out_string_to_sign = NULL;
	if (!out_canonical_request || !out_string_to_sign || !client || !client->sigv4 || !client->sigv4->have_steps)
		return PIAM_EINVAL;
	*out_canonical_request = client->sigv4->creq.data;
	*out_string_to_sign = client->sigv4->sts;
	return PIAM_OK;
}
