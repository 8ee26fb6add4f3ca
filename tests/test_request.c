/*
 * Signed requests: endpoints, the Query form, signing headers, the AWS error mapping and
 * message, the standard retry mode (which failures retry, backoff, quota) and S3's bucket
 * region redirect — all through a scripted transport, with a frozen clock.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fake_transport.h"
#include "internal.h"
#include "request.h"

CHECK_MAIN;

static const char *datadir = "tests/data";

static void test_endpoints(void)
{
	static const struct {
		enum piam__service svc;
		const char *region, *override, *bucket, *query;
		int path_style;
		const char *url, *host, *signing_region;
	} table[] = {
		{PIAM__SVC_IAM, "us-east-1", NULL, NULL, NULL, 0, "https://iam.amazonaws.com/", "iam.amazonaws.com", "us-east-1"},
		{PIAM__SVC_IAM, "eu-west-1", NULL, NULL, NULL, 0, "https://iam.amazonaws.com/", "iam.amazonaws.com", "us-east-1"},
		{PIAM__SVC_IAM, NULL, NULL, NULL, NULL, 0, "https://iam.amazonaws.com/", "iam.amazonaws.com", "us-east-1"},
		{PIAM__SVC_IAM, "cn-northwest-1", NULL, NULL, NULL, 0, "https://iam.cn-north-1.amazonaws.com.cn/",
		 "iam.cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{PIAM__SVC_IAM, "us-gov-east-1", NULL, NULL, NULL, 0, "https://iam.us-gov.amazonaws.com/",
		 "iam.us-gov.amazonaws.com", "us-gov-west-1"},
		{PIAM__SVC_STS, "eu-west-1", NULL, NULL, NULL, 0, "https://sts.eu-west-1.amazonaws.com/",
		 "sts.eu-west-1.amazonaws.com", "eu-west-1"},
		{PIAM__SVC_STS, "cn-north-1", NULL, NULL, NULL, 0, "https://sts.cn-north-1.amazonaws.com.cn/",
		 "sts.cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{PIAM__SVC_S3, "eu-west-1", NULL, "my-bucket", "policy", 0, "https://my-bucket.s3.eu-west-1.amazonaws.com/?policy",
		 "my-bucket.s3.eu-west-1.amazonaws.com", "eu-west-1"},
		{PIAM__SVC_S3, "eu-west-1", NULL, "my-bucket", "policy", 1, "https://s3.eu-west-1.amazonaws.com/my-bucket?policy",
		 "s3.eu-west-1.amazonaws.com", "eu-west-1"},
		{PIAM__SVC_S3, "eu-west-1", NULL, "my.dotted.bucket", "location", 0,
		 "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket?location", "s3.eu-west-1.amazonaws.com", "eu-west-1"},
		{PIAM__SVC_S3, "cn-north-1", NULL, "b-cn", NULL, 0, "https://b-cn.s3.cn-north-1.amazonaws.com.cn/",
		 "b-cn.s3.cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{PIAM__SVC_IAM, "eu-west-1", "http://127.0.0.1:5000", NULL, NULL, 0, "http://127.0.0.1:5000/", "127.0.0.1:5000",
		 "us-east-1"},
		{PIAM__SVC_STS, NULL, "http://127.0.0.1:5000/", NULL, NULL, 0, "http://127.0.0.1:5000/", "127.0.0.1:5000",
		 "us-east-1"},
		{PIAM__SVC_STS, "ap-south-1", "https://vpce.example.com", NULL, NULL, 0, "https://vpce.example.com/",
		 "vpce.example.com", "ap-south-1"},
		{PIAM__SVC_S3, "eu-west-1", "http://localhost:9000/prefix/", "my-bucket", "policy", 0,
		 "http://localhost:9000/prefix/my-bucket?policy", "localhost:9000", "eu-west-1"},
		{PIAM__SVC_S3, "eu-west-1", "http://localhost:9000", "my-bucket", NULL, 0, "http://localhost:9000/my-bucket",
		 "localhost:9000", "eu-west-1"},
	};
	struct piam__endpoint ep;
	struct piam__request req;
	piam_client *c;
	size_t i;

	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
		CHECK_INT(piam_client_set_region(c, table[i].region), PIAM_OK);
		CHECK_INT(piam_client_set_endpoint(c, NULL, table[i].override), PIAM_OK);
		CHECK_INT(piam_client_set_s3_path_style(c, table[i].path_style), PIAM_OK);
		memset(&req, 0, sizeof(req));
		req.svc = table[i].svc;
		req.op = "Op";
		req.method = "GET";
		req.bucket = table[i].bucket;
		req.query = table[i].query;
		CHECK_INT(piam__endpoint_resolve(c, &req, &ep), PIAM_OK);
		CHECK_STR(ep.url.data, table[i].url);
		CHECK_STR(ep.host, table[i].host);
		CHECK_STR(ep.region, table[i].signing_region);
		piam__endpoint_free(c, &ep);
		piam_client_free(c);
	}

	/* STS and S3 need a region when no endpoint is given. */
	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	memset(&req, 0, sizeof(req));
	req.svc = PIAM__SVC_STS;
	req.op = "GetCallerIdentity";
	CHECK_INT(piam__endpoint_resolve(c, &req, &ep), PIAM_ECONFIG);
	CHECK(strstr(piam_client_error_message(c), "GetCallerIdentity: no region") != NULL);
	piam_client_free(c);
}

