/*
 * Every operation against moto_server, which checks every request's SigV4 signature and the
 * caller's IAM policy (run under tests/moto/with_moto.py, which sets PIAM_TEST_*).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ops.h"

CHECK_MAIN;

static const char trust[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
			    "{\"Service\":\"personalize.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";
static const char trust2[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
			     "{\"Service\":\"personalize.amazonaws.com\"},\"Action\":\"sts:AssumeRole\",\"Condition\":"
			     "{\"StringEquals\":{\"aws:SourceAccount\":\"123456789012\"}}}]}";
static const char s3policy[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
			       "[\"s3:GetObject\",\"s3:ListBucket\"],\"Resource\":[\"arn:aws:s3:::piam-moto-bucket\","
			       "\"arn:aws:s3:::piam-moto-bucket/*\"]}]}";
static const char s3policy2[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
				"[\"s3:GetObject\",\"s3:ListBucket\",\"s3:PutObject\"],\"Resource\":"
				"[\"arn:aws:s3:::piam-moto-bucket\",\"arn:aws:s3:::piam-moto-bucket/*\"]}]}";
static const char bucket_policy[] =
	"{\"Version\":\"2012-10-17\",\"Id\":\"PersonalizeS3BucketAccessPolicy\",\"Statement\":[{\"Sid\":"
	"\"PersonalizeS3BucketAccessPolicy\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
	"\"personalize.amazonaws.com\"},\"Action\":[\"s3:GetObject\",\"s3:ListBucket\",\"s3:PutObject\"],"
	"\"Resource\":[\"arn:aws:s3:::piam-moto-bucket\",\"arn:aws:s3:::piam-moto-bucket/*\"]}]}";

static const char *env(const char *name)
{
	const char *v = getenv(name);

	if (!v) {
		fprintf(stderr, "%s is not set: run under tests/moto/with_moto.py\n", name);
		exit(1);
	}
	return v;
}

static piam_client *client(const char *secret)
{
	piam_client *c;

	if (piam_client_new(&c, NULL) || piam_client_set_region(c, env("PIAM_TEST_REGION")) ||
	    piam_client_set_endpoint(c, NULL, env("PIAM_TEST_ENDPOINT")) ||
	    piam_client_set_credentials(c, env("PIAM_TEST_ACCESS_KEY_ID"),
					secret ? secret : env("PIAM_TEST_SECRET_ACCESS_KEY"), NULL)) {
		fprintf(stderr, "cannot set up the client\n");
		exit(1);
	}
	return c;
}

static size_t find(const piam_aws_result *r, const char *field, const char *value)
{
	size_t i;

	for (i = 0; i < piam_aws_result_count(r); i++)
		if (piam_aws_result_field(r, i, field) && strcmp(piam_aws_result_field(r, i, field), value) == 0)
			return i;
	return (size_t)-1;
}

static void test_sts(piam_client *c)
{
	piam_aws_result *r;

	CHECK_INT(piam_sts_get_caller_identity(&r, c), PIAM_OK);
	CHECK_STR(piam_aws_result_field(r, 0, "Account"), env("PIAM_TEST_ACCOUNT_ID"));
	CHECK(strstr(piam_aws_result_field(r, 0, "Arn"), ":user/piam-admin") != NULL);
	piam_aws_result_free(r);
}

static void test_role(piam_client *c)
{
	static const char *const keys[] = {"managed-by", "purpose"};
	static const char *const values[] = {"piam", "personalize & tests"};
	static const char *const more_keys[] = {"stage"};
	static const char *const more_values[] = {"integration"};
	piam_aws_result *r;
	char *arn;

	CHECK_INT(piam_iam_create_role(&r, c, "PersonalizeRole", trust, "/service-role/", "Personalize role", 7200,
				       keys, values, 2), PIAM_OK);
	arn = strdup(piam_aws_result_field(r, 0, "Arn") ? piam_aws_result_field(r, 0, "Arn") : "");
	CHECK(strstr(arn, ":role/service-role/PersonalizeRole") != NULL);
	CHECK_STR(piam_aws_result_field(r, 0, "AssumeRolePolicyDocument"), trust);
	piam_aws_result_free(r);

	CHECK_INT(piam_iam_create_role(&r, c, "PersonalizeRole", trust, NULL, NULL, 0, NULL, NULL, 0), PIAM_EEXISTS);
	CHECK_STR(piam_client_error_aws_code(c), "EntityAlreadyExists");
	CHECK_INT(piam_client_error_http_status(c), 409);
	CHECK(strncmp(piam_client_error_message(c), "CreateRole: EntityAlreadyExists (HTTP 409): ", 44) == 0);
	CHECK(strstr(piam_client_error_message(c), " [request id ") != NULL);
	CHECK(*piam_client_error_request_id(c) != '\0');

	CHECK_INT(piam_iam_get_role(&r, c, "PersonalizeRole"), PIAM_OK);
	CHECK_STR(piam_aws_result_field(r, 0, "Arn"), arn);
	CHECK_STR(piam_aws_result_field(r, 0, "Path"), "/service-role/");
	CHECK_STR(piam_aws_result_field(r, 0, "Description"), "Personalize role");
	CHECK_STR(piam_aws_result_field(r, 0, "MaxSessionDuration"), "7200");
	CHECK_STR(piam_aws_result_field(r, 0, "Tag:managed-by"), "piam");
	CHECK_STR(piam_aws_result_field(r, 0, "Tag:purpose"), "personalize & tests");
	piam_aws_result_free(r);

	CHECK_INT(piam_iam_get_role(&r, c, "NoSuchRole"), PIAM_ENOTFOUND);
	CHECK_STR(piam_client_error_aws_code(c), "NoSuchEntity");
	CHECK_INT(piam_client_error_http_status(c), 404);

	CHECK_INT(piam_iam_set_trust(c, "PersonalizeRole", trust2), PIAM_OK);
	CHECK_INT(piam_iam_get_role(&r, c, "PersonalizeRole"), PIAM_OK);
	CHECK_STR(piam_aws_result_field(r, 0, "AssumeRolePolicyDocument"), trust2);
	piam_aws_result_free(r);

	CHECK_INT(piam_iam_tag_role(c, "PersonalizeRole", more_keys, more_values, 1), PIAM_OK);
	CHECK_INT(piam_iam_list_role_tags(&r, c, "PersonalizeRole"), PIAM_OK);
	CHECK_INT(piam_aws_result_count(r), 3);
	CHECK(find(r, "Key", "stage") != (size_t)-1);
	CHECK_STR(piam_aws_result_field(r, find(r, "Key", "managed-by"), "Value"), "piam");
	piam_aws_result_free(r);
	free(arn);
}

static void test_policies(piam_client *c)
{
	static const char *const keys[] = {"managed-by"};
	static const char *const values[] = {"piam"};
	const char *managed = "arn:aws:iam::aws:policy/service-role/AmazonPersonalizeFullAccess";
	piam_aws_result *r;
	char arn[256];
	size_t i;

	CHECK_INT(piam_iam_create_policy(&r, c, "PersonalizeRole-s3", s3policy, "/piam/", "S3 access", keys, values, 1),
		  PIAM_OK);
	snprintf(arn, sizeof(arn), "%s", piam_aws_result_field(r, 0, "Arn") ? piam_aws_result_field(r, 0, "Arn") : "");
	CHECK(strstr(arn, ":policy/piam/PersonalizeRole-s3") != NULL);
	CHECK_STR(piam_aws_result_field(r, 0, "DefaultVersionId"), "v1");
	piam_aws_result_free(r);

	CHECK_INT(piam_iam_create_policy(NULL, c, "PersonalizeRole-s3", s3policy, "/piam/", NULL, NULL, NULL, 0),
		  PIAM_EEXISTS);
	CHECK_INT(piam_iam_create_policy(NULL, c, "Broken", "{\"Version\":\"2012-10-17\"}", NULL, NULL, NULL, NULL, 0),
		  PIAM_EPOLICY);
	CHECK_STR(piam_client_error_aws_code(c), "MalformedPolicyDocument");

	CHECK_INT(piam_iam_get_policy(&r, c, arn), PIAM_OK);
	CHECK_STR(piam_aws_result_field(r, 0, "PolicyName"), "PersonalizeRole-s3");
	piam_aws_result_free(r);

	CHECK_INT(piam_iam_create_policy_version(&r, c, arn, s3policy2, 1), PIAM_OK);
	CHECK_STR(piam_aws_result_field(r, 0, "VersionId"), "v2");
	piam_aws_result_free(r);
	CHECK_INT(piam_iam_list_policy_versions(&r, c, arn), PIAM_OK);
	CHECK_INT(piam_aws_result_count(r), 2);
	i = find(r, "VersionId", "v2");
	CHECK(i != (size_t)-1);
	CHECK_STR(piam_aws_result_field(r, i, "IsDefaultVersion"), "true");
	piam_aws_result_free(r);
	CHECK_INT(piam_iam_get_policy_version(&r, c, arn, "v2"), PIAM_OK);
	CHECK_STR(piam_aws_result_field(r, 0, "Document"), s3policy2);
	piam_aws_result_free(r);
	CHECK_INT(piam_iam_delete_policy_version(c, arn, "v2"), PIAM_ECONFLICT); /* the default one */
	CHECK_INT(piam_iam_delete_policy_version(c, arn, "v1"), PIAM_OK);
	CHECK_INT(piam_iam_get_policy_version(&r, c, arn, "v1"), PIAM_ENOTFOUND);

	CHECK_INT(piam_iam_attach_role_policy(c, "PersonalizeRole", arn), PIAM_OK);
	CHECK_INT(piam_iam_attach_role_policy(c, "PersonalizeRole", managed), PIAM_OK);
	CHECK_INT(piam_iam_attach_role_policy(c, "NoSuchRole", managed), PIAM_ENOTFOUND);
	CHECK_INT(piam_iam_list_attached_role_policies(&r, c, "PersonalizeRole"), PIAM_OK);
	CHECK_INT(piam_aws_result_count(r), 2);
	CHECK(find(r, "PolicyArn", arn) != (size_t)-1);
	CHECK_STR(piam_aws_result_field(r, find(r, "PolicyArn", managed), "PolicyName"), "AmazonPersonalizeFullAccess");
	piam_aws_result_free(r);
	CHECK_INT(piam_iam_list_role_policies(&r, c, "PersonalizeRole"), PIAM_OK);
	CHECK_INT(piam_aws_result_count(r), 0);
	piam_aws_result_free(r);

	/* A role with attachments cannot go; detach, then it can. */
	CHECK_INT(piam_iam_delete_role(c, "PersonalizeRole"), PIAM_ECONFLICT);
	CHECK_STR(piam_client_error_aws_code(c), "DeleteConflict");
	CHECK_INT(piam_iam_detach_role_policy(c, "PersonalizeRole", managed), PIAM_OK);
	CHECK_INT(piam_iam_detach_role_policy(c, "PersonalizeRole", arn), PIAM_OK);
	CHECK_INT(piam_iam_detach_role_policy(c, "PersonalizeRole", arn), PIAM_ENOTFOUND);
	CHECK_INT(piam_iam_delete_policy(c, arn), PIAM_OK);
	CHECK_INT(piam_iam_get_policy(&r, c, arn), PIAM_ENOTFOUND);
	CHECK_INT(piam_iam_delete_role(c, "PersonalizeRole"), PIAM_OK);
	CHECK_INT(piam_iam_delete_role(c, "PersonalizeRole"), PIAM_ENOTFOUND);
}

