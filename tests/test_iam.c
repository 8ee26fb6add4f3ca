/*
 * The operations (IAM, STS, S3) through a scripted transport: the exact requests they send,
 * the records they make of recorded replies, pagination, S3's region redirect and Content-MD5,
 * argument checks (nothing sent), and allocation failures.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fake_transport.h"
#include "ops.h"
#include "testalloc.h"

CHECK_MAIN;

static const char *datadir = "tests/data";

static const char trust[] = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
			    "{\"Service\":\"personalize.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}";

static void test_create_role(void)
{
	static const char *const keys[] = {"managed-by", "team"};
	static const char *const values[] = {"piam", "ml & data"};
	piam_aws_result *r;
	struct fake f;
	piam_client *c = fake_client(&f, datadir, NULL);

	fake_reply(&f, 200, NULL,
		   "<CreateRoleResponse><CreateRoleResult><Role><RoleName>PersonalizeRole</RoleName>"
		   "<Arn>arn:aws:iam::123456789012:role/service-role/PersonalizeRole</Arn></Role>"
		   "</CreateRoleResult></CreateRoleResponse>");
	CHECK_INT(piam_iam_create_role(&r, c, "PersonalizeRole", trust, "/service-role/", "For Personalize", 7200,
				       keys, values, 2), PIAM_OK);
	CHECK_STR(f.body[0],
		  "Action=CreateRole&Version=2010-05-08&RoleName=PersonalizeRole"
		  "&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22"
		  "%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22personalize.amazonaws.com%22%7D%2C%22Action"
		  "%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
		  "&Path=%2Fservice-role%2F&Description=For+Personalize&MaxSessionDuration=7200"
		  "&Tags.member.1.Key=managed-by&Tags.member.1.Value=piam"
		  "&Tags.member.2.Key=team&Tags.member.2.Value=ml+%26+data");
	CHECK_INT(piam_aws_result_count(r), 1);
	CHECK_STR(piam_aws_result_field(r, 0, "Arn"), "arn:aws:iam::123456789012:role/service-role/PersonalizeRole");
	piam_aws_result_free(r);

	/* Optional parts left out; out may be NULL. */
	fake_reply(&f, 200, NULL, "<CreateRoleResponse><CreateRoleResult><Role/></CreateRoleResult></CreateRoleResponse>");
	CHECK_INT(piam_iam_create_role(NULL, c, "r", "{}", NULL, NULL, 0, NULL, NULL, 0), PIAM_OK);
	CHECK_STR(f.body[1], "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D");

	/* Already exists: the message names the action, the code, the status and the request id. */
	fake_reply(&f, 409, "error_iam.xml", NULL);
	r = (piam_aws_result *)&r;
	CHECK_INT(piam_iam_create_role(&r, c, "PersonalizeRole", trust, NULL, NULL, 0, NULL, NULL, 0), PIAM_EEXISTS);
	CHECK(r == NULL);
	CHECK_STR(piam_client_error_message(c),
		  "CreateRole: EntityAlreadyExists (HTTP 409): Role with name PersonalizeRole already exists. "
		  "[request id 4a9e0c3f-2a7b-4b8e-9f55-0c7a1c1e5c11]");
	CHECK_STR(piam_client_error_aws_code(c), "EntityAlreadyExists");
	piam_client_free(c);
}