static void test_query_body(void)
{
	static const struct piam__param params[] = {
		{"RoleName", "PersonalizeRole"},
		{"AssumeRolePolicyDocument", "{\"a\": \"b c/d+e~f_g.h-i\"}"},
		{"Description", "caf\xc3\xa9 & more=1"},
	};
	piam__buf b = {NULL, 0, 0};
	piam_client *c;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK_INT(piam__query_body(c, PIAM__SVC_IAM, "CreateRole", params, 3, &b), PIAM_OK);
	CHECK_STR(b.data, "Action=CreateRole&Version=2010-05-08&RoleName=PersonalizeRole"
			  "&AssumeRolePolicyDocument=%7B%22a%22%3A+%22b+c%2Fd%2Be~f_g.h-i%22%7D"
			  "&Description=caf%C3%A9+%26+more%3D1");
	piam__buf_free(c, &b);
	CHECK_INT(piam__query_body(c, PIAM__SVC_STS, "GetCallerIdentity", NULL, 0, &b), PIAM_OK);
	CHECK_STR(b.data, "Action=GetCallerIdentity&Version=2011-06-15");
	piam__buf_free(c, &b);
	piam_client_free(c);
}

static void test_error_mapping(void)
{
	static const struct {
		const char *code;
		long status;
		int expected;
	} table[] = {
		{"NoSuchEntity", 404, PIAM_ENOTFOUND},
		{"NoSuchBucket", 404, PIAM_ENOTFOUND},
		{"NoSuchBucketPolicy", 404, PIAM_ENOTFOUND},
		{"EntityAlreadyExists", 409, PIAM_EEXISTS},
		{"AccessDenied", 403, PIAM_EACCESS},
		{"Throttling", 400, PIAM_ETHROTTLED},
		{"ThrottlingException", 400, PIAM_ETHROTTLED},
		{"RequestLimitExceeded", 503, PIAM_ETHROTTLED},
		{"SlowDown", 503, PIAM_ETHROTTLED},
		{"MalformedPolicyDocument", 400, PIAM_EPOLICY},
		{"MalformedPolicy", 400, PIAM_EPOLICY},
		{"LimitExceeded", 409, PIAM_ELIMIT},
		{"SignatureDoesNotMatch", 403, PIAM_ESIGNATURE},
		{"InvalidClientTokenId", 403, PIAM_ESIGNATURE},
		{"RequestExpired", 400, PIAM_ESIGNATURE},
		{"ExpiredToken", 400, PIAM_ESIGNATURE},
		{"DeleteConflict", 409, PIAM_ECONFLICT},
		{"ValidationError", 400, PIAM_ESERVICE},
		{"InternalFailure", 500, PIAM_ESERVICE},
		{"", 403, PIAM_EACCESS},
		{"", 404, PIAM_ENOTFOUND},
		{"", 429, PIAM_ETHROTTLED},
		{"", 502, PIAM_ESERVICE},
		{NULL, 400, PIAM_ESERVICE},
	};
	size_t i;

	for (i = 0; i < PIAM__ARRAY_LEN(table); i++)
		CHECK_INT(piam__aws_error_code(table[i].code, table[i].status), table[i].expected);
}

