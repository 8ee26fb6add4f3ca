/* The XML reader: trees from recorded AWS replies, repeated members, error forms, limits, decoding. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "testalloc.h"
#include "testdata.h"
#include "xml.h"

CHECK_MAIN;

static const char *datadir = "tests/data";

static void test_get_role(piam_client *c)
{
	const struct piam__xml_node *root, *role, *m;
	struct piam__xml *doc;
	char *xml, *decoded;
	size_t len;
	int n = 0;

	xml = testdata_read(datadir, "get_role.xml", &len);
	CHECK_INT(piam__xml_parse(c, xml, len, &doc), PIAM_OK);
	root = piam__xml_root(doc);
	CHECK_STR(root->name, "GetRoleResponse");
	role = piam__xml_find(root, "GetRoleResult/Role");
	CHECK(role != NULL);
	CHECK_STR(piam__xml_text(role, "RoleName"), "PersonalizeRole");
	CHECK_STR(piam__xml_text(role, "Description"), "Role & trust for Personalize"); /* entities */
	CHECK_STR(piam__xml_text(root, "GetRoleResult/Role/Arn"),
		  "arn:aws:iam::123456789012:role/service-role/PersonalizeRole");
	CHECK_STR(piam__xml_text(role, "RoleLastUsed/Region"), "us-east-1");
	CHECK_STR(piam__xml_text(root, "ResponseMetadata/RequestId"), "df37e965-9967-11e1-a4c3-270EXAMPLE04");
	CHECK(piam__xml_text(role, "NoSuchField") == NULL);
	CHECK(piam__xml_find(root, "GetRoleResult/Rol") == NULL); /* a prefix is not a match */
	CHECK(piam__xml_find(root, NULL) == root);
	CHECK(piam__xml_find(NULL, "a") == NULL);
	for (m = piam__xml_find(role, "Tags/member"); m; m = piam__xml_next(m))
		n++;
	CHECK_INT(n, 2);
	m = piam__xml_find(role, "Tags/member");
	CHECK_STR(piam__xml_text(piam__xml_next(m), "Key"), "team");
	CHECK(piam__xml_next(piam__xml_next(m)) == NULL);
	CHECK_INT(piam__url_decode(c, piam__xml_text(role, "AssumeRolePolicyDocument"), &decoded), PIAM_OK);
	CHECK_STR(decoded, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
			   "{\"Service\":\"personalize.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}");
	piam__free(c, decoded);
	piam__xml_free(c, doc);
	free(xml);
}

static void test_members(piam_client *c)
{
	const struct piam__xml_node *m;
	struct piam__xml *doc;
	char *xml;
	size_t len;

	xml = testdata_read(datadir, "list_attached_page1.xml", &len);
	CHECK_INT(piam__xml_parse(c, xml, len, &doc), PIAM_OK);
	m = piam__xml_find(piam__xml_root(doc), "ListAttachedRolePoliciesResult/AttachedPolicies/member");
	CHECK_STR(piam__xml_text(m, "PolicyName"), "AmazonPersonalizeFullAccess");
	m = piam__xml_next(m);
	CHECK_STR(piam__xml_text(m, "PolicyArn"), "arn:aws:iam::123456789012:policy/PersonalizeRole-s3");
	CHECK(piam__xml_next(m) == NULL);
	CHECK_STR(piam__xml_text(piam__xml_root(doc), "ListAttachedRolePoliciesResult/Marker"), "page 2/&");
	piam__xml_free(c, doc);
	free(xml);

	xml = testdata_read(datadir, "list_role_policies.xml", &len);
	CHECK_INT(piam__xml_parse(c, xml, len, &doc), PIAM_OK);
	m = piam__xml_find(piam__xml_root(doc), "ListRolePoliciesResult/PolicyNames/member");
	CHECK_STR(m->text, "inline-one");
	CHECK_STR(piam__xml_next(m)->text, "inline-two");
	piam__xml_free(c, doc);
	free(xml);
}