static void test_get_role(void)
{
	piam_aws_result *r;
	struct fake f;
	piam_client *c = fake_client(&f, datadir, NULL);
	size_t i;
	int tags = 0;

	fake_reply(&f, 200, "get_role.xml", NULL);
	CHECK_INT(piam_iam_get_role(&r, c, "PersonalizeRole"), PIAM_OK);
	CHECK_STR(f.body[0], "Action=GetRole&Version=2010-05-08&RoleName=PersonalizeRole");
	CHECK_INT(piam_aws_result_count(r), 1);
	CHECK_STR(piam_aws_result_field(r, 0, "RoleName"), "PersonalizeRole");
	CHECK_STR(piam_aws_result_field(r, 0, "Path"), "/service-role/");
	CHECK_STR(piam_aws_result_field(r, 0, "RoleId"), "AROADBQP57FF2AEXAMPLE");
	CHECK_STR(piam_aws_result_field(r, 0, "MaxSessionDuration"), "3600");
	CHECK_STR(piam_aws_result_field(r, 0, "Description"), "Role & trust for Personalize");
	CHECK_STR(piam_aws_result_field(r, 0, "AssumeRolePolicyDocument"), trust); /* decoded */
	CHECK_STR(piam_aws_result_field(r, 0, "Tag:managed-by"), "piam");
	CHECK_STR(piam_aws_result_field(r, 0, "Tag:team"), "ml");
	CHECK(piam_aws_result_field(r, 0, "RoleLastUsed") == NULL); /* nested, not a field */
	CHECK(piam_aws_result_field(r, 0, "Nope") == NULL);
	CHECK(piam_aws_result_field(r, 1, "RoleName") == NULL);
	CHECK(piam_aws_result_field(r, 0, NULL) == NULL);
	CHECK(piam_aws_result_field(NULL, 0, "RoleName") == NULL);
	for (i = 0; i < piam_aws_result_field_count(r, 0); i++)
		tags += strncmp(piam_aws_result_field_name(r, 0, i), "Tag:", 4) == 0;
	CHECK_INT(tags, 2);
	CHECK(piam_aws_result_field_name(r, 0, i) == NULL);
	CHECK_INT(piam_aws_result_field_count(r, 1), 0);
	CHECK_INT(piam_aws_result_count(NULL), 0);
	piam_aws_result_free(r);

	fake_reply(&f, 404, NULL,
		   "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name "
		   "Nope cannot be found.</Message></Error><RequestId>nf-1</RequestId></ErrorResponse>");
	CHECK_INT(piam_iam_get_role(&r, c, "Nope"), PIAM_ENOTFOUND);
	CHECK(r == NULL);
	CHECK_STR(piam_client_error_aws_code(c), "NoSuchEntity");
	CHECK_INT(piam_client_error_http_status(c), 404);

	/* A success clears the last error. */
	fake_reply(&f, 200, "get_role.xml", NULL);
	CHECK_INT(piam_iam_get_role(&r, c, "PersonalizeRole"), PIAM_OK);
	CHECK_INT(piam_client_error(c), PIAM_OK);
	CHECK_STR(piam_client_error_message(c), "");
	piam_client_free(c); /* the result outlives its client */
	CHECK_STR(piam_aws_result_field(r, 0, "RoleName"), "PersonalizeRole");
	piam_aws_result_free(r);
	piam_aws_result_free(NULL);
}

static void test_lists(void)
{
	piam_aws_result *r;
	struct fake f;
	piam_client *c = fake_client(&f, datadir, NULL);

	fake_reply(&f, 200, "list_attached_page1.xml", NULL);
	fake_reply(&f, 200, "list_attached_page2.xml", NULL);
	CHECK_INT(piam_iam_list_attached_role_policies(&r, c, "PersonalizeRole"), PIAM_OK);
	CHECK_INT(f.sent, 2);
	CHECK_STR(f.body[0], "Action=ListAttachedRolePolicies&Version=2010-05-08&RoleName=PersonalizeRole&MaxItems=1000");
	CHECK_STR(f.body[1], "Action=ListAttachedRolePolicies&Version=2010-05-08&RoleName=PersonalizeRole&MaxItems=1000"
			     "&Marker=page+2%2F%26");
	CHECK_INT(piam_aws_result_count(r), 3);
	CHECK_STR(piam_aws_result_field(r, 0, "PolicyName"), "AmazonPersonalizeFullAccess");
	CHECK_STR(piam_aws_result_field(r, 1, "PolicyArn"), "arn:aws:iam::123456789012:policy/PersonalizeRole-s3");
	CHECK_STR(piam_aws_result_field(r, 2, "PolicyArn"), "arn:aws:iam::aws:policy/CloudWatchFullAccess");
	piam_aws_result_free(r);

	fake_reply(&f, 200, "list_role_policies.xml", NULL);
	CHECK_INT(piam_iam_list_role_policies(&r, c, "PersonalizeRole"), PIAM_OK);
	CHECK_INT(piam_aws_result_count(r), 2);
	CHECK_STR(piam_aws_result_field(r, 1, "PolicyName"), "inline-two");
	piam_aws_result_free(r);

	fake_reply(&f, 200, NULL,
		   "<ListRoleTagsResponse><ListRoleTagsResult><Tags><member><Key>a</Key><Value>1</Value></member>"
		   "</Tags><IsTruncated>false</IsTruncated></ListRoleTagsResult></ListRoleTagsResponse>");
	CHECK_INT(piam_iam_list_role_tags(&r, c, "PersonalizeRole"), PIAM_OK);
	CHECK_INT(piam_aws_result_count(r), 1);
	CHECK_STR(piam_aws_result_field(r, 0, "Key"), "a");
	CHECK_STR(piam_aws_result_field(r, 0, "Value"), "1");
	piam_aws_result_free(r);

	fake_reply(&f, 200, NULL,
		   "<ListPolicyVersionsResponse><ListPolicyVersionsResult><Versions>"
		   "<member><VersionId>v2</VersionId><IsDefaultVersion>true</IsDefaultVersion></member>"
		   "<member><VersionId>v1</VersionId><IsDefaultVersion>false</IsDefaultVersion></member>"
		   "</Versions><IsTruncated>false</IsTruncated></ListPolicyVersionsResult></ListPolicyVersionsResponse>");
	CHECK_INT(piam_iam_list_policy_versions(&r, c, "arn:aws:iam::123456789012:policy/p"), PIAM_OK);
	CHECK_STR(f.body[f.sent - 1], "Action=ListPolicyVersions&Version=2010-05-08"
				      "&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2Fp&MaxItems=1000");
	CHECK_INT(piam_aws_result_count(r), 2);
	CHECK_STR(piam_aws_result_field(r, 1, "IsDefaultVersion"), "false");
	piam_aws_result_free(r);

	/* Truncated without a marker is a broken reply, not an endless loop. */
	fake_reply(&f, 200, NULL,
		   "<ListRoleTagsResponse><ListRoleTagsResult><Tags/><IsTruncated>true</IsTruncated>"
		   "</ListRoleTagsResult></ListRoleTagsResponse>");
	CHECK_INT(piam_iam_list_role_tags(&r, c, "PersonalizeRole"), PIAM_EPROTOCOL);
	CHECK(r == NULL);
	piam_client_free(c);
}

