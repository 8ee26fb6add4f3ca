/*
 * Whole setups against moto_server, run under with_moto.py:
 *   test_stress_moto secrets   a setup, plan and teardown at PIAM_LOG_TRACE with a recognisable
 *                              secret key and session token (moto --no-auth): neither, nor the
 *                              derived signing key, in any log line; every block that held one
 *                              wiped before it was freed
 *   test_stress_moto sweep [STRIDE [FIRST]]   fail the Nth allocation of a setup, then of a
 *                              teardown, for every N (every STRIDE-th from FIRST): each run ends
 *                              with a clean error, no leak, the secret key wiped; afterwards a
 *                              normal setup converges and teardown leaves nothing. PIAM_SWEEP_LOG=1
 *                              prints the trace of a run that leaked; PIAM_SWEEP_LAST=N stops at N.
 *   test_stress_moto threads [N]   N threads (8), each with its own client, each running plan,
 *                              setup, setup again and teardown on its own role at the same time
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "internal.h"
#include "request.h"
#include "testalloc.h"

CHECK_MAIN;

#define SECRET "piamTESTsecretKEY/0123456789+abcdefghijklmnop"
#define TOKEN "piamTESTsessionTOKEN//AQoDYXdzEJr+1234567890abcdefghijklmnopqrstuvwxyz=="

static const char *endpoint, *region, *key_id, *secret;

static piam_client *new_client(struct testalloc *t, const char *id, const char *sec, const char *token)
{
	piam_allocator a;
	piam_client *c = NULL;

	if (t)
		a = testalloc_allocator(t);
	if (piam_client_new(&c, t ? &a : NULL) != PIAM_OK)
		return NULL;
	if (piam_client_set_region(c, region) || piam_client_set_endpoint(c, NULL, endpoint) ||
	    piam_client_set_credentials(c, id, sec, token) || piam_client_set_timeouts(c, 0, 20000)) {
		piam_client_free(c);
		return NULL;
	}
	return c;
}

static piam_options *new_options(piam_client *c, const char *role, const char *bucket)
{
	piam_options *o = NULL;

	if (piam_options_new(&o, c) || piam_options_set_role_name(o, role) || piam_options_add_input_bucket(o, bucket)) {
		piam_options_free(o);
		return NULL;
	}
	return o;
}

static int role_exists(piam_client *c, const char *role)
{
	piam_aws_result *r = NULL;
	int rc = piam_iam_get_role(&r, c, role);

	piam_aws_result_free(r);
	return rc != PIAM_ENOTFOUND;
}

static int create_bucket(piam_client *c, const char *bucket)
{
	struct piam__request req = {0};
	struct piam__http_response resp;
	int rc;

	memset(&resp, 0, sizeof(resp));
	req.svc = PIAM__SVC_S3;
	req.op = "CreateBucket";
	req.method = "PUT";
	req.bucket = bucket;
	rc = piam__request_send(c, &req, &resp);
	piam__http_response_free(c, &resp);
	return rc;
}

enum run_kind { PLAN, SETUP, TEARDOWN };

/* One plan/setup/teardown; *all_unchanged tells whether every step was left as it was. */
static int run(piam_client *c, const piam_options *o, enum run_kind kind, int *all_unchanged)
{
	piam_plan *plan = NULL;
	size_t i;
	int rc;

	rc = kind == PLAN ? piam_setup_plan(&plan, c, o)
	     : kind == SETUP ? piam_setup_apply(&plan, c, o) : piam_setup_teardown(&plan, c, o);
	if (all_unchanged) {
		*all_unchanged = plan != NULL;
		for (i = 0; plan && i < piam_plan_count(plan); i++)
			if (strcmp(piam_plan_step_status(plan, i), "unchanged") != 0)
				*all_unchanged = 0;
	}
	piam_plan_free(plan);
	return rc;
}

/* Secrets. */

struct log_capture {
	char *all;
	size_t len, cap;
	long lines;
};