static void test_retry_policy(void)
{
	static const struct {
		int rc;
		long status;
		const char *code;
		int cost;
	} table[] = {
		{PIAM_ENETWORK, 0, "", PIAM__RETRY_COST},
		{PIAM_ETIMEOUT, 0, "", PIAM__RETRY_TIMEOUT_COST},
		{PIAM_ETLS, 0, "", 0},
		{PIAM_ETOOBIG, 0, "", 0},
		{0, 500, "InternalFailure", PIAM__RETRY_COST},
		{0, 502, "", PIAM__RETRY_COST},
		{0, 503, "", PIAM__RETRY_COST},
		{0, 504, "", PIAM__RETRY_COST},
		{0, 501, "", 0},
		{0, 400, "Throttling", PIAM__RETRY_COST},
		{0, 400, "ThrottlingException", PIAM__RETRY_COST},
		{0, 503, "SlowDown", PIAM__RETRY_COST},
		{0, 400, "RequestLimitExceeded", PIAM__RETRY_COST},
		{0, 400, "RequestTimeout", PIAM__RETRY_COST},
		{0, 400, "PriorRequestNotComplete", PIAM__RETRY_COST},
		{0, 409, "LimitExceeded", 0},
		{0, 403, "AccessDenied", 0},
		{0, 404, "NoSuchEntity", 0},
		{0, 409, "EntityAlreadyExists", 0},
		{0, 403, "SignatureDoesNotMatch", 0},
		{0, 429, "", 0},
	};
	struct fake f;
	piam_client *c;
	size_t i;

	for (i = 0; i < PIAM__ARRAY_LEN(table); i++)
		CHECK_INT(piam__retry_cost(table[i].rc, table[i].status, table[i].code), table[i].cost);

	/* random(0,1) x min(1 s x 2^(n-1), 20 s): with random = 1/2 and just under 1. */
	c = fake_client(&f, datadir, NULL);
	CHECK_INT(piam__retry_delay_ms(c, 1), 500);
	CHECK_INT(piam__retry_delay_ms(c, 2), 1000);
	CHECK_INT(piam__retry_delay_ms(c, 3), 2000);
	CHECK_INT(piam__retry_delay_ms(c, 5), 8000);
	CHECK_INT(piam__retry_delay_ms(c, 6), 10000);
	CHECK_INT(piam__retry_delay_ms(c, 40), 10000);
	f.random = 0.999999;
	CHECK_INT(piam__retry_delay_ms(c, 1), 999);
	CHECK_INT(piam__retry_delay_ms(c, 6), 19999);
	f.random = 0.0;
	CHECK_INT(piam__retry_delay_ms(c, 3), 0);
	piam_client_free(c);
}

static int get_caller(piam_client *c)
{
	struct piam__xml *doc;
	int rc = piam__query_call(c, PIAM__SVC_STS, "GetCallerIdentity", NULL, 0, NULL, &doc);

	piam__xml_free(c, doc);
	return rc;
}