static void test_policy_ops(void)
{
	static const char *const keys[] = {"managed-by"};
	static const char *const values[] = {"piam"};
	const char *arn = "arn:aws:iam::123456789012:policy/PersonalizeRole-s3";
	piam_aws_result *r;
	struct fake f;
	piam_client *c = fake_client(&f, datadir, NULL);

	fake_reply(&f, 200, NULL,
		   "<CreatePolicyResponse><CreatePolicyResult><Policy><PolicyName>PersonalizeRole-s3</PolicyName>"
		   "<DefaultVersionId>v1</DefaultVersionId><Arn>arn:aws:iam::123456789012:policy/PersonalizeRole-s3</Arn>"
		   "<Tags><member><Key>managed-by</Key><Value>piam</Value></member></Tags>"
		   "</Policy></CreatePolicyResult></CreatePolicyResponse>");
	CHECK_INT(piam_iam_create_policy(&r, c, "PersonalizeRole-s3", "{}", NULL, "d", keys, values, 1), PIAM_OK);
	CHECK_STR(f.body[0], "Action=CreatePolicy&Version=2010-05-08&PolicyName=PersonalizeRole-s3&PolicyDocument=%7B%7D"
			     "&Description=d&Tags.member.1.Key=managed-by&Tags.member.1.Value=piam");
	CHECK_STR(piam_aws_result_field(r, 0, "DefaultVersionId"), "v1");
	CHECK_STR(piam_aws_result_field(r, 0, "Tag:managed-by"), "piam");
	piam_aws_result_free(r);

	fake_reply(&f, 200, "get_policy_version.xml", NULL);
	CHECK_INT(piam_iam_get_policy_version(&r, c, arn, "v2"), PIAM_OK);
	CHECK_STR(f.body[1], "Action=GetPolicyVersion&Version=2010-05-08"
			     "&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FPersonalizeRole-s3&VersionId=v2");
	CHECK_STR(piam_aws_result_field(r, 0, "Document"),
		  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\","
		  "\"s3:ListBucket\"],\"Resource\":\"arn:aws:s3:::a+b/*\"}]}");
	CHECK_STR(piam_aws_result_field(r, 0, "IsDefaultVersion"), "true");
	piam_aws_result_free(r);

	fake_reply(&f, 200, NULL,
		   "<CreatePolicyVersionResponse><CreatePolicyVersionResult><PolicyVersion><VersionId>v3</VersionId>"
		   "<IsDefaultVersion>true</IsDefaultVersion></PolicyVersion></CreatePolicyVersionResult>"
		   "</CreatePolicyVersionResponse>");
	CHECK_INT(piam_iam_create_policy_version(&r, c, arn, "{\"x\":1}", 1), PIAM_OK);
	CHECK(strstr(f.body[2], "&PolicyDocument=%7B%22x%22%3A1%7D&SetAsDefault=true") != NULL);
	CHECK_STR(piam_aws_result_field(r, 0, "VersionId"), "v3");
	piam_aws_result_free(r);

	fake_reply(&f, 409, NULL,
		   "<ErrorResponse><Error><Code>LimitExceeded</Code><Message>A managed policy can have up to 5 versions."
		   "</Message></Error></ErrorResponse>");
	CHECK_INT(piam_iam_create_policy_version(NULL, c, arn, "{}", 0), PIAM_ELIMIT);
	CHECK(strstr(f.body[3], "&SetAsDefault=false") != NULL);

	fake_reply(&f, 200, NULL, "<R/>");
	fake_reply(&f, 200, NULL, "<R/>");
	fake_reply(&f, 200, NULL, "<R/>");
	fake_reply(&f, 200, NULL, "<R/>");
	fake_reply(&f, 200, NULL, "<R/>");
	fake_reply(&f, 200, NULL, "<R/>");
	fake_reply(&f, 200, NULL, "<R/>");
	fake_reply(&f, 200, NULL, "<R/>");
	CHECK_INT(piam_iam_delete_policy_version(c, arn, "v1"), PIAM_OK);
	CHECK_STR(f.body[4], "Action=DeletePolicyVersion&Version=2010-05-08"
			     "&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FPersonalizeRole-s3&VersionId=v1");
	CHECK_INT(piam_iam_delete_policy(c, arn), PIAM_OK);
	CHECK_STR(f.body[5], "Action=DeletePolicy&Version=2010-05-08"
			     "&PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FPersonalizeRole-s3");
	CHECK_INT(piam_iam_attach_role_policy(c, "R", arn), PIAM_OK);
	CHECK(strncmp(f.body[6], "Action=AttachRolePolicy&Version=2010-05-08&RoleName=R&PolicyArn=arn%3A", 70) == 0);
	CHECK_INT(piam_iam_detach_role_policy(c, "R", arn), PIAM_OK);
	CHECK(strncmp(f.body[7], "Action=DetachRolePolicy&Version=2010-05-08&RoleName=R&PolicyArn=arn%3A", 70) == 0);
	CHECK_INT(piam_iam_set_trust(c, "R", "{}"), PIAM_OK);
	CHECK_STR(f.body[8], "Action=UpdateAssumeRolePolicy&Version=2010-05-08&RoleName=R&PolicyDocument=%7B%7D");
	CHECK_INT(piam_iam_tag_role(c, "R", keys, values, 1), PIAM_OK);
	CHECK_STR(f.body[9], "Action=TagRole&Version=2010-05-08&RoleName=R&Tags.member.1.Key=managed-by"
			     "&Tags.member.1.Value=piam");
	CHECK_INT(piam_iam_delete_role(c, "R"), PIAM_OK);
	CHECK_STR(f.body[10], "Action=DeleteRole&Version=2010-05-08&RoleName=R");
	CHECK_INT(piam_iam_attach_user_policy(c, "u", arn), PIAM_OK);
	CHECK(strncmp(f.body[11], "Action=AttachUserPolicy&Version=2010-05-08&UserName=u&PolicyArn=", 64) == 0);

	fake_reply(&f, 200, NULL,
		   "<CreateUserResponse><CreateUserResult><User><UserName>u</UserName><Path>/ops/</Path></User>"
		   "</CreateUserResult></CreateUserResponse>");
	CHECK_INT(piam_iam_create_user(&r, c, "u", "/ops/"), PIAM_OK);
	CHECK_STR(f.body[12], "Action=CreateUser&Version=2010-05-08&UserName=u&Path=%2Fops%2F");
	CHECK_STR(piam_aws_result_field(r, 0, "Path"), "/ops/");
	piam_aws_result_free(r);

	fake_reply(&f, 200, NULL, "<GetPolicyResponse><GetPolicyResult><Policy><Arn>x</Arn></Policy></GetPolicyResult></GetPolicyResponse>");
	CHECK_INT(piam_iam_get_policy(&r, c, arn), PIAM_OK);
	CHECK_STR(piam_aws_result_field(r, 0, "Arn"), "x");
	piam_aws_result_free(r);

	/* A reply without the element the action returns is a protocol error. */
	fake_reply(&f, 200, NULL, "<GetPolicyResponse/>");
	CHECK_INT(piam_iam_get_policy(&r, c, arn), PIAM_EPROTOCOL);
	CHECK_STR(piam_client_error_message(c), "GetPolicy: the reply has no GetPolicyResult/Policy");
	piam_client_free(c);
}

