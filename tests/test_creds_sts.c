/*
 * Assume-role and web identity profiles against moto_server: run as
 *   with_moto.py creds/sts_setup.py test_creds_sts assume        (signatures checked)
 *   with_moto.py --no-auth creds/sts_setup.py test_creds_sts web (moto's checker cannot take
 *                                                                 the unsigned web identity call)
 * The temporary credentials STS hands out are then used for IAM calls: with signature and
 * policy checks on, a read works and a write is denied, so they are the role's, not the source's.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "config.h"
#include "internal.h"
#include "testalloc.h"
#include "testenv.h"

CHECK_MAIN;

struct log_capture {
	char all[65536];
	size_t len;
};

static void capture(int level, const char *message, void *userdata)
{
	struct log_capture *l = userdata;
	size_t n = strlen(message);

	(void)level;
	if (l->len + n + 2 < sizeof(l->all)) {
		memcpy(l->all + l->len, message, n);
		l->len += n;
		l->all[l->len++] = '\n';
		l->all[l->len] = '\0';
	}
}

static const char *endpoint, *admin_id, *admin_secret, *role_read, *role_chain;

static piam_client *client_for(struct testenv *t, const char *profile)
{
	const char *vars[2];
	char ep[256];
	piam_client *c;

	snprintf(ep, sizeof(ep), "AWS_ENDPOINT_URL=%s", endpoint);
	vars[0] = ep;
	vars[1] = NULL;
	testenv_set(vars);
	(void)t;
	if (piam_client_new(&c, NULL) != PIAM_OK)
		return NULL;
	CHECK_INT(piam_client_use_environment(c, 1), PIAM_OK);
	CHECK_INT(piam_client_set_profile(c, profile), PIAM_OK);
	return c;
}

/* Who the client is, by STS GetCallerIdentity signed with its (temporary) credentials. */
static void check_identity(piam_client *c, const char *arn_part)
{
	piam_aws_result *r = NULL;
	const char *arn;

	CHECK_INT(piam_sts_get_caller_identity(&r, c), PIAM_OK);
	arn = r ? piam_aws_result_field(r, 0, "Arn") : NULL;
	CHECK(arn && strstr(arn, arn_part));
	if (!arn || !strstr(arn, arn_part))
		fprintf(stderr, "caller %s, expected %s (%s)\n", arn ? arn : "(none)", arn_part,
			piam_client_error_message(c));
	piam_aws_result_free(r);
}

/* IAM with the role's credentials: reading works, writing is denied by its policy. */
static void check_iam(piam_client *c)
{
	piam_aws_result *r = NULL;

	CHECK_INT(piam_iam_get_role(&r, c, "piam-creds-read"), PIAM_OK);
	CHECK(r && piam_aws_result_field(r, 0, "Arn") && strcmp(piam_aws_result_field(r, 0, "Arn"), role_read) == 0);
	piam_aws_result_free(r);
	CHECK_INT(piam_iam_create_user(NULL, c, "piam-creds-not-allowed", NULL), PIAM_EACCESS);
}