static void test_errors(piam_client *c)
{
	static const struct {
		const char *file, *type, *code, *message, *request_id;
	} table[] = {
		{"error_iam.xml", "Sender", "EntityAlreadyExists", "Role with name PersonalizeRole already exists.",
		 "4a9e0c3f-2a7b-4b8e-9f55-0c7a1c1e5c11"},
		{"error_s3.xml", "", "NoSuchBucketPolicy", "The bucket policy does not exist", "1D5H9EXAMPLE"},
		{"error_moto.xml", "Sender", "SignatureDoesNotMatch",
		 "The request signature we calculated does not match the signature you provided.", ""},
		{"error_throttling.xml", "Sender", "Throttling", "Rate exceeded", "throttle-1"},
	};
	struct piam__aws_error e;
	size_t i, len;
	char *xml;

	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		xml = testdata_read(datadir, table[i].file, &len);
		CHECK_INT(piam__xml_aws_error(c, xml, len, &e), PIAM_OK);
		CHECK_STR(e.type, table[i].type);
		CHECK_STR(e.code, table[i].code);
		CHECK_STR(e.message, table[i].message);
		CHECK_STR(e.request_id, table[i].request_id);
		free(xml);
	}
	/* An EC2-style error, and replies that are not errors. */
	{
		static const char ec2[] = "<Response><Errors><Error><Code>AuthFailure</Code><Message>m</Message>"
					  "</Error></Errors><RequestID>r-1</RequestID></Response>";

		CHECK_INT(piam__xml_aws_error(c, ec2, sizeof(ec2) - 1, &e), PIAM_OK);
	}
	CHECK_STR(e.code, "AuthFailure");
	CHECK_STR(e.request_id, "r-1");
	xml = testdata_read(datadir, "get_role.xml", &len);
	CHECK_INT(piam__xml_aws_error(c, xml, len, &e), PIAM_EPROTOCOL);
	CHECK_STR(e.code, "");
	free(xml);
	CHECK_INT(piam__xml_aws_error(c, "<Error><Message>no code</Message></Error>", 41, &e), PIAM_EPROTOCOL);
	CHECK_INT(piam__xml_aws_error(c, "<html>Bad Gateway</html>", 24, &e), PIAM_EPROTOCOL);
	CHECK_INT(piam__xml_aws_error(c, "Bad Gateway", 11, &e), PIAM_EPROTOCOL);

	/* Over-long fields are cut, never overflowed. */
	{
		char big[1200];
		int n = snprintf(big, sizeof(big), "<Error><Code>");
		memset(big + n, 'C', 300);
		n += 300;
		n += snprintf(big + n, sizeof(big) - (size_t)n, "</Code><Message>");
		memset(big + n, 'M', 600);
		n += 600;
		n += snprintf(big + n, sizeof(big) - (size_t)n, "</Message></Error>");
		CHECK_INT(piam__xml_aws_error(c, big, (size_t)n, &e), PIAM_OK);
		CHECK_INT(strlen(e.code), sizeof(e.code) - 1);
		CHECK_INT(strlen(e.message), sizeof(e.message) - 1);
	}
}

static void test_refused(piam_client *c)
{
	static const char *const bad[] = {
		"",
		"<a>",
		"<a></b>",
		"not xml",
		"<a/><b/>",
		"<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
		"<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><a>&lol2;</a>",
		"<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>",
		"<a>&undefined;</a>",
	};
	struct piam__xml *doc = (struct piam__xml *)&doc;
	char deep[PIAM__XML_MAX_DEPTH * 8 + 16];
	size_t i, n = 0;

	for (i = 0; i < PIAM__ARRAY_LEN(bad); i++) {
		CHECK_INT(piam__xml_parse(c, bad[i], strlen(bad[i]), &doc), PIAM_EPROTOCOL);
		CHECK(doc == NULL);
		CHECK_INT(piam_client_error(c), PIAM_EPROTOCOL);
	}
	for (i = 0; i < PIAM__XML_MAX_DEPTH + 1; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "<a>");
	CHECK_INT(piam__xml_parse(c, deep, n, &doc), PIAM_EPROTOCOL);
	CHECK(strstr(piam_client_error_message(c), "too deep") != NULL);
	/* exactly at the limit is fine */
	n = 0;
	for (i = 0; i < PIAM__XML_MAX_DEPTH; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "<a>");
	for (i = 0; i < PIAM__XML_MAX_DEPTH; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "</a>");
	CHECK_INT(piam__xml_parse(c, deep, n, &doc), PIAM_OK);
	piam__xml_free(c, doc);
	piam__xml_free(c, NULL);
}

