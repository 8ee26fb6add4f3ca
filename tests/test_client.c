/* The client handle, status codes, allocator hook and the small internal helpers under them. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "testalloc.h"

CHECK_MAIN;

static void test_version(const char *expected)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d.%d.%d", PIAM_VERSION_MAJOR, PIAM_VERSION_MINOR, PIAM_VERSION_PATCH);
	CHECK_STR(piam_version(), buf);
	CHECK_STR(piam_version(), expected); /* the header agrees with meson.build */
}

static void test_status_codes(void)
{
	static const struct {
		int code;
		const char *name;
	} table[] = {
		{PIAM_OK, "PIAM_OK"},           {PIAM_EINVAL, "PIAM_EINVAL"},
		{PIAM_ENOMEM, "PIAM_ENOMEM"},   {PIAM_ENETWORK, "PIAM_ENETWORK"},
		{PIAM_ETIMEOUT, "PIAM_ETIMEOUT"}, {PIAM_ECREDENTIALS, "PIAM_ECREDENTIALS"},
		{PIAM_ESERVICE, "PIAM_ESERVICE"}, {PIAM_ENOTFOUND, "PIAM_ENOTFOUND"},
		{PIAM_EEXISTS, "PIAM_EEXISTS"}, {PIAM_ETHROTTLED, "PIAM_ETHROTTLED"},
		{PIAM_EACCESS, "PIAM_EACCESS"}, {PIAM_ESIGNATURE, "PIAM_ESIGNATURE"},
		{PIAM_EPOLICY, "PIAM_EPOLICY"}, {PIAM_ELIMIT, "PIAM_ELIMIT"},
		{PIAM_EPROTOCOL, "PIAM_EPROTOCOL"}, {PIAM_ETOOBIG, "PIAM_ETOOBIG"},
		{PIAM_ETLS, "PIAM_ETLS"},       {PIAM_ENOTOWNED, "PIAM_ENOTOWNED"},
		{PIAM_ECONFIG, "PIAM_ECONFIG"}, {PIAM_EIO, "PIAM_EIO"},
		{PIAM_ECONFLICT, "PIAM_ECONFLICT"},
	};
	size_t i, j;

	/* Released numbers never change: the table above is the contract. */
	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		CHECK_INT(table[i].code, -(int)i);
		CHECK_STR(piam_status_name(table[i].code), table[i].name);
		CHECK(strcmp(piam_strerror(table[i].code), "unknown error") != 0);
		for (j = 0; j < i; j++)
			CHECK(strcmp(piam_strerror(table[i].code), piam_strerror(table[j].code)) != 0);
	}
	CHECK_STR(piam_strerror(PIAM_ENOTFOUND), "not found");
	CHECK_STR(piam_strerror(-1000), "unknown error");
	CHECK_STR(piam_strerror(1), "unknown error");
	CHECK_STR(piam_status_name(-1000), "PIAM_EUNKNOWN");
}

static void test_new_free(void)
{
	piam_client *c = (piam_client *)&c;
	piam_allocator bad = {NULL, NULL, NULL, NULL};

	CHECK_INT(piam_client_new(NULL, NULL), PIAM_EINVAL);
	CHECK_INT(piam_client_new(&c, &bad), PIAM_EINVAL);
	CHECK(c == NULL);
	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK(c != NULL);
	CHECK_INT(piam_client_error(c), PIAM_OK);
	CHECK_STR(piam_client_error_message(c), "");
	CHECK_STR(piam_client_error_aws_code(c), "");
	CHECK_STR(piam_client_error_request_id(c), "");
	CHECK_INT(piam_client_error_http_status(c), 0);
	CHECK_STR(piam_client_region(c), "");
	piam_client_free(c);
	piam_client_free(NULL);
	piam_free(NULL);
	/* getters tolerate NULL */
	CHECK_INT(piam_client_error(NULL), PIAM_EINVAL);
	CHECK_STR(piam_client_error_message(NULL), "");
	CHECK_STR(piam_client_region(NULL), "");
}