static void test_sts(void)
{
	piam_aws_result *r;
	struct fake f;
	piam_client *c = fake_client(&f, datadir, NULL);

	CHECK_INT(piam_client_set_region(c, "eu-west-1"), PIAM_OK);
	fake_reply(&f, 200, "get_caller_identity.xml", NULL);
	CHECK_INT(piam_sts_get_caller_identity(&r, c), PIAM_OK);
	CHECK_STR(f.url[0], "https://sts.eu-west-1.amazonaws.com/");
	CHECK_STR(f.body[0], "Action=GetCallerIdentity&Version=2011-06-15");
	CHECK_STR(piam_aws_result_field(r, 0, "Account"), "123456789012");
	CHECK_STR(piam_aws_result_field(r, 0, "Arn"), "arn:aws:iam::123456789012:user/Alice");
	CHECK_STR(piam_aws_result_field(r, 0, "UserId"), "AIDACKCEVSQ6C2EXAMPLE");
	piam_aws_result_free(r);
	CHECK_INT(piam_sts_get_caller_identity(NULL, c), PIAM_EINVAL);
	CHECK_INT(piam_sts_get_caller_identity(&r, NULL), PIAM_EINVAL);
	piam_client_free(c);
}

static void test_s3(void)
{
	static const char policy[] = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
	char h[256], *s;
	struct fake f;
	piam_client *c = fake_client(&f, datadir, NULL);

	fake_reply(&f, 200, NULL, policy);
	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "my-bucket"), PIAM_OK);
	CHECK_STR(f.method[0], "GET");
	CHECK_STR(f.url[0], "https://my-bucket.s3.us-east-1.amazonaws.com/?policy");
	CHECK_STR(fake_header(&f, 0, "X-Amz-Content-Sha256", h, sizeof(h)),
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK(fake_header(&f, 0, "Authorization", h, sizeof(h)) && strstr(h, "/us-east-1/s3/aws4_request"));
	CHECK_STR(s, policy);
	piam_free(s);

	fake_reply(&f, 404, "error_s3.xml", NULL);
	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "my-bucket"), PIAM_ENOTFOUND);
	CHECK(s == NULL);
	CHECK_STR(piam_client_error_aws_code(c), "NoSuchBucketPolicy");
	CHECK_STR(piam_client_error_message(c),
		  "GetBucketPolicy: NoSuchBucketPolicy (HTTP 404): The bucket policy does not exist [request id 1D5H9EXAMPLE]");

	/* PutBucketPolicy carries the body's Content-MD5, signed. */
	fake_reply(&f, 204, NULL, NULL);
	CHECK_INT(piam_s3_put_bucket_policy(c, "my-bucket", "{\"Statement\": []}"), PIAM_OK);
	CHECK_STR(f.method[2], "PUT");
	CHECK_STR(f.body[2], "{\"Statement\": []}");
	CHECK_STR(fake_header(&f, 2, "Content-MD5", h, sizeof(h)), "s6H8vKB1+SMdcIHEuDm/Lw==");
	CHECK(fake_header(&f, 2, "Authorization", h, sizeof(h)) && strstr(h, "content-md5;host;"));

	fake_reply(&f, 204, NULL, NULL);
	CHECK_INT(piam_s3_delete_bucket_policy(c, "my-bucket"), PIAM_OK);
	CHECK_STR(f.method[3], "DELETE");
	CHECK_STR(f.url[3], "https://my-bucket.s3.us-east-1.amazonaws.com/?policy");

	/* A bucket in another region: S3 says where; the request goes there, signed for it, and
	 * later requests for that bucket go there directly. */
	fake_reply(&f, 301, "error_redirect.xml", NULL);
	f.replies[4].bucket_region = "eu-west-1";
	fake_reply(&f, 200, "location_eu.xml", NULL);
	CHECK_INT(piam_s3_get_bucket_location(&s, c, "my-bucket"), PIAM_OK);
	CHECK_STR(s, "eu-west-1"); /* the legacy "EU" */
	piam_free(s);
	CHECK_INT(f.sent, 6);
	CHECK_STR(f.url[5], "https://my-bucket.s3.eu-west-1.amazonaws.com/?location");
	CHECK(fake_header(&f, 5, "Authorization", h, sizeof(h)) && strstr(h, "/eu-west-1/s3/aws4_request"));
	CHECK_INT(f.nsleeps, 0);
	CHECK_INT(piam_client_error(c), PIAM_OK);
	fake_reply(&f, 200, NULL, "<LocationConstraint>eu-west-1</LocationConstraint>");
	CHECK_INT(piam_s3_get_bucket_location(&s, c, "my-bucket"), PIAM_OK);
	CHECK_STR(f.url[6], "https://my-bucket.s3.eu-west-1.amazonaws.com/?location");
	piam_free(s);
	fake_reply(&f, 200, NULL, "<LocationConstraint/>");
	CHECK_INT(piam_s3_get_bucket_location(&s, c, "other-bucket"), PIAM_OK);
	CHECK_STR(s, "us-east-1");
	CHECK_STR(f.url[7], "https://other-bucket.s3.us-east-1.amazonaws.com/?location");
	piam_free(s);

	/* Wrong region, S3 says AuthorizationHeaderMalformed with the region header: same remedy. */
	fake_reply(&f, 400, NULL, "<Error><Code>AuthorizationHeaderMalformed</Code></Error>");
	f.replies[8].bucket_region = "ap-south-1";
	fake_reply(&f, 200, NULL, policy);
	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "third-bucket"), PIAM_OK);
	CHECK_STR(f.url[9], "https://third-bucket.s3.ap-south-1.amazonaws.com/?policy");
	piam_free(s);

	/* A redirect happens once; a second one is an error. */
	fake_reply(&f, 301, "error_redirect.xml", NULL);
	f.replies[10].bucket_region = "eu-north-1";
	fake_reply(&f, 301, "error_redirect.xml", NULL);
	f.replies[11].bucket_region = "eu-south-1";
	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "fourth-bucket"), PIAM_ESERVICE);
	CHECK_STR(piam_client_error_aws_code(c), "PermanentRedirect");
	CHECK_INT(f.sent, 12);
	piam_client_free(c);
}