static void test_retry_loop(void)
{
	struct fake f;
	piam_client *c;

	/* Throttled twice, then through: three sends, two backoffs, the quota refunded once. */
	c = fake_client(&f, datadir, NULL);
	fake_reply(&f, 400, "error_throttling.xml", NULL);
	fake_reply(&f, 503, NULL, "Service Unavailable");
	fake_reply(&f, 200, "get_caller_identity.xml", NULL);
	CHECK_INT(get_caller(c), PIAM_OK);
	CHECK_INT(f.sent, 3);
	CHECK_INT(f.nsleeps, 2);
	CHECK_INT(f.sleeps[0], 500);
	CHECK_INT(f.sleeps[1], 1000);
	CHECK_INT(c->http->retry_tokens, 500 - 5 - 5 + 5);
	CHECK_INT(c->http->requests, 3);
	CHECK_INT(piam_client_error(c), PIAM_OK);

	/* Throttled every time: three attempts, then PIAM_ETHROTTLED with the last reply's details. */
	memset(&f.replies, 0, sizeof(f.replies));
	f.sent = f.nreplies = f.nsleeps = 0;
	fake_reply(&f, 400, "error_throttling.xml", NULL);
	fake_reply(&f, 400, "error_throttling.xml", NULL);
	fake_reply(&f, 400, "error_throttling.xml", NULL);
	CHECK_INT(get_caller(c), PIAM_ETHROTTLED);
	CHECK_INT(f.sent, 3);
	CHECK_INT(f.nsleeps, 2);
	CHECK_STR(piam_client_error_aws_code(c), "Throttling");
	CHECK_STR(piam_client_error_message(c),
		  "GetCallerIdentity: Throttling (HTTP 400): Rate exceeded [request id throttle-1]");
	CHECK_INT(c->http->retry_tokens, 495 - 10);

	/* Not retried: other 4xx. */
	f.sent = f.nreplies = f.nsleeps = 0;
	fake_reply(&f, 409, "error_iam.xml", NULL);
	CHECK_INT(get_caller(c), PIAM_EEXISTS);
	CHECK_INT(f.sent, 1);
	CHECK_INT(f.nsleeps, 0);
	CHECK_STR(piam_client_error_message(c),
		  "GetCallerIdentity: EntityAlreadyExists (HTTP 409): Role with name PersonalizeRole already exists. "
		  "[request id 4a9e0c3f-2a7b-4b8e-9f55-0c7a1c1e5c11]");
	CHECK_INT(piam_client_error_http_status(c), 409);
	CHECK_STR(piam_client_error_request_id(c), "4a9e0c3f-2a7b-4b8e-9f55-0c7a1c1e5c11");

	/* A reply without an AWS body: the status speaks, the header's request id is kept. */
	f.sent = f.nreplies = f.nsleeps = 0;
	fake_reply(&f, 403, NULL, "<html>Forbidden</html>");
	f.replies[0].request_id = "hdr-id-1";
	CHECK_INT(get_caller(c), PIAM_EACCESS);
	CHECK_STR(piam_client_error_message(c), "GetCallerIdentity: HTTP 403 [request id hdr-id-1]");
	CHECK_STR(piam_client_error_aws_code(c), "");

	/* Network errors retry (5 tokens); timeouts too (10 tokens). */
	f.sent = f.nreplies = f.nsleeps = 0;
	memset(&f.replies, 0, sizeof(f.replies));
	f.replies[0].rc = PIAM_ENETWORK;
	f.replies[1].rc = PIAM_ETIMEOUT;
	f.replies[2].rc = PIAM_ETIMEOUT;
	f.nreplies = 3;
	c->http->retry_tokens = 500;
	CHECK_INT(get_caller(c), PIAM_ETIMEOUT);
	CHECK_INT(f.sent, 3);
	CHECK_INT(c->http->retry_tokens, 500 - 5 - 10);

	/* A TLS failure is not retried. */
	f.sent = f.nreplies = f.nsleeps = 0;
	memset(&f.replies, 0, sizeof(f.replies));
	f.replies[0].rc = PIAM_ETLS;
	f.nreplies = 1;
	CHECK_INT(get_caller(c), PIAM_ETLS);
	CHECK_INT(f.sent, 1);

	/* An empty quota stops retries. */
	f.sent = f.nreplies = f.nsleeps = 0;
	fake_reply(&f, 500, NULL, "");
	fake_reply(&f, 200, "get_caller_identity.xml", NULL);
	c->http->retry_tokens = 4;
	CHECK_INT(get_caller(c), PIAM_ESERVICE);
	CHECK_INT(f.sent, 1);
	/* a first-try success gives one token back, up to the quota */
	f.sent = f.nreplies = 0;
	fake_reply(&f, 200, "get_caller_identity.xml", NULL);
	CHECK_INT(get_caller(c), PIAM_OK);
	CHECK_INT(c->http->retry_tokens, 5);

	/* Max attempts 1: no retry; 5: five attempts with growing backoff. */
	c->http->retry_tokens = 500;
	CHECK_INT(piam_client_set_max_attempts(c, 1), PIAM_OK);
	f.sent = f.nreplies = f.nsleeps = 0;
	fake_reply(&f, 503, NULL, "");
	CHECK_INT(get_caller(c), PIAM_ESERVICE);
	CHECK_INT(f.sent, 1);
	CHECK_INT(piam_client_set_max_attempts(c, 5), PIAM_OK);
	f.sent = f.nreplies = f.nsleeps = 0;
	fake_reply(&f, 503, NULL, "");
	fake_reply(&f, 503, NULL, "");
	fake_reply(&f, 503, NULL, "");
	fake_reply(&f, 503, NULL, "");
	fake_reply(&f, 503, NULL, "");
	CHECK_INT(get_caller(c), PIAM_ESERVICE);
	CHECK_INT(f.sent, 5);
	CHECK_INT(f.nsleeps, 4);
	CHECK_INT(f.sleeps[3], 4000);
	piam_client_free(c);
}