static void test_region(void)
{
	static const struct {
		const char *region;
		int valid;
		const char *partition;
	} table[] = {
		{"us-east-1", 1, "aws"},        {"eu-west-3", 1, "aws"},
		{"ap-southeast-2", 1, "aws"},   {"cn-north-1", 1, "aws-cn"},
		{"cn-northwest-1", 1, "aws-cn"}, {"us-gov-west-1", 1, "aws-us-gov"},
		{"il-central-1", 1, "aws"},     {"us-east", 0, NULL},
		{"US-EAST-1", 0, NULL},         {"us-east-1 ", 0, NULL},
		{"u-east-1", 0, NULL},          {"us--1", 0, NULL},
		{"us-1", 0, NULL},              {"us-east-1x", 0, NULL},
		{"", 0, NULL},                  {"us-east-1\n", 0, NULL},
		{"us-east-1&Action=DeleteRole", 0, NULL},
		{"aa-bbbbbbbbbbbbbbbbbbbbbbbbbbbbb-1", 0, NULL},
	};
	piam_client *c;
	size_t i;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		int rc = piam_client_set_region(c, table[i].region);

		CHECK_INT(piam__is_region(table[i].region), table[i].valid);
		CHECK_INT(rc, table[i].valid ? PIAM_OK : PIAM_EINVAL);
		if (table[i].valid) {
			CHECK_STR(piam_client_region(c), table[i].region);
			CHECK_STR(piam__partition(table[i].region), table[i].partition);
		} else {
			CHECK(strstr(piam_client_error_message(c), "invalid region") != NULL);
			CHECK(strcmp(piam_client_region(c), table[i].region) != 0); /* unchanged */
		}
	}
	CHECK_INT(piam_client_set_region(c, "eu-west-1"), PIAM_OK);
	CHECK_INT(piam_client_set_region(c, "bad"), PIAM_EINVAL);
	CHECK_STR(piam_client_region(c), "eu-west-1"); /* a rejected value changes nothing */
	CHECK_INT(piam_client_set_region(c, NULL), PIAM_OK);
	CHECK_STR(piam_client_region(c), "");
	CHECK_INT(piam_client_set_region(NULL, "us-east-1"), PIAM_EINVAL);
	piam_client_free(c);
}

static void test_setters(void)
{
	static const struct {
		const char *service, *url;
		int rc;
	} endpoints[] = {
		{"iam", "http://127.0.0.1:5000", PIAM_OK},
		{"sts", "https://sts.eu-west-1.amazonaws.com", PIAM_OK},
		{"s3", "http://localhost:9000/prefix", PIAM_OK},
		{NULL, "http://127.0.0.1:5000", PIAM_OK},
		{"iam", NULL, PIAM_OK},
		{"ec2", "http://127.0.0.1", PIAM_EINVAL},
		{"iam", "ftp://host", PIAM_EINVAL},
		{"iam", "http://", PIAM_EINVAL},
		{"iam", "http://host/a b", PIAM_EINVAL},
		{"iam", "http://host/?x=1", PIAM_EINVAL},
		{"iam", "http://user@host", PIAM_EINVAL},
		{"iam", "http://host\r\nX: y", PIAM_EINVAL},
	};
	piam_client *c;
	size_t i;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	for (i = 0; i < PIAM__ARRAY_LEN(endpoints); i++)
		CHECK_INT(piam_client_set_endpoint(c, endpoints[i].service, endpoints[i].url), endpoints[i].rc);
	CHECK(c->endpoint_all && strcmp(c->endpoint_all, "http://127.0.0.1:5000") == 0);
	CHECK(c->endpoint[PIAM__SVC_IAM] == NULL);
	CHECK(c->endpoint[PIAM__SVC_S3] && strcmp(c->endpoint[PIAM__SVC_S3], "http://localhost:9000/prefix") == 0);

	CHECK_INT(piam_client_set_credentials(c, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL), PIAM_OK);
	CHECK_STR(c->creds.access_key_id, "AKIDEXAMPLE");
	CHECK(c->creds.session_token == NULL);
	CHECK_INT(piam_client_set_credentials(c, "AKID", "secret", "token"), PIAM_OK);
	CHECK_STR(c->creds.session_token, "token");
	CHECK_INT(piam_client_set_credentials(c, "", "secret", NULL), PIAM_EINVAL);
	CHECK_INT(piam_client_set_credentials(c, "AKID", NULL, NULL), PIAM_EINVAL);
	CHECK_INT(piam_client_set_credentials(c, "AK ID", "secret", NULL), PIAM_EINVAL);
	CHECK_INT(piam_client_set_credentials(c, "AKID", "sec\nret", NULL), PIAM_EINVAL);
	CHECK_INT(piam_client_set_credentials(c, "AKID", "secret", "\xc3\xa9"), PIAM_EINVAL);
	CHECK_STR(c->creds.access_key_id, "AKID"); /* rejected values changed nothing */
	CHECK(strstr(piam_client_error_message(c), "secret") == NULL ||
	      strstr(piam_client_error_message(c), "sec\nret") == NULL);

	CHECK_INT(piam_client_set_timeouts(c, 1000, 2000), PIAM_OK);
	CHECK_INT(c->connect_timeout_ms, 1000);
	CHECK_INT(c->timeout_ms, 2000);
	CHECK_INT(piam_client_set_timeouts(c, -1, 2000), PIAM_EINVAL);
	CHECK_INT(c->connect_timeout_ms, 1000);
	CHECK_INT(piam_client_set_timeouts(c, 0, 0), PIAM_OK);
	CHECK(c->connect_timeout_ms > 0 && c->timeout_ms > c->connect_timeout_ms);

	CHECK_INT(piam_client_set_log(c, NULL, 99, NULL), PIAM_EINVAL);
	CHECK_INT(piam_client_error(c), PIAM_EINVAL);
	CHECK_STR(piam_client_error_aws_code(c), "");
	CHECK_INT(piam_client_set_log(c, NULL, PIAM_LOG_NONE, NULL), PIAM_OK);
	CHECK_INT(piam_client_error(c), PIAM_OK); /* success clears the last error */
	CHECK_STR(piam_client_error_message(c), "");
	piam_client_free(c);
}