static void test_user(piam_client *c)
{
	piam_aws_result *r;

	CHECK_INT(piam_iam_create_user(&r, c, "piam-operator", "/ops/"), PIAM_OK);
	CHECK(strstr(piam_aws_result_field(r, 0, "Arn"), ":user/ops/piam-operator") != NULL);
	piam_aws_result_free(r);
	CHECK_INT(piam_iam_create_user(NULL, c, "piam-operator", NULL), PIAM_EEXISTS);
	CHECK_INT(piam_iam_attach_user_policy(c, "piam-operator", "arn:aws:iam::aws:policy/ReadOnlyAccess"), PIAM_OK);
	CHECK_INT(piam_iam_attach_user_policy(c, "nobody", "arn:aws:iam::aws:policy/ReadOnlyAccess"), PIAM_ENOTFOUND);
}

static void test_bucket_policy(piam_client *c)
{
	char *s;

	CHECK_INT(piam__s3_create_bucket(c, "piam-moto-bucket"), PIAM_OK);
	CHECK_INT(piam_s3_get_bucket_location(&s, c, "piam-moto-bucket"), PIAM_OK);
	CHECK_STR(s, "us-east-1");
	piam_free(s);

	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "piam-moto-bucket"), PIAM_ENOTFOUND);
	CHECK_STR(piam_client_error_aws_code(c), "NoSuchBucketPolicy");
	CHECK(s == NULL);
	CHECK_INT(piam_s3_put_bucket_policy(c, "piam-moto-bucket", bucket_policy), PIAM_OK);
	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "piam-moto-bucket"), PIAM_OK);
	CHECK_STR(s, bucket_policy);
	piam_free(s);
	CHECK_INT(piam_s3_delete_bucket_policy(c, "piam-moto-bucket"), PIAM_OK);
	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "piam-moto-bucket"), PIAM_ENOTFOUND);

	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "piam-no-such-bucket"), PIAM_ENOTFOUND);
	CHECK_STR(piam_client_error_aws_code(c), "NoSuchBucket");
	CHECK_INT(piam_s3_put_bucket_policy(c, "piam-no-such-bucket", bucket_policy), PIAM_ENOTFOUND);
}