static void capture(int level, const char *message, void *userdata)
{
	struct log_capture *l = userdata;
	size_t n = strlen(message);
	char *p;

	(void)level;
	if (l->len + n + 2 > l->cap) {
		l->cap = (l->len + n + 2) * 2;
		if (!(p = realloc(l->all, l->cap)))
			abort();
		l->all = p;
	}
	memcpy(l->all + l->len, message, n);
	l->len += n;
	l->all[l->len++] = '\n';
	l->all[l->len] = '\0';
	l->lines++;
}

static int contains(const struct log_capture *l, const void *needle, size_t n)
{
	size_t i;

	for (i = 0; l->all && i + n <= l->len; i++)
		if (memcmp(l->all + i, needle, n) == 0)
			return 1;
	return 0;
}

/* The SigV4 keys derived from SECRET for `day` (YYYYMMDD): kDate, kRegion, kService, kSigning. */
static void derived_keys(const char *day, const char *service, unsigned char keys[4][PIAM__SHA256_LEN])
{
	char k0[128];

	snprintf(k0, sizeof(k0), "AWS4%s", SECRET);
	piam__hmac_sha256(k0, strlen(k0), day, strlen(day), keys[0]);
	piam__hmac_sha256(keys[0], PIAM__SHA256_LEN, region, strlen(region), keys[1]);
	piam__hmac_sha256(keys[1], PIAM__SHA256_LEN, service, strlen(service), keys[2]);
	piam__hmac_sha256(keys[2], PIAM__SHA256_LEN, "aws4_request", 12, keys[3]);
}

static void check_no_secret_in(const struct log_capture *l)
{
	static const char *const services[] = {"iam", "sts", "s3"};
	unsigned char keys[4][PIAM__SHA256_LEN];
	char hex[2 * PIAM__SHA256_LEN + 1], day[16];
	time_t now = time(NULL);
	size_t s, k;
	int d;

	CHECK(!contains(l, SECRET, strlen(SECRET)));
	CHECK(!contains(l, TOKEN, strlen(TOKEN)));
	/* parts of them too: a log line that printed half a key would still leak it */
	CHECK(!contains(l, SECRET + 8, 16));
	CHECK(!contains(l, TOKEN + 20, 16));
	for (d = -1; d <= 1; d++) {
		time_t t = now + d * 86400;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(day, sizeof(day), "%Y%m%d", &tm);
		for (s = 0; s < PIAM__ARRAY_LEN(services); s++) {
			derived_keys(day, services[s], keys);
			for (k = 0; k < 4; k++) {
				piam__hex(keys[k], PIAM__SHA256_LEN, hex);
				CHECK(!contains(l, hex, strlen(hex)));
				CHECK(!contains(l, keys[k], 12));
			}
		}
	}
}

static void test_secrets(void)
{
	const char *forbidden[] = {SECRET, TOKEN};
	struct log_capture l = {NULL, 0, 0, 0};
	size_t f;

	for (f = 0; f < PIAM__ARRAY_LEN(forbidden); f++) {
		struct testalloc t = {0};
		piam_client *c;
		piam_options *o;
		int same;

		t.forbidden = forbidden[f];
		if (!(c = new_client(&t, "AKIDPIAMTESTSECRETS1", SECRET, TOKEN))) {
			CHECK(!"client");
			return;
		}
		CHECK_INT(piam_client_set_log(c, capture, PIAM_LOG_TRACE, &l), PIAM_OK);
		o = new_options(c, f ? "SecretsRoleB" : "SecretsRoleA", "secrets-bucket");
		CHECK(o != NULL);
		CHECK_INT(create_bucket(c, "secrets-bucket"), PIAM_OK);
		CHECK_INT(run(c, o, PLAN, NULL), PIAM_OK);
		CHECK_INT(run(c, o, SETUP, NULL), PIAM_OK);
		CHECK_INT(run(c, o, SETUP, &same), PIAM_OK);
		CHECK(same);
		CHECK_INT(run(c, o, TEARDOWN, NULL), PIAM_OK);
		/* a failure's message too: a role that cannot be read */
		CHECK(!role_exists(c, "NoSuchRoleHere"));
		piam_options_free(o);
		piam_client_free(c);
		CHECK_INT(t.live, 0);
		CHECK_INT(t.leaked_secret, 0);
	}
	CHECK(l.lines > 50); /* the trace did log: requests, replies, steps */
	check_no_secret_in(&l);
	printf("secrets: %ld log lines at PIAM_LOG_TRACE, no secret, token or derived key in them; "
	       "every block holding the secret or token wiped before free\n", l.lines);
	free(l.all);
}