struct log_capture {
	int calls;
	int last_level;
	char last[256];
};

static void capture_log(int level, const char *message, void *userdata)
{
	struct log_capture *cap = userdata;

	cap->calls++;
	cap->last_level = level;
	snprintf(cap->last, sizeof(cap->last), "%s", message);
}

static void test_errors_and_log(void)
{
	struct log_capture cap = {0, 0, ""};
	char longcode[200];
	piam_client *c;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK_INT(piam_client_set_log(c, capture_log, PIAM_LOG_INFO, &cap), PIAM_OK);
	piam__log(c, PIAM_LOG_DEBUG, "hidden %d", 1);
	CHECK_INT(cap.calls, 0);
	piam__log(c, PIAM_LOG_WARN, "shown %d", 2);
	CHECK_INT(cap.calls, 1);
	CHECK_INT(cap.last_level, PIAM_LOG_WARN);
	CHECK_STR(cap.last, "shown 2");

	CHECK_INT(piam__error_aws(c, PIAM_EEXISTS, 409, "EntityAlreadyExists", "req-1",
				  "CreateRole: %s (HTTP %d): %s", "EntityAlreadyExists", 409, "Role exists"),
		  PIAM_EEXISTS);
	CHECK_INT(piam_client_error(c), PIAM_EEXISTS);
	CHECK_STR(piam_client_error_message(c), "CreateRole: EntityAlreadyExists (HTTP 409): Role exists");
	CHECK_STR(piam_client_error_aws_code(c), "EntityAlreadyExists");
	CHECK_STR(piam_client_error_request_id(c), "req-1");
	CHECK_INT(piam_client_error_http_status(c), 409);

	/* a plain error clears the AWS fields; an overlong AWS code is cut, not overflowed */
	CHECK_INT(piam__error(c, PIAM_EINVAL, NULL), PIAM_EINVAL);
	CHECK_STR(piam_client_error_message(c), "invalid argument");
	CHECK_STR(piam_client_error_aws_code(c), "");
	CHECK_INT(piam_client_error_http_status(c), 0);
	memset(longcode, 'A', sizeof(longcode) - 1);
	longcode[sizeof(longcode) - 1] = '\0';
	piam__error_aws(c, PIAM_ESERVICE, 400, longcode, NULL, "x");
	CHECK_INT(strlen(piam_client_error_aws_code(c)), PIAM__ERRCODE_MAX - 1);
	piam_client_free(c);
}