static void test_arguments(void)
{
	static const char *const keys[] = {"k"};
	static const char *const no_value[] = {NULL};
	piam_aws_result *r;
	char *s;
	struct fake f;
	piam_client *c = fake_client(&f, datadir, NULL);
	char longname[80];

	memset(longname, 'a', 65);
	longname[65] = '\0';
	CHECK_INT(piam_iam_get_role(&r, c, ""), PIAM_EINVAL);
	CHECK_INT(piam_iam_get_role(&r, c, NULL), PIAM_EINVAL);
	CHECK_INT(piam_iam_get_role(&r, c, "bad name"), PIAM_EINVAL);
	CHECK_INT(piam_iam_get_role(&r, c, "a&Action=DeleteRole"), PIAM_EINVAL);
	CHECK_INT(piam_iam_get_role(&r, c, longname), PIAM_EINVAL);
	CHECK_INT(piam_iam_get_role(NULL, c, "r"), PIAM_EINVAL);
	CHECK_INT(piam_iam_get_role(&r, NULL, "r"), PIAM_EINVAL);
	CHECK_INT(piam_iam_create_role(NULL, c, "r", NULL, NULL, NULL, 0, NULL, NULL, 0), PIAM_EINVAL);
	CHECK_INT(piam_iam_create_role(NULL, c, "r", "{}", "no-slashes", NULL, 0, NULL, NULL, 0), PIAM_EINVAL);
	CHECK_INT(piam_iam_create_role(NULL, c, "r", "{}", NULL, NULL, 60, NULL, NULL, 0), PIAM_EINVAL);
	CHECK_INT(piam_iam_create_role(NULL, c, "r", "{}", NULL, NULL, 0, keys, no_value, 1), PIAM_EINVAL);
	CHECK_INT(piam_iam_create_role(NULL, c, "r", "{}", NULL, NULL, 0, NULL, NULL, 1), PIAM_EINVAL);
	CHECK_INT(piam_iam_create_role(NULL, c, "r", "{}", NULL, NULL, 0, keys, keys, 51), PIAM_EINVAL);
	CHECK_INT(piam_iam_tag_role(c, "r", keys, keys, 0), PIAM_EINVAL);
	CHECK_INT(piam_iam_get_policy(&r, c, "not-an-arn"), PIAM_EINVAL);
	CHECK_INT(piam_iam_get_policy_version(&r, c, "arn:aws:iam::1:policy/p", "1"), PIAM_EINVAL);
	CHECK_INT(piam_iam_get_policy_version(&r, c, "arn:aws:iam::1:policy/p", "vx"), PIAM_EINVAL);
	CHECK_INT(piam_iam_create_policy_version(NULL, c, "arn:aws:iam::1:policy/p", "{}", 2), PIAM_EINVAL);
	CHECK_INT(piam_iam_create_policy(NULL, c, "p", "", NULL, NULL, NULL, NULL, 0), PIAM_EINVAL);
	CHECK_INT(piam_iam_create_user(NULL, c, "u", "/a b/"), PIAM_EINVAL);
	CHECK_INT(piam_iam_list_role_tags(NULL, c, "r"), PIAM_EINVAL);
	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "Upper"), PIAM_EINVAL);
	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "ab"), PIAM_EINVAL);
	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "-ab"), PIAM_EINVAL);
	CHECK_INT(piam_s3_get_bucket_policy(&s, c, "a/b"), PIAM_EINVAL);
	CHECK_INT(piam_s3_get_bucket_policy(NULL, c, "abc"), PIAM_EINVAL);
	CHECK_INT(piam_s3_put_bucket_policy(c, "abc", ""), PIAM_EINVAL);
	CHECK_INT(piam_s3_get_bucket_location(&s, c, NULL), PIAM_EINVAL);
	CHECK_INT(piam_s3_delete_bucket_policy(NULL, "abc"), PIAM_EINVAL);
	CHECK_INT(f.sent, 0); /* nothing was sent for any of them */
	CHECK_INT(piam_client_error(c), PIAM_EINVAL);
	piam_client_free(c);
}