static void test_signed_headers(void)
{
	static const struct piam__param p[] = {{"RoleName", "r"}};
	char other_id[] = "AKIDOTHER", other_secret[] = "other-secret";
	struct piam__credentials other = {other_id, other_secret, NULL};
	struct piam__query_opts opts = {NULL, 0, NULL};
	struct piam__xml *doc;
	char h[512];
	struct fake f;
	piam_client *c;

	c = fake_client(&f, datadir, NULL);
	CHECK_INT(piam_client_set_credentials(c, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
					      "SESSION-TOKEN"), PIAM_OK);
	fake_reply(&f, 200, "get_role.xml", NULL);
	CHECK_INT(piam__query_call(c, PIAM__SVC_IAM, "GetRole", p, 1, NULL, &doc), PIAM_OK);
	piam__xml_free(c, doc);
	CHECK_STR(f.method[0], "POST");
	CHECK_STR(f.url[0], "https://iam.amazonaws.com/");
	CHECK_STR(f.body[0], "Action=GetRole&Version=2010-05-08&RoleName=r");
	CHECK_STR(fake_header(&f, 0, "Host", h, sizeof(h)), "iam.amazonaws.com");
	CHECK_STR(fake_header(&f, 0, "Content-Type", h, sizeof(h)), "application/x-www-form-urlencoded; charset=utf-8");
	CHECK_STR(fake_header(&f, 0, "X-Amz-Date", h, sizeof(h)), "20150830T123600Z");
	CHECK_STR(fake_header(&f, 0, "X-Amz-Security-Token", h, sizeof(h)), "SESSION-TOKEN");
	CHECK(fake_header(&f, 0, "Authorization", h, sizeof(h)) != NULL);
	CHECK(strncmp(h, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, ", 77) == 0);
	CHECK(strstr(h, "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=") != NULL);

	/* Other credentials (STS AssumeRole with a source profile), and unsigned requests. */
	fake_reply(&f, 200, "get_caller_identity.xml", NULL);
	opts.creds = &other;
	opts.region = "eu-central-1";
	CHECK_INT(piam__query_call(c, PIAM__SVC_STS, "GetCallerIdentity", NULL, 0, &opts, &doc), PIAM_OK);
	piam__xml_free(c, doc);
	CHECK_STR(f.url[1], "https://sts.eu-central-1.amazonaws.com/");
	CHECK(fake_header(&f, 1, "Authorization", h, sizeof(h)) && strstr(h, "Credential=AKIDOTHER/20150830/eu-central-1/sts/"));
	CHECK(fake_header(&f, 1, "X-Amz-Security-Token", h, sizeof(h)) == NULL);
	fake_reply(&f, 200, "get_caller_identity.xml", NULL);
	opts.creds = NULL;
	opts.unsigned_request = 1;
	CHECK_INT(piam__query_call(c, PIAM__SVC_STS, "AssumeRoleWithWebIdentity", NULL, 0, &opts, &doc), PIAM_OK);
	piam__xml_free(c, doc);
	CHECK(fake_header(&f, 2, "Authorization", h, sizeof(h)) == NULL);
	CHECK(fake_header(&f, 2, "X-Amz-Date", h, sizeof(h)) == NULL);

	/* A reply that is not XML is a protocol error, with the request id. */
	fake_reply(&f, 200, NULL, "not xml");
	f.replies[3].request_id = "rid-9";
	CHECK_INT(piam__query_call(c, PIAM__SVC_IAM, "GetRole", p, 1, NULL, &doc), PIAM_EPROTOCOL);
	CHECK(doc == NULL);
	CHECK(strncmp(piam_client_error_message(c), "GetRole: unreadable reply: ", 27) == 0);
	CHECK_STR(piam_client_error_request_id(c), "rid-9");
	piam_client_free(c);

	/* No credentials: nothing is sent. */
	c = fake_client(&f, datadir, NULL);
	piam__creds_free(c);
	CHECK_INT(piam__query_call(c, PIAM__SVC_IAM, "GetRole", p, 1, NULL, &doc), PIAM_ECREDENTIALS);
	CHECK_INT(f.sent, 0);
	piam_client_free(c);
}

/* A clock hours off: AWS's Date header corrects it, once, and later requests sign with AWS's time. */
static void test_clock_skew(void)
{
	static const char skewed[] = "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>Signature expired: "
				     "20150830T123600Z is now earlier than 20260101T000000Z</Message></Error></ErrorResponse>";
	struct fake f;
	char h[64];
	piam_client *c = fake_client(&f, datadir, NULL);

	fake_reply(&f, 403, NULL, skewed);
	f.replies[0].date = 1767225600LL; /* 2026-01-01T00:00:00Z */
	fake_reply(&f, 200, "get_caller_identity.xml", NULL);
	CHECK_INT(get_caller(c), PIAM_OK);
	CHECK_INT(f.sent, 2);
	CHECK_INT(f.nsleeps, 0);
	CHECK_STR(fake_header(&f, 0, "X-Amz-Date", h, sizeof(h)), "20150830T123600Z");
	CHECK_STR(fake_header(&f, 1, "X-Amz-Date", h, sizeof(h)), "20260101T000000Z");
	CHECK_INT(piam_client_error(c), PIAM_OK);
	fake_reply(&f, 200, "get_caller_identity.xml", NULL);
	CHECK_INT(get_caller(c), PIAM_OK);
	CHECK_STR(fake_header(&f, 2, "X-Amz-Date", h, sizeof(h)), "20260101T000000Z");

	/* A signature error with the clocks in step is just that, and is not retried. */
	fake_reply(&f, 403, NULL, skewed);
	f.replies[3].date = 1767225660LL;
	CHECK_INT(get_caller(c), PIAM_ESIGNATURE);
	CHECK_INT(f.sent, 4);

	/* Corrected once per request: a second skew error in a row is returned. */
	fake_reply(&f, 403, NULL, skewed);
	f.replies[4].date = 1767225600LL + 86400;
	fake_reply(&f, 403, NULL, skewed);
	f.replies[5].date = 1767225600LL + 2 * 86400;
	CHECK_INT(get_caller(c), PIAM_ESIGNATURE);
	CHECK_INT(f.sent, 6);
	piam_client_free(c);

	/* Sent together, all signed with the wrong clock: the first corrects it, each is sent again once. */
	{
		struct piam__http_response resp[2];
		struct piam__request req[2];
		int rcs[2], i;

		c = fake_client(&f, datadir, NULL);
		for (i = 0; i < 2; i++) {
			memset(&req[i], 0, sizeof(req[i]));
			req[i].svc = PIAM__SVC_STS;
			req[i].op = "GetCallerIdentity";
			req[i].method = "POST";
			req[i].body = "Action=GetCallerIdentity&Version=2011-06-15";
			req[i].body_len = strlen(req[i].body);
			fake_reply(&f, 403, NULL, skewed);
			f.replies[i].date = 1767225600LL;
		}
		fake_reply(&f, 200, "get_caller_identity.xml", NULL);
		fake_reply(&f, 200, "get_caller_identity.xml", NULL);
		CHECK_INT(piam__request_send_many(c, req, 2, resp, rcs), PIAM_OK);
		CHECK_INT(rcs[0], PIAM_OK);
		CHECK_INT(rcs[1], PIAM_OK);
		CHECK_INT(f.sent, 4);
		CHECK_INT(f.nsleeps, 0);
		CHECK_STR(fake_header(&f, 2, "X-Amz-Date", h, sizeof(h)), "20260101T000000Z");
		CHECK_STR(fake_header(&f, 3, "X-Amz-Date", h, sizeof(h)), "20260101T000000Z");
		CHECK_INT(piam_client_error(c), PIAM_OK);
		for (i = 0; i < 2; i++)
			piam__http_response_free(c, &resp[i]);
		piam_client_free(c);
	}
}

/* An allocator whose blocks start zeroed (so scanning them is defined) and are scanned on free. */
struct scan_alloc {
	const char *forbidden[2];
	long leaked;
};

union scan_hdr {
	size_t size;
	max_align_t align;
};

static void *scan_malloc(size_t size, void *ud)
{
	union scan_hdr *h = calloc(1, sizeof(*h) + size);

	(void)ud;
	if (!h)
		return NULL;
	h->size = size;
	return h + 1;
}

static void scan_free(void *ptr, void *ud)
{
	struct scan_alloc *a = ud;
	union scan_hdr *h;
	const char *p;
	size_t i, j, n;

	if (!ptr)
		return;
	h = (union scan_hdr *)ptr - 1;
	p = ptr;
	for (j = 0; j < 2; j++) {
		n = strlen(a->forbidden[j]);
		for (i = 0; i + n <= h->size; i++)
			if (memcmp(p + i, a->forbidden[j], n) == 0) {
				a->leaked++;
				break;
			}
	}
	free(h);
}

static void *scan_realloc(void *ptr, size_t size, void *ud)
{
	union scan_hdr *old;
	void *p;

	if (!ptr)
		return scan_malloc(size, ud);
	old = (union scan_hdr *)ptr - 1;
	if (!(p = scan_malloc(size, ud)))
		return NULL;
	memcpy(p, ptr, old->size < size ? old->size : size);
	scan_free(ptr, ud);
	return p;
}

/* Credentials in a reply (STS AssumeRole) are wiped from every block piam frees. */
static void test_reply_secrets_wiped(void)
{
	struct scan_alloc sa = {{"SECRET-IN-REPLY", "TOKEN-IN-REPLY"}, 0};
	piam_allocator a = {scan_malloc, scan_realloc, scan_free, &sa};
	struct piam__xml *doc;
	struct fake f;
	piam_client *c = fake_client(&f, datadir, &a);

	fake_reply(&f, 200, "assume_role.xml", NULL);
	CHECK_INT(piam__query_call(c, PIAM__SVC_STS, "AssumeRole", NULL, 0, NULL, &doc), PIAM_OK);
	CHECK_STR(piam__xml_text(piam__xml_root(doc), "AssumeRoleResult/Credentials/SecretAccessKey"),
		  "SECRET-IN-REPLY-9f8e7d6c5b4a39281706");
	piam__xml_free(c, doc);
	piam_client_free(c);
	CHECK_INT(sa.leaked, 0);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		datadir = argv[1];
	test_endpoints();
	test_query_body();
	test_error_mapping();
	test_retry_policy();
	test_retry_loop();
	test_signed_headers();
	test_reply_secrets_wiped();
	test_clock_skew();
	return check_exit();
}