/* A wrong secret: the server computes another signature and says so; no retry. */
static void test_wrong_secret(void)
{
	piam_aws_result *r;
	piam_client *c = client("wrong-secret-for-this-key");
	char *s;

	CHECK_INT(piam_iam_get_role(&r, c, "AnyRole"), PIAM_ESIGNATURE);
	CHECK_STR(piam_client_error_aws_code(c), "SignatureDoesNotMatch");
	CHECK_INT(piam_client_error_http_status(c), 403);
	CHECK(strncmp(piam_client_error_message(c), "GetRole: SignatureDoesNotMatch (HTTP 403)", 41) == 0);
	CHECK(strstr(piam_client_error_message(c), "wrong-secret") == NULL);
	CHECK_INT(piam_sts_get_caller_identity(&r, c), PIAM_ESIGNATURE);
	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "piam-moto-bucket"), PIAM_ESIGNATURE);
	CHECK_STR(piam_client_error_aws_code(c), "SignatureDoesNotMatch");
	piam_client_free(c);

	/* An access key the server does not know. */
	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK_INT(piam_client_set_region(c, env("PIAM_TEST_REGION")), PIAM_OK);
	CHECK_INT(piam_client_set_endpoint(c, NULL, env("PIAM_TEST_ENDPOINT")), PIAM_OK);
	CHECK_INT(piam_client_set_credentials(c, "AKIAUNKNOWNKEY000000", "secret", NULL), PIAM_OK);
	CHECK_INT(piam_iam_get_role(&r, c, "AnyRole"), PIAM_ESIGNATURE);
	CHECK_STR(piam_client_error_aws_code(c), "InvalidClientTokenId");
	piam_client_free(c);
}