static void test_buf_and_out(void)
{
	piam__buf b = {NULL, 0, 0};
	piam_client *c;
	char *s;
	int i;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	for (i = 0; i < 100; i++)
		CHECK_INT(piam__buf_printf(c, &b, "%d,", i), PIAM_OK);
	CHECK_INT(b.len, 290);
	CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
	CHECK_INT(b.data[b.len], '\0');
	CHECK_INT(piam__buf_putc(c, &b, 'x'), PIAM_OK);
	CHECK_INT(piam__buf_puts(c, &b, "yz"), PIAM_OK);
	CHECK_STR(b.data + 290, "xyz");
	CHECK_INT(piam__buf_reserve(c, &b, SIZE_MAX), PIAM_ENOMEM);
	piam__buf_wipe(c, &b);
	CHECK(b.data == NULL && b.len == 0);

	s = piam__out_strndup(c, "hello world", 5);
	CHECK_STR(s, "hello");
	piam_client_free(c);
	piam_free(s); /* outlives its client */
}

static void test_crypto(void)
{
	unsigned char d[32];
	char hex[65], b64[64];

	CHECK_INT(piam__sha256("", 0, d), PIAM_OK);
	piam__hex(d, 32, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* RFC 4231 test case 2 */
	CHECK_INT(piam__hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d), PIAM_OK);
	piam__hex(d, 32, hex);
	CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* A key readied once gives the same MACs (RFC 4231 cases 2 and 6: a short key, one longer than a block). */
	{
		static const struct {
			const char *key, *data, *mac;
		} rfc4231[] = {
			{"Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
			{NULL, "Test Using Larger Than Block-Size Key - Hash Key First",
			 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
		};
		unsigned char big[131];
		piam__hmac_key k;
		size_t i;

		memset(big, 0xaa, sizeof(big));
		for (i = 0; i < PIAM__ARRAY_LEN(rfc4231); i++) {
			const void *key = rfc4231[i].key ? (const void *)rfc4231[i].key : big;
			size_t klen = rfc4231[i].key ? strlen(rfc4231[i].key) : sizeof(big);

			CHECK_INT(piam__hmac_sha256_prepare(&k, key, klen), PIAM_OK);
			CHECK_INT(piam__hmac_sha256_with(&k, rfc4231[i].data, strlen(rfc4231[i].data), d), PIAM_OK);
			piam__hex(d, 32, hex);
			CHECK_STR(hex, rfc4231[i].mac);
			/* the readied key is not used up: a second MAC under it is the same */
			CHECK_INT(piam__hmac_sha256_with(&k, rfc4231[i].data, strlen(rfc4231[i].data), d), PIAM_OK);
			piam__hex(d, 32, hex);
			CHECK_STR(hex, rfc4231[i].mac);
			CHECK_INT(piam__hmac_sha256(key, klen, rfc4231[i].data, strlen(rfc4231[i].data), d), PIAM_OK);
			piam__hex(d, 32, hex);
			CHECK_STR(hex, rfc4231[i].mac);
		}
		piam__wipe(&k, sizeof(k));
	}
	CHECK_INT(piam__md5("abc", 3, d), PIAM_OK);
	piam__hex(d, 16, hex);
	CHECK_STR(hex, "900150983cd24fb0d6963f7d28e17f72");
	piam__base64((const unsigned char *)"", 0, b64);
	CHECK_STR(b64, "");
	piam__base64((const unsigned char *)"f", 1, b64);
	CHECK_STR(b64, "Zg==");
	piam__base64((const unsigned char *)"fo", 2, b64);
	CHECK_STR(b64, "Zm8=");
	piam__base64((const unsigned char *)"foobar", 6, b64);
	CHECK_STR(b64, "Zm9vYmFy");
	piam__base64(d, 16, b64); /* Content-MD5 of "abc" */
	CHECK_STR(b64, "kAFQmDzST7DWlj99KOF/cg==");
}

static void test_config(void)
{
	const struct piam__credentials *cr;
	piam_client *c;

	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_IAM");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	/* never the real ~/.aws */
	setenv("AWS_CONFIG_FILE", "/nonexistent/piam-test/config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/piam-test/credentials", 1);
	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	setenv("AWS_DEFAULT_REGION", "eu-north-1", 1);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "SECRETENV", 1);

	/* off by default: the environment is not read */
	CHECK(piam__config_region(c) == NULL);
	CHECK(piam__config_endpoint(c, PIAM__SVC_IAM) == NULL);
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_ECREDENTIALS);
	CHECK(strstr(piam_client_error_message(c), "environment is not used") != NULL);
	CHECK_INT(piam_client_use_environment(c, 2), PIAM_EINVAL);

	CHECK_INT(piam_client_use_environment(c, 1), PIAM_OK);
	CHECK_STR(piam__config_region(c), "eu-north-1");
	setenv("AWS_REGION", "ap-south-1", 1);
	CHECK_STR(piam__config_region(c), "ap-south-1"); /* AWS_REGION over AWS_DEFAULT_REGION */
	setenv("AWS_REGION", "not a region", 1);
	CHECK(piam__config_region(c) == NULL);
	CHECK_INT(piam_client_set_region(c, "us-west-2"), PIAM_OK);
	CHECK_STR(piam__config_region(c), "us-west-2"); /* the setter over the environment */

	CHECK_STR(piam__config_endpoint(c, PIAM__SVC_IAM), "http://127.0.0.1:1");
	setenv("AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:2", 1);
	CHECK_STR(piam__config_endpoint(c, PIAM__SVC_IAM), "http://127.0.0.1:2");
	CHECK_STR(piam__config_endpoint(c, PIAM__SVC_S3), "http://127.0.0.1:1");
	CHECK_INT(piam_client_set_endpoint(c, NULL, "http://127.0.0.1:3"), PIAM_OK);
	CHECK_STR(piam__config_endpoint(c, PIAM__SVC_IAM), "http://127.0.0.1:3");
	CHECK_INT(piam_client_set_endpoint(c, "iam", "http://127.0.0.1:4"), PIAM_OK);
	CHECK_STR(piam__config_endpoint(c, PIAM__SVC_IAM), "http://127.0.0.1:4");

	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	CHECK_STR(cr->access_key_id, "AKIDENV");
	CHECK(cr->session_token == NULL);
	CHECK_INT(piam_client_set_credentials(c, "AKIDSET", "SECRETSET", NULL), PIAM_OK);
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	CHECK_STR(cr->access_key_id, "AKIDSET"); /* explicit over the environment */
	piam_client_free(c);

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK_INT(piam_client_use_environment(c, 1), PIAM_OK);
	setenv("AWS_SECRET_ACCESS_KEY", "bad secret", 1);
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_ECREDENTIALS);
	CHECK(strstr(piam_client_error_message(c), "bad secret") == NULL);
	piam_client_free(c);
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_IAM");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
}

