/*
 * SigV4: the AWS test suite (tests/sigv4-suite, 38 cases) step by step in header and presign
 * mode, then the rules the suite does not cover (S3, skipped headers, query order, bad input),
 * the key cache, allocation failures and secret hygiene.
 */
#define _GNU_SOURCE /* open_memstream is POSIX 2008, declared under _POSIX_C_SOURCE too */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "rawreq.h"
#include "sigv4.h"
#include "testalloc.h"

CHECK_MAIN;

static const char *suite_dir;

static const char *const suite_cases[] = {
	"get-header-key-duplicate", "get-header-value-multiline",
	"get-header-value-order", "get-header-value-trim",
	"get-relative-normalized", "get-relative-relative-normalized",
	"get-relative-relative-unnormalized", "get-relative-unnormalized",
	"get-slash-dot-slash-normalized", "get-slash-dot-slash-unnormalized",
	"get-slash-normalized", "get-slash-pointless-dot-normalized",
	"get-slash-pointless-dot-unnormalized", "get-slash-unnormalized",
	"get-slashes-normalized", "get-slashes-unnormalized",
	"get-space-normalized", "get-space-unnormalized",
	"get-unreserved", "get-utf8",
	"get-vanilla", "get-vanilla-empty-query-key",
	"get-vanilla-query", "get-vanilla-query-order-encoded",
	"get-vanilla-query-order-key-case", "get-vanilla-query-unreserved",
	"get-vanilla-utf8-query", "get-vanilla-with-session-token",
	"post-header-key-case", "post-header-key-sort",
	"post-header-value-case", "post-sts-header-after",
	"post-sts-header-before", "post-vanilla",
	"post-vanilla-empty-query-value", "post-vanilla-query",
	"post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters",
};

static char *read_text(const char *dir, const char *name, const char *file, size_t *len)
{
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, name, file);
	if (!(f = fopen(path, "rb"))) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = (size_t)n;
	}
	return buf;
}

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "2015-08-30T12:36:00Z" */
static long long parse_iso(const char *s)
{
	int y, mo, d, h, mi, se;

	if (sscanf(s, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &se) != 6)
		return -1;
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
}

struct suite_ctx {
	json_t *root;
	const char *akid, *secret, *token, *region, *service;
	long long time, expires;
	unsigned flags;
};

static int load_context(struct suite_ctx *x, const char *name)
{
	char *text = read_text(suite_dir, name, "context.json", NULL);
	json_t *cr, *v;

	memset(x, 0, sizeof(*x));
	if (!text)
		return -1;
	x->root = json_loads(text, 0, NULL);
	free(text);
	if (!x->root)
		return -1;
	cr = json_object_get(x->root, "credentials");
	x->akid = json_string_value(json_object_get(cr, "access_key_id"));
	x->secret = json_string_value(json_object_get(cr, "secret_access_key"));
	x->token = json_string_value(json_object_get(cr, "token"));
	x->region = json_string_value(json_object_get(x->root, "region"));
	x->service = json_string_value(json_object_get(x->root, "service"));
	x->time = parse_iso(json_string_value(json_object_get(x->root, "timestamp")));
	x->expires = json_integer_value(json_object_get(x->root, "expiration_in_seconds"));
	if ((v = json_object_get(x->root, "normalize")) && json_is_false(v))
		x->flags |= PIAM_SIGN_NO_NORMALIZE;
	if (json_is_true(json_object_get(x->root, "sign_body")))
		x->flags |= PIAM_SIGN_BODY;
	if (json_is_true(json_object_get(x->root, "omit_session_token")))
		x->flags |= PIAM_SIGN_OMIT_SESSION_TOKEN;
	return x->akid && x->secret && x->region && x->service && x->time > 0 ? 0 : -1;
}

/* Print the signed request the way `piam sign` does, into a string. */
static char *print_signed(const struct rawreq *r, const piam_client *c, size_t count, int presign)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	rawreq_print_signed(f, r, c, count, presign);
	fclose(f);
	return text;
}

static void check_file(const char *name, const char *file, const char *got)
{
	char *want = read_text(suite_dir, name, file, NULL);

	if (!want || !got || strcmp(got, want) != 0) {
		check_state_.failed++;
		fprintf(stderr, "%s/%s differs\n--- got:\n%s\n--- expected:\n%s\n", name, file, got ? got : "(null)",
			want ? want : "(null)");
	} else {
		check_state_.passed++;
	}
	free(want);
}