/* The endpoint and credentials as every SDK reads them from the environment. */
static void test_environment(void)
{
	piam_aws_result *r;
	piam_client *c;

	setenv("AWS_ENDPOINT_URL_STS", env("PIAM_TEST_ENDPOINT"), 1);
	setenv("AWS_ACCESS_KEY_ID", env("PIAM_TEST_ACCESS_KEY_ID"), 1);
	setenv("AWS_SECRET_ACCESS_KEY", env("PIAM_TEST_SECRET_ACCESS_KEY"), 1);
	setenv("AWS_REGION", env("PIAM_TEST_REGION"), 1);
	unsetenv("AWS_SESSION_TOKEN");
	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK_INT(piam_client_use_environment(c, 1), PIAM_OK);
	CHECK_INT(piam_sts_get_caller_identity(&r, c), PIAM_OK);
	CHECK_STR(piam_aws_result_field(r, 0, "Account"), env("PIAM_TEST_ACCOUNT_ID"));
	piam_aws_result_free(r);
	piam_client_free(c);
}

int main(void)
{
	piam_client *c = client(NULL);

	test_sts(c);
	test_role(c);
	test_policies(c);
	test_user(c);
	test_bucket_policy(c);
	piam_client_free(c);
	test_wrong_secret();
	test_environment();
	return check_exit();
}