/* Everything the client does so far, through one allocator; used by the allocation sweep. */
static int exercise_client(const piam_allocator *a, char **out)
{
	piam_client *c;
	int rc;

	*out = NULL;
	if ((rc = piam_client_new(&c, a)))
		return rc;
	if (!(rc = piam_client_set_region(c, "eu-west-1")) &&
	    !(rc = piam_client_set_endpoint(c, "iam", "http://127.0.0.1:1")) &&
	    !(rc = piam_client_set_endpoint(c, NULL, "http://127.0.0.1:2")) &&
	    !(rc = piam_client_set_credentials(c, "AKID", "SECRET-SWEEP-1234", "TOKEN-SWEEP-5678")) &&
	    !(rc = piam_client_set_credentials(c, "AKID2", "SECRET-SWEEP-1234", NULL)) &&
	    !(*out = piam__out_strndup(c, "out", 3)))
		rc = PIAM_ENOMEM;
	if (rc)
		CHECK_INT(piam_client_error(c), rc); /* the failure is recorded on the client */
	piam_client_free(c);
	return rc;
}

static void test_alloc_failures(void)
{
	struct testalloc t;
	piam_allocator a;
	char *out;
	long n, total;

	/* A clean run counts the allocations; then fail each one in turn. */
	memset(&t, 0, sizeof(t));
	a = testalloc_allocator(&t);
	CHECK_INT(exercise_client(&a, &out), PIAM_OK);
	piam_free(out);
	CHECK_INT(t.live, 0);
	total = t.calls;
	CHECK(total >= 8);
	for (n = 1; n <= total; n++) {
		memset(&t, 0, sizeof(t));
		t.fail_at = n;
		t.forbidden = "SECRET-SWEEP";
		a = testalloc_allocator(&t);
		CHECK_INT(exercise_client(&a, &out), PIAM_ENOMEM);
		CHECK(out == NULL);
		CHECK_INT(t.failures, 1);
		CHECK_INT(t.live, 0);
		CHECK_INT(t.leaked_secret, 0);
	}
}

int main(int argc, char **argv)
{
	test_version(argc > 1 ? argv[1] : "");
	test_status_codes();
	test_new_free();
	test_region();
	test_setters();
	test_errors_and_log();
	test_buf_and_out();
	test_crypto();
	test_config();
	test_alloc_failures();
	return check_exit();
}