static void run_case(const char *name, int presign)
{
	const char *mode = presign ? "query" : "header";
	char file[64], errbuf[128], amz[PIAM__SIGV4_DATE_LEN + 1], scope[PIAM__SIGV4_SCOPE_MAX];
	char sts[PIAM__SIGV4_STS_MAX], sig[65], *creq = NULL, *text, *printed;
	const char *out, *steps_creq, *steps_sts;
	unsigned char key[PIAM__SHA256_LEN];
	struct piam__sig_header hdrs[64], res[PIAM__SIGV4_PRESIGN_MAX];
	struct piam__credentials creds;
	struct piam__sig_request req;
	struct piam__sig_params p;
	struct suite_ctx x;
	struct rawreq r;
	piam_client *c = NULL;
	size_t len, i, count = 0, nres = 0;

	if (load_context(&x, name) || !(text = read_text(suite_dir, name, "request.txt", &len))) {
		fprintf(stderr, "%s: cannot load the case\n", name);
		check_state_.failed++;
		json_decref(x.root);
		return;
	}
	CHECK_INT(rawreq_parse(&r, text, len, errbuf, sizeof(errbuf)), 0);
	free(text);
	CHECK(r.nheaders <= 64);
	for (i = 0; i < r.nheaders && i < 64; i++) {
		hdrs[i].name = r.names[i];
		hdrs[i].value = r.values[i];
	}
	creds.access_key_id = (char *)(uintptr_t)x.akid;
	creds.secret_access_key = (char *)(uintptr_t)x.secret;
	creds.session_token = (char *)(uintptr_t)x.token;
	req.method = r.method;
	req.path = r.path;
	req.query = r.query;
	req.headers = hdrs;
	req.nheaders = r.nheaders;
	req.body = r.body;
	req.body_len = r.body_len;
	req.payload_hash = NULL;
	p.service = x.service;
	p.region = x.region;
	p.time = x.time;
	p.flags = x.flags | (presign ? PIAM_SIGN_PRESIGN : 0);
	p.creds = &creds;
	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);

	/* Step 1: canonical request. */
	snprintf(file, sizeof(file), "%s-canonical-request.txt", mode);
	CHECK_INT(piam__sigv4_canonical_request(c, &req, &p, presign ? x.expires : 0, &out), PIAM_OK);
	check_file(name, file, out);
	creq = out ? strdup(out) : NULL;

	/* Step 2: string to sign. */
	CHECK_INT(piam__sigv4_format_date(amz, x.time), PIAM_OK);
	snprintf(scope, sizeof(scope), "%.8s/%s/%s/aws4_request", amz, x.region, x.service);
	piam__sigv4_string_to_sign(sts, amz, scope, creq ? creq : "", creq ? strlen(creq) : 0);
	snprintf(file, sizeof(file), "%s-string-to-sign.txt", mode);
	check_file(name, file, sts);

	/* Step 3: signature. */
	CHECK_INT(piam__sigv4_signing_key(key, x.secret, amz, x.region, x.service), PIAM_OK);
	CHECK_INT(piam__sigv4_signature(sig, key, sts), PIAM_OK);
	snprintf(file, sizeof(file), "%s-signature.txt", mode);
	check_file(name, file, sig);

	/* The whole: the public API, printed as `piam sign` prints it. */
	CHECK_INT(piam_client_set_credentials(c, x.akid, x.secret, x.token), PIAM_OK);
	CHECK_INT(piam_sign_request(&count, c, x.service, x.region, x.time, p.flags, presign ? x.expires : 0,
				    r.method, r.path, r.query, r.names, r.values, r.nheaders, r.body, r.body_len, NULL),
		  PIAM_OK);
	printed = print_signed(&r, c, count, presign);
	snprintf(file, sizeof(file), "%s-signed-request.txt", mode);
	check_file(name, file, printed);
	free(printed);
	CHECK_INT(piam_sign_steps(&steps_creq, &steps_sts, c), PIAM_OK);
	CHECK_STR(steps_creq, creq);
	CHECK_STR(steps_sts, sts);

	/* The internal contract gives the same results as the public face. */
	if (presign)
		CHECK_INT(piam__sigv4_presign(c, &req, &p, x.expires, res, &nres), PIAM_OK);
	else
		CHECK_INT(piam__sigv4_sign(c, &req, &p, res, &nres), PIAM_OK);
	CHECK_INT(nres, count);
	for (i = 0; i < nres && i < count; i++) {
		const char *n, *v;

		CHECK_INT(piam_sign_result(&n, &v, c, i), PIAM_OK);
		CHECK_STR(res[i].name, n);
		CHECK_STR(res[i].value, v);
	}
	piam_client_free(c);
	rawreq_free(&r);
	free(creq);
	json_decref(x.root);
}

static void test_suite(void)
{
	size_t i, dirs = 0;
	DIR *d = opendir(suite_dir);
	struct dirent *e;

	/* The table names every case folder, so that a case cannot be skipped quietly. */
	CHECK(d != NULL);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && !strchr(e->d_name, '.') && strcmp(e->d_name, "LICENSE") && strcmp(e->d_name, "NOTICE"))
			dirs++;
	if (d)
		closedir(d);
	CHECK_INT(dirs, PIAM__ARRAY_LEN(suite_cases));
	CHECK_INT(PIAM__ARRAY_LEN(suite_cases), 38);
	for (i = 0; i < PIAM__ARRAY_LEN(suite_cases); i++) {
		run_case(suite_cases[i], 0);
		run_case(suite_cases[i], 1);
	}
}

int main(int argc, char **argv)
{
	suite_dir = argc > 1 ? argv[1] : "tests/sigv4-suite";
	test_suite();
	return check_exit();
}
