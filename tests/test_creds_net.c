/*
 * Container credentials and EC2 instance metadata against tests/creds/metadata_server.py (run
 * under it; skipped without PIAM_TEST_METADATA_URL). The server refuses reads without the IMDSv2
 * session token, so a success proves the handshake; its request log is checked as well.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "config.h"
#include "creds.h"
#include "http.h"
#include "internal.h"
#include "testalloc.h"
#include "testenv.h"

CHECK_MAIN;

static char base_url[200];

static const struct net_case {
	const char *name;
	const char *env[4]; /* "@URL@" stands for the server */
	int rc;
	const char *akid_prefix;
	const char *text; /* part of the source, or of the message */
} net_cases[] = {
	{"IMDSv2: token, role, credentials", {"AWS_EC2_METADATA_DISABLED=false",
					      "AWS_EC2_METADATA_SERVICE_ENDPOINT=@URL@/imds/ok/"},
	 0, "ASIAMETA", "EC2 instance metadata, role piam-role"},
	{"IMDSv2: a failed token request is retried once", {"AWS_EC2_METADATA_DISABLED=false",
							    "AWS_EC2_METADATA_SERVICE_ENDPOINT=@URL@/imds/flaky"},
	 0, "ASIAMETA", "role piam-role"},
	{"IMDS: no instance role", {"AWS_EC2_METADATA_DISABLED=false", "AWS_EC2_METADATA_SERVICE_ENDPOINT=@URL@/imds/norole"},
	 PIAM_ECREDENTIALS, NULL, "EC2 instance metadata (no instance role)"},
	{"IMDS: token refused", {"AWS_EC2_METADATA_DISABLED=false", "AWS_EC2_METADATA_SERVICE_ENDPOINT=@URL@/imds/v1only"},
	 PIAM_ECREDENTIALS, NULL, "(token request: HTTP 403)"},
	{"IMDS: Code not Success", {"AWS_EC2_METADATA_DISABLED=false",
				    "AWS_EC2_METADATA_SERVICE_ENDPOINT=@URL@/imds/badcode"},
	 PIAM_ECREDENTIALS, NULL, "Code is not Success"},
	{"IMDS: too slow, given up quickly", {"AWS_EC2_METADATA_DISABLED=false",
					      "AWS_EC2_METADATA_SERVICE_ENDPOINT=@URL@/imds/slow"},
	 PIAM_ECREDENTIALS, NULL, "(no answer)"},
	{"IMDS disabled", {"AWS_EC2_METADATA_DISABLED=true", "AWS_EC2_METADATA_SERVICE_ENDPOINT=@URL@/imds/ok"},
	 PIAM_ECREDENTIALS, NULL, "(AWS_EC2_METADATA_DISABLED)"},
	{"container: full URI with a token", {"AWS_CONTAINER_CREDENTIALS_FULL_URI=@URL@/container/ok",
					      "AWS_CONTAINER_AUTHORIZATION_TOKEN=container-secret-token"},
	 0, "ASIAMETA", "container credentials (@URL@/container/ok)"},
	{"container: token from a file, over the variable", {"AWS_CONTAINER_CREDENTIALS_FULL_URI=@URL@/container/ok",
							     "AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong",
							     "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=@DIR@/token"},
	 0, "ASIAMETA", "container credentials"},
	{"container: wrong token", {"AWS_CONTAINER_CREDENTIALS_FULL_URI=@URL@/container/ok",
				    "AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong"},
	 PIAM_ECREDENTIALS, NULL, "container credentials: HTTP 401"},
	{"container: server error", {"AWS_CONTAINER_CREDENTIALS_FULL_URI=@URL@/container/error",
				     "AWS_CONTAINER_AUTHORIZATION_TOKEN=container-secret-token"},
	 PIAM_ECREDENTIALS, NULL, "HTTP 500"},
	{"container before IMDS", {"AWS_CONTAINER_CREDENTIALS_FULL_URI=@URL@/container/ok",
				   "AWS_CONTAINER_AUTHORIZATION_TOKEN=container-secret-token",
				   "AWS_EC2_METADATA_DISABLED=false", "AWS_EC2_METADATA_SERVICE_ENDPOINT=@URL@/imds/ok"},
	 0, "ASIAMETA", "container credentials"},
};