/* The allocation-failure sweep. */

static long sweep_from = 1;

/*
 * Fail allocation n of a setup (or teardown), for n = 1, 1 + stride, ... until a run needs no
 * more; between runs, `normal` undoes (or redoes) what the failed run did, so that every run
 * starts from the same state: nothing (or a whole setup) — every write path is swept.
 */
static long sweep(piam_client *normal, piam_options *normal_o, enum run_kind kind, long stride, long *runs)
{
	const char *role = "SweepRole", *bucket = "sweep-bucket";
	long n;

	for (n = sweep_from; !getenv("PIAM_SWEEP_LAST") || n <= atol(getenv("PIAM_SWEEP_LAST")); n += stride) {
		struct testalloc t = {0};
		piam_client *c;
		piam_options *o;
		int rc = PIAM_ENOMEM;

		struct log_capture l = {NULL, 0, 0, 0};

		t.fail_at = n;
		t.forbidden = secret; /* wiped on the failure paths too */
		if ((c = new_client(&t, key_id, secret, NULL)) && getenv("PIAM_SWEEP_LOG"))
			piam_client_set_log(c, capture, PIAM_LOG_TRACE, &l);
		if (c && (o = new_options(c, role, bucket))) {
			rc = run(c, o, kind, NULL);
			if (rc != PIAM_OK) {
				/* a clean error: a code, a message, and the failed allocation was ours to report */
				CHECK(piam_client_error(c) == rc);
				CHECK(piam_client_error_message(c)[0] != '\0');
				/* and out of memory is what it says (not, say, a write sent twice: EEXISTS) */
				if (rc != PIAM_ENOMEM)
					fprintf(stderr, "sweep %s: failing allocation %ld: %s: %s\n",
						kind == SETUP ? "setup" : "teardown", n, piam_status_name(rc),
						piam_client_error_message(c));
				CHECK_INT(rc, PIAM_ENOMEM);
			}
			piam_options_free(o);
		}
		piam_client_free(c);
		if (t.live != 0) {
			fprintf(stderr, "sweep %s: failing allocation %ld leaked %ld blocks\n",
				kind == SETUP ? "setup" : "teardown", n, t.live);
			CHECK_INT(t.live, 0);
			if (l.all)
				fprintf(stderr, "%s", l.all);
		}
		free(l.all);
		CHECK_INT(t.leaked_secret, 0);
		if (t.failures) /* back to where the sweep starts (the run that went through is kept) */
			CHECK_INT(run(normal, normal_o, kind == SETUP ? TEARDOWN : SETUP, NULL), PIAM_OK);
		(*runs)++;
		if (t.failures == 0) {
			/* this run allocated fewer than n blocks: the sweep is complete */
			CHECK_INT(rc, PIAM_OK);
			return n;
		}
	}
	return n;
}