static void test_text_rules(piam_client *c)
{
	static const char xml[] = "<?xml version=\"1.0\"?><r a=\"1\">lead<x>1</x>tail<!-- c --><y/>"
				  "<z><![CDATA[<raw>]]></z><w>a&#x41;&lt;b</w></r>";
	struct piam__xml *doc;
	const struct piam__xml_node *r;

	CHECK_INT(piam__xml_parse(c, xml, sizeof(xml) - 1, &doc), PIAM_OK);
	r = piam__xml_root(doc);
	CHECK_STR(r->text, "lead"); /* text after the first child is not the element's */
	CHECK_STR(piam__xml_text(r, "x"), "1");
	CHECK_STR(piam__xml_text(r, "y"), "");
	CHECK_STR(piam__xml_text(r, "z"), "<raw>");
	CHECK_STR(piam__xml_text(r, "w"), "aA<b");
	CHECK(piam__xml_find(r, "x")->parent == r);
	piam__xml_free(c, doc);
}

static void test_url_decode(piam_client *c)
{
	static const struct {
		const char *in, *out;
		int rc;
	} table[] = {
		{"", "", PIAM_OK},
		{"plain", "plain", PIAM_OK},
		{"%7B%22a%22%3A1%7D", "{\"a\":1}", PIAM_OK},
		{"a+b%20c", "a+b c", PIAM_OK},
		{"%e2%82%ac", "\xe2\x82\xac", PIAM_OK},
		{"%", NULL, PIAM_EPROTOCOL},
		{"%4", NULL, PIAM_EPROTOCOL},
		{"%zz", NULL, PIAM_EPROTOCOL},
		{"a%00b", NULL, PIAM_EPROTOCOL},
	};
	size_t i;
	char *out;

	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		CHECK_INT(piam__url_decode(c, table[i].in, &out), table[i].rc);
		if (table[i].out)
			CHECK_STR(out, table[i].out);
		else
			CHECK(out == NULL);
		piam__free(c, out);
	}
}

/* Parsing under a failing allocator never leaks or crashes, and reports PIAM_ENOMEM. */
static void test_alloc_failures(void)
{
	struct testalloc t;
	piam_allocator a;
	piam_client *c;
	struct piam__xml *doc;
	char *xml;
	size_t len;
	long n, total;
	int rc;

	xml = testdata_read(datadir, "get_role.xml", &len);
	memset(&t, 0, sizeof(t));
	a = testalloc_allocator(&t);
	CHECK_INT(piam_client_new(&c, &a), PIAM_OK);
	n = t.calls;
	CHECK_INT(piam__xml_parse(c, xml, len, &doc), PIAM_OK);
	piam__xml_free(c, doc);
	total = t.calls - n;
	piam_client_free(c);
	CHECK(total >= 3);
	for (n = 1; n <= total; n++) {
		memset(&t, 0, sizeof(t));
		a = testalloc_allocator(&t);
		CHECK_INT(piam_client_new(&c, &a), PIAM_OK);
		t.fail_at = t.calls + n;
		rc = piam__xml_parse(c, xml, len, &doc);
		CHECK_INT(rc, PIAM_ENOMEM);
		CHECK(doc == NULL);
		piam_client_free(c);
		CHECK_INT(t.live, 0);
	}
	free(xml);
}

int main(int argc, char **argv)
{
	piam_client *c;

	if (argc > 1)
		datadir = argv[1];
	if (piam_client_new(&c, NULL) != PIAM_OK)
		return 1;
	test_get_role(c);
	test_members(c);
	test_errors(c);
	test_refused(c);
	test_text_rules(c);
	test_url_decode(c);
	piam_client_free(c);
	test_alloc_failures();
	return check_exit();
}