/* GetRole then ListAttachedRolePolicies (two pages) under a failing allocator: ENOMEM, no leak. */
static int exercise(const piam_allocator *a, struct testalloc *t, long fail_after_setup)
{
	piam_aws_result *r1 = NULL, *r2 = NULL;
	struct fake f;
	piam_client *c = fake_client(&f, datadir, a);
	int rc;

	if (!c)
		return PIAM_ENOMEM;
	if (fail_after_setup)
		t->fail_at = t->calls + fail_after_setup;
	fake_reply(&f, 200, "get_role.xml", NULL);
	fake_reply(&f, 200, "list_attached_page1.xml", NULL);
	fake_reply(&f, 200, "list_attached_page2.xml", NULL);
	if (!(rc = piam_iam_get_role(&r1, c, "PersonalizeRole")))
		rc = piam_iam_list_attached_role_policies(&r2, c, "PersonalizeRole");
	if (rc)
		CHECK_INT(piam_client_error(c), rc);
	piam_client_free(c);
	piam_aws_result_free(r1);
	piam_aws_result_free(r2);
	return rc;
}

static void test_alloc_failures(void)
{
	struct testalloc t;
	piam_allocator a;
	long n, setup, total;

	memset(&t, 0, sizeof(t));
	a = testalloc_allocator(&t);
	CHECK_INT(exercise(&a, &t, 0), PIAM_OK);
	CHECK_INT(t.live, 0);
	total = t.calls;
	{
		piam_client *c;
		struct fake f;

		memset(&t, 0, sizeof(t));
		c = fake_client(&f, datadir, &a);
		setup = t.calls;
		piam_client_free(c);
	}
	for (n = 1; n <= total - setup; n++) {
		memset(&t, 0, sizeof(t));
		a = testalloc_allocator(&t);
		CHECK_INT(exercise(&a, &t, n), PIAM_ENOMEM);
		CHECK_INT(t.live, 0);
		CHECK_INT(t.leaked_secret, 0);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		datadir = argv[1];
	test_create_role();
	test_get_role();
	test_lists();
	test_policy_ops();
	test_sts();
	test_s3();
	test_arguments();
	test_alloc_failures();
	return check_exit();
}