static void test_sweep(long stride)
{
	piam_client *c = new_client(NULL, key_id, secret, NULL);
	piam_options *o = c ? new_options(c, "SweepRole", "sweep-bucket") : NULL;
	long runs = 0, n_setup, n_teardown;
	int same = 0;
	time_t start = time(NULL);

	if (!o) {
		CHECK(!"client");
		piam_client_free(c);
		return;
	}
	CHECK_INT(create_bucket(c, "sweep-bucket"), PIAM_OK);
	n_setup = sweep(c, o, SETUP, stride, &runs);
	/* whatever the failed runs left, a normal run converges */
	CHECK_INT(run(c, o, SETUP, NULL), PIAM_OK);
	CHECK_INT(run(c, o, SETUP, &same), PIAM_OK);
	CHECK(same);
	n_teardown = sweep(c, o, TEARDOWN, stride, &runs);
	CHECK_INT(run(c, o, TEARDOWN, &same), PIAM_OK);
	CHECK(same); /* nothing was left for it to do */
	CHECK(!role_exists(c, "SweepRole"));
	printf("sweep: a setup makes %ld allocations and a teardown %ld; %ld runs (every %ld), each failed "
	       "cleanly without a leak, then converged; %ld s\n",
	       n_setup - 1, n_teardown - 1, runs, stride, (long)(time(NULL) - start));
	piam_options_free(o);
	piam_client_free(c);
}

/* Threads. */

struct worker {
	pthread_t thread;
	int index;
	int rc[5];
	int unchanged;
	long live;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct testalloc t = {0};
	char role[32], bucket[32];
	piam_client *c;
	piam_options *o = NULL;

	snprintf(role, sizeof(role), "ThreadRole%d", w->index);
	snprintf(bucket, sizeof(bucket), "thread-bucket-%d", w->index);
	if (!(c = new_client(&t, key_id, secret, NULL)) || !(o = new_options(c, role, bucket))) {
		w->rc[0] = PIAM_ENOMEM;
		piam_client_free(c);
		return NULL;
	}
	w->rc[0] = create_bucket(c, bucket);
	w->rc[1] = run(c, o, PLAN, NULL);
	w->rc[2] = run(c, o, SETUP, NULL);
	w->rc[3] = run(c, o, SETUP, &w->unchanged);
	w->rc[4] = run(c, o, TEARDOWN, NULL);
	if (w->rc[4] == PIAM_OK && role_exists(c, role))
		w->rc[4] = PIAM_EEXISTS;
	piam_options_free(o);
	piam_client_free(c);
	w->live = t.live;
	return NULL;
}

static void test_threads(int n)
{
	struct worker w[64];
	time_t start = time(NULL);
	int i, k, ok = 0;

	if (n < 1 || n > 64)
		n = 8;
	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].index = i;
		CHECK_INT(pthread_create(&w[i].thread, NULL, work, &w[i]), 0);
	}
	for (i = 0; i < n; i++) {
		CHECK_INT(pthread_join(w[i].thread, NULL), 0);
		for (k = 0; k < 5; k++)
			CHECK_INT(w[i].rc[k], PIAM_OK);
		CHECK(w[i].unchanged);
		CHECK_INT(w[i].live, 0);
		ok += w[i].rc[4] == PIAM_OK;
	}
	printf("threads: %d of %d threads ran plan, setup, setup, teardown on their own role at once; %ld s\n", ok, n,
	       (long)(time(NULL) - start));
}

int main(int argc, char **argv)
{
	endpoint = getenv("PIAM_TEST_ENDPOINT");
	region = getenv("PIAM_TEST_REGION");
	key_id = getenv("PIAM_TEST_ACCESS_KEY_ID");
	secret = getenv("PIAM_TEST_SECRET_ACCESS_KEY");
	if (!endpoint || !region || !key_id || !secret || argc < 2) {
		fprintf(stderr, "usage: with_moto.py %s secrets|sweep [STRIDE]|threads [N]\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "secrets") == 0)
		test_secrets();
	else if (strcmp(argv[1], "sweep") == 0 && (sweep_from = argc > 3 ? atol(argv[3]) : 1) > 0)
		test_sweep(argc > 2 ? atol(argv[2]) : 1);
	else if (strcmp(argv[1], "threads") == 0)
		test_threads(argc > 2 ? atoi(argv[2]) : 8);
	else
		return 2;
	return check_exit();
}