static void subst(char *out, size_t cap, const char *in, const char *dir)
{
	size_t n = 0;
	const char *r;

	for (; *in && n + 1 < cap; in++) {
		r = strncmp(in, "@URL@", 5) == 0 ? base_url : strncmp(in, "@DIR@", 5) == 0 ? dir : NULL;
		if (r && n + strlen(r) + 1 < cap) {
			memcpy(out + n, r, strlen(r));
			n += strlen(r);
			in += 4;
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

static void test_providers(void)
{
	const struct piam__credentials *cr;
	struct testenv t;
	piam_client *c;
	char vars[4][256], text[256], path[256];
	const char *list[5];
	size_t i, j;
	int rc;

	for (i = 0; i < PIAM__ARRAY_LEN(net_cases); i++) {
		const struct net_case *nc = &net_cases[i];

		if (testenv_begin(&t, NULL, NULL) != 0) {
			CHECK(0);
			continue;
		}
		testenv_write(&t, "token", "container-secret-token\n", 0, path, sizeof(path));
		for (j = 0; j < 4 && nc->env[j]; j++) {
			subst(vars[j], sizeof(vars[j]), nc->env[j], t.dir);
			list[j] = vars[j];
		}
		list[j] = NULL;
		testenv_set(list);
		subst(text, sizeof(text), nc->text, t.dir);
		CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
		CHECK_INT(piam_client_use_environment(c, 1), PIAM_OK);
		rc = piam__credentials_get(c, &cr);
		CHECK_INT(rc, nc->rc);
		if (!rc && !nc->rc) {
			CHECK(strncmp(cr->access_key_id, nc->akid_prefix, strlen(nc->akid_prefix)) == 0);
			CHECK_STR(cr->session_token, "METATOKEN");
			CHECK(c->config->expiration > (long long)time(NULL));
			CHECK(strstr(c->config->source, text) != NULL);
		} else {
			CHECK(strstr(piam_client_error_message(c), text) != NULL);
			CHECK(strstr(piam_client_error_message(c), "METASECRET") == NULL);
			CHECK(strstr(piam_client_error_message(c), "container-secret-token") == NULL);
		}
		if (rc != nc->rc || (rc && !strstr(piam_client_error_message(c), text)) ||
		    (!rc && !strstr(c->config->source, text)))
			fprintf(stderr, "case \"%s\": %s: %s [%s]\n", nc->name, piam_status_name(rc),
				piam_client_error_message(c), c->config ? c->config->source : "");
		piam_client_free(c);
		testenv_end(&t);
	}
}

/* The server's request log: the handshake in order, the token on every read, nothing secret sent. */
static void test_handshake_log(void)
{
	struct piam__http_response resp;
	piam_client *c;
	char url[256];
	const char *p;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	snprintf(url, sizeof(url), "%s/log", base_url);
	CHECK_INT(piam__http_send(c, "GET", url, NULL, 0, NULL, 0, 2000, &resp), PIAM_OK);
	CHECK_INT(resp.status, 200);
	p = resp.body.data ? resp.body.data : "";
	CHECK(strstr(p, "PUT /imds/ok/latest/api/token ttl=21600\n"
			"GET /imds/ok/latest/meta-data/iam/security-credentials/ token=TOKEN-ok\n"
			"GET /imds/ok/latest/meta-data/iam/security-credentials/piam-role token=TOKEN-ok\n") != NULL);
	CHECK(strstr(p, "PUT /imds/flaky/latest/api/token ttl=21600\nPUT /imds/flaky/latest/api/token ttl=21600\n") !=
	      NULL);
	CHECK(strstr(p, "GET /imds/ok/latest/meta-data/iam/security-credentials/\n") == NULL); /* never without token */
	CHECK(strstr(p, "GET /container/ok auth=ok\n") != NULL);
	/* disabled means not asked: "imds/ok" appears only for the two cases that used it */
	piam__http_response_free(c, &resp);
	piam_client_free(c);
}

struct fake_clock {
	long long now;
};

static long long fake_now(void *userdata)
{
	return ((struct fake_clock *)userdata)->now;
}

/* A test environment whose only credentials are the loopback IMDS's good ones. */
static int imds_env_begin(struct testenv *t)
{
	char endpoint[256];
	const char *vars[3];

	if (testenv_begin(t, NULL, NULL) != 0)
		return -1;
	snprintf(endpoint, sizeof(endpoint), "AWS_EC2_METADATA_SERVICE_ENDPOINT=%s/imds/ok", base_url);
	vars[0] = "AWS_EC2_METADATA_DISABLED=false";
	vars[1] = endpoint;
	vars[2] = NULL;
	testenv_set(vars);
	return 0;
}

/* Instance credentials are fetched again shortly before they expire. */
static void test_refresh(void)
{
	struct fake_clock clk = {(long long)time(NULL)};
	const struct piam__credentials *cr;
	struct testenv t;
	piam_client *c;
	char first[64];

	if (imds_env_begin(&t) != 0) {
		CHECK(0);
		return;
	}
	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK_INT(piam_client_use_environment(c, 1), PIAM_OK);
	piam__config_set_clock(c, fake_now, &clk);
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	snprintf(first, sizeof(first), "%s", cr->access_key_id);
	clk.now += 600;
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	CHECK_STR(cr->access_key_id, first); /* 50 minutes left: kept */
	clk.now += 3600 - 600 - 200;
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	CHECK(strcmp(cr->access_key_id, first) != 0); /* within five minutes: fetched again */
	piam_client_free(c);
	testenv_end(&t);
}

static void test_url_rules(void)
{
	static const struct {
		const char *url;
		int ok;
	} table[] = {
		{"http://127.0.0.1:8080/creds", 1},  {"http://127.1.2.3/x", 1},        {"http://localhost/x", 1},
		{"http://LOCALHOST:1/x", 1},         {"http://[::1]:80/x", 1},          {"http://169.254.170.2/v2", 1},
		{"http://169.254.170.23/v1", 1},     {"http://[fd00:ec2::23]/v1", 1},   {"https://example.com/c", 1},
		{"http://example.com/c", 0},         {"http://127.0.0.1.evil.com/", 0}, {"http://128.0.0.1/", 0},
		{"http://127.0.0.256/", 0},          {"http://user@127.0.0.1/", 0},     {"ftp://127.0.0.1/", 0},
		{"http://169.254.169.254/", 0},      {"127.0.0.1", 0},                  {"http:///x", 0},
	};
	struct testenv t;
	piam__buf url = {NULL, 0, 0};
	piam_client *c;
	size_t i;

	/* RELATIVE_URI goes to the ECS agent and wins over FULL_URI (not asked here: not loopback) */
	if (testenv_begin(&t, NULL, NULL) == 0) {
		setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", 1);
		setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/x", 1);
		CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
		CHECK_INT(piam_client_use_environment(c, 1), PIAM_OK);
		CHECK_INT(piam__container_url(c, &url), PIAM_OK);
		CHECK_STR(url.data, "http://169.254.170.2/v2/credentials/abc");
		piam__buf_free(c, &url);
		unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
		CHECK_INT(piam__container_url(c, &url), PIAM_OK);
		CHECK_STR(url.data, "http://127.0.0.1:1/x");
		piam__buf_free(c, &url);
		piam_client_free(c);
		testenv_end(&t);
	}
	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		CHECK_INT(piam__container_url_allowed(table[i].url), table[i].ok);
		if (piam__container_url_allowed(table[i].url) != table[i].ok)
			fprintf(stderr, "  url %s\n", table[i].url);
	}
}

/* Every allocation of an IMDS lookup may fail: an error, nothing leaked, the secret wiped. */
static void test_alloc_failures(void)
{
	const struct piam__credentials *cr;
	struct testalloc ta;
	struct testenv t;
	piam_allocator a;
	piam_client *c;
	long n;
	int rc = PIAM_ENOMEM;

	if (imds_env_begin(&t) != 0) {
		CHECK(0);
		return;
	}
	for (n = 1; rc != PIAM_OK && n < 300; n++) {
		memset(&ta, 0, sizeof(ta));
		ta.forbidden = "METASECRET";
		a = testalloc_allocator(&ta);
		if (piam_client_new(&c, &a) != PIAM_OK)
			continue;
		ta.fail_at = ta.calls + n;
		if ((rc = piam_client_use_environment(c, 1)) == PIAM_OK)
			rc = piam__credentials_get(c, &cr);
		CHECK(rc == PIAM_OK || rc == PIAM_ENOMEM || rc == PIAM_ECREDENTIALS);
		piam_client_free(c);
		CHECK_INT(ta.live, 0);
		CHECK_INT(ta.leaked_secret, 0);
	}
	CHECK_INT(rc, PIAM_OK);
	testenv_end(&t);
}

int main(void)
{
	const char *url = getenv("PIAM_TEST_METADATA_URL");

	if (!url) {
		fprintf(stderr, "run under tests/creds/metadata_server.py\n");
		return 77;
	}
	snprintf(base_url, sizeof(base_url), "%s", url);
	test_url_rules();
	test_providers();
	test_handshake_log();
	test_refresh();
	test_alloc_failures();
	return check_exit();
}