static void test_assume_role(void)
{
	const struct piam__credentials *cr;
	struct testenv t;
	piam_client *c;
	static struct log_capture log;
	char config[2048], credentials[512], *source = NULL;
	long long exp;

	snprintf(credentials, sizeof(credentials),
		 "[admin]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
		 "[forged]\naws_access_key_id = %s\naws_secret_access_key = not-the-secret\n",
		 admin_id, admin_secret, admin_id);
	snprintf(config, sizeof(config),
		 "[default]\nregion = us-east-1\n"
		 "[profile admin]\nregion = us-east-1\n"
		 "[profile r]\nregion = us-east-1\nrole_arn = %s\nsource_profile = admin\nexternal_id = piam-ext\n"
		 "role_session_name = piam-test\nduration_seconds = 900\n"
		 "[profile chain]\nregion = us-east-1\nrole_arn = %s\nsource_profile = r\nrole_session_name = piam-chain\n"
		 "[profile bad]\nregion = us-east-1\nrole_arn = %s\nsource_profile = forged\n",
		 role_read, role_chain, role_read);
	if (testenv_begin(&t, config, credentials) != 0) {
		CHECK(0);
		return;
	}

	/* one hop: admin's keys -> AssumeRole; nothing secret logged even at TRACE */
	c = client_for(&t, "r");
	memset(&log, 0, sizeof(log));
	CHECK_INT(piam_client_set_log(c, capture, PIAM_LOG_TRACE, &log), PIAM_OK);
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	if (cr) {
		CHECK(strncmp(cr->access_key_id, "ASIA", 4) == 0);
		CHECK(cr->session_token != NULL);
		CHECK(strcmp(cr->access_key_id, admin_id) != 0);
		CHECK(log.len > 0);
		CHECK(strstr(log.all, cr->secret_access_key) == NULL);
		CHECK(strstr(log.all, cr->session_token) == NULL);
		CHECK(strstr(log.all, admin_secret) == NULL);
	}
	exp = c->config->expiration;
	CHECK(exp > (long long)time(NULL) + 600 && exp <= (long long)time(NULL) + 960);
	CHECK_INT(piam_client_credentials_source(&source, c), PIAM_OK);
	CHECK(source && strstr(source, "AssumeRole") && strstr(source, "profile r"));
	piam_free(source);
	check_identity(c, "assumed-role/piam-creds-read/piam-test");
	check_iam(c);
	piam_client_free(c);

	/* two hops: admin -> piam-creds-read -> piam-creds-chain */
	c = client_for(&t, "chain");
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	check_identity(c, "assumed-role/piam-creds-chain/piam-chain");
	piam_client_free(c);

	/* every allocation of an assume-role lookup may fail: an error, nothing leaked, no secret left */
	{
		struct testalloc ta;
		piam_allocator a;
		long n;
		int rc = PIAM_ENOMEM;

		for (n = 1; rc != PIAM_OK && n < 400; n++) {
			memset(&ta, 0, sizeof(ta));
			ta.forbidden = admin_secret;
			a = testalloc_allocator(&ta);
			if (piam_client_new(&c, &a) != PIAM_OK)
				continue;
			ta.fail_at = ta.calls + n;
			if (!(rc = piam_client_use_environment(c, 1)) && !(rc = piam_client_set_profile(c, "r")))
				rc = piam__credentials_get(c, &cr);
			CHECK(rc == PIAM_OK || rc == PIAM_ENOMEM);
			if (rc != PIAM_OK && rc != PIAM_ENOMEM)
				fprintf(stderr, "sweep %ld: %s\n", n, piam_client_error_message(c));
			piam_client_free(c);
			CHECK_INT(ta.live, 0);
			CHECK_INT(ta.leaked_secret, 0);
		}
		CHECK_INT(rc, PIAM_OK);
		CHECK(n > 20);
	}

	/* STS refuses a forged signature: its error comes back, with the profile named */
	c = client_for(&t, "bad");
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_ESIGNATURE);
	CHECK(strstr(piam_client_error_message(c), "AssumeRole for profile bad") != NULL);
	CHECK(strstr(piam_client_error_message(c), admin_secret) == NULL);
	piam_client_free(c);
	testenv_end(&t);
}

static void test_web_identity(void)
{
	const struct piam__credentials *cr;
	struct testenv t;
	piam_client *c;
	char config[1024], path[256], tokvar[300], arnvar[300];
	const char *vars[4];

	if (testenv_begin(&t, NULL, NULL) != 0) {
		CHECK(0);
		return;
	}
	testenv_write(&t, "jwt", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwaWFtIn0.c2lnbmF0dXJl\n", 0, path, sizeof(path));
	snprintf(config, sizeof(config),
		 "[default]\nregion = us-east-1\n[profile wi]\nregion = us-east-1\nrole_arn = %s\n"
		 "web_identity_token_file = %s\nrole_session_name = piam-web\n",
		 role_read, path);
	testenv_write(&t, "config", config, 0, path, sizeof(path));

	/* from a profile */
	c = client_for(&t, "wi");
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	CHECK(cr && strncmp(cr->access_key_id, "ASIA", 4) == 0 && cr->session_token);
	CHECK(c->config->expiration > (long long)time(NULL));
	CHECK(strstr(c->config->source, "AssumeRoleWithWebIdentity") != NULL);
	check_identity(c, "piam-creds-read");
	piam_client_free(c);

	/* from the environment, as on EKS */
	snprintf(tokvar, sizeof(tokvar), "AWS_WEB_IDENTITY_TOKEN_FILE=%s/jwt", t.dir);
	snprintf(arnvar, sizeof(arnvar), "AWS_ROLE_ARN=%s", role_read);
	vars[0] = tokvar;
	vars[1] = arnvar;
	vars[2] = "AWS_ROLE_SESSION_NAME=piam-eks";
	vars[3] = NULL;
	testenv_set(vars);
	c = client_for(&t, "default");
	CHECK_INT(piam_client_set_profile(c, NULL), PIAM_OK);
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	CHECK(strstr(c->config->source, "AWS_WEB_IDENTITY_TOKEN_FILE") != NULL);
	check_identity(c, "piam-creds-read");
	piam_client_free(c);
	testenv_end(&t);
}

int main(int argc, char **argv)
{
	endpoint = getenv("PIAM_TEST_ENDPOINT");
	admin_id = getenv("PIAM_TEST_ACCESS_KEY_ID");
	admin_secret = getenv("PIAM_TEST_SECRET_ACCESS_KEY");
	role_read = getenv("PIAM_TEST_ROLE_READ");
	role_chain = getenv("PIAM_TEST_ROLE_CHAIN");
	if (!endpoint || !admin_id || !admin_secret || !role_read || !role_chain || argc < 2) {
		fprintf(stderr, "run under tests/moto/with_moto.py tests/creds/sts_setup.py\n");
		return 77;
	}
	if (strcmp(argv[1], "assume") == 0)
		test_assume_role();
	else
		test_web_identity();
	return check_exit();
}
