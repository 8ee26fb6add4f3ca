/*
 * Hostile input to the public API: every string argument of every public function that takes
 * one, given NULL, "", an overlong string, bytes that are not UTF-8, control characters, and
 * injection-shaped text (quotes, '&', '%', newlines, "&Action=DeleteRole" fragments). Each must
 * come back as a PIAM_E* error with a message, and no request may be sent: the client's
 * transport is a hook that counts, behind an endpoint on a closed port.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http.h"
#include "request.h"

CHECK_MAIN;

enum {
	H_NULL = 1 << 0,
	H_EMPTY = 1 << 1,
	H_LONG = 1 << 2,
	H_UTF8 = 1 << 3,   /* not UTF-8 */
	H_CTRL = 1 << 4,   /* a control character */
	H_NEWLINE = 1 << 5,
	H_QUOTE = 1 << 6,
	H_AMP = 1 << 7,    /* "&Action=DeleteRole&RoleName=Victim" */
	H_PCT = 1 << 8,    /* "%26Action%3DDeleteRole", "%00" */
	H_SPACE = 1 << 9,
	H_APOS = 1 << 10,  /* a single quote */
	H_ALL = (1 << 11) - 1,
	/* classes text fields legitimately hold (descriptions, tag values, documents' insides) */
	H_TEXT = H_NULL | H_EMPTY | H_LONG | H_UTF8 | H_CTRL,
	H_ARN = H_TEXT | H_NEWLINE | H_AMP | H_QUOTE | H_APOS | H_SPACE,
};

static char overlong[70000];

static const struct hostile {
	unsigned cls;
	const char *s;
} hostile[] = {
	{H_NULL, NULL},
	{H_EMPTY, ""},
	{H_LONG, overlong},
	{H_UTF8, "Role\xff\xfe"},
	{H_UTF8, "caf\xc3"},             /* a truncated sequence */
	{H_UTF8, "over\xc0\xaflong"},    /* an overlong '/' */
	{H_CTRL, "Role\x01x"},
	{H_CTRL, "Role\x7f"},
	{H_NEWLINE, "Role\nAction=DeleteRole"},
	{H_NEWLINE, "Role\r\nX-Amz-Target: evil"},
	{H_QUOTE, "Role\"},{\"Effect\":\"Allow"},
	{H_APOS, "Role'x"},
	{H_AMP, "Role&Action=DeleteRole&RoleName=Victim"},
	{H_PCT, "Role%26Action%3DDeleteRole"},
	{H_PCT, "Role%00"},
	{H_SPACE, "Role Name"},
};

/* Counts every request that would have left; any is a failure. */
static int never(piam_client *c, const char *method, const char *url, const struct piam__sig_header *headers,
		 size_t nheaders, const void *body, size_t body_len, struct piam__http_response *resp, void *userdata)
{
	(void)c, (void)method, (void)url, (void)headers, (void)nheaders, (void)body, (void)body_len, (void)resp;
	(*(int *)userdata)++;
	return PIAM_ENETWORK;
}

static const char *const tag_keys[] = {"team"}, *const tag_values[] = {"ml"};
#define ARN "arn:aws:iam::123456789012:policy/P"
#define DOC "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"

/* One argument slot of one function: the call with `s` there and valid values elsewhere. */
struct slot {
	const char *name;
	unsigned reject; /* the classes that must be refused */
	int (*call)(piam_client *c, piam_options *o, const char *s);
};

static piam_aws_result *res;
static char *text;

#define OUT_RES(expr) (res = NULL, rc_ = (expr), piam_aws_result_free(res), rc_)
#define OUT_TEXT(expr) (text = NULL, rc_ = (expr), piam_free(text), rc_)
static int rc_;

static int c_region(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_client_set_region(c, s); }
static int c_endpoint_url(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return s ? piam_client_set_endpoint(c, "iam", s) : PIAM_EINVAL; /* NULL means "default" */
}
static int c_endpoint_svc(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return s ? piam_client_set_endpoint(c, s, "https://example.com") : PIAM_EINVAL; /* NULL: all */
}
static int c_key_id(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_client_set_credentials(c, s, "secret", NULL); }
static int c_secret(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_client_set_credentials(c, "AKID", s, NULL); }
static int c_token(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return s ? piam_client_set_credentials(c, "AKID", "secret", s) : PIAM_EINVAL; /* NULL: none */
}
static int c_profile(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return s ? piam_client_set_profile(c, s) : PIAM_EINVAL; /* NULL: AWS_PROFILE */
}
static int c_ca(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return s ? piam_client_set_ca_file(c, s) : PIAM_EINVAL;
}

static int o_role(piam_client *c, piam_options *o, const char *s) { (void)c; return piam_options_set_role_name(o, s); }
static int o_policy(piam_client *c, piam_options *o, const char *s) { (void)c; return piam_options_set_policy_name(o, s); }
static int o_path(piam_client *c, piam_options *o, const char *s) { (void)c; return piam_options_set_path(o, s); }
static int o_desc(piam_client *c, piam_options *o, const char *s) { (void)c; return s ? piam_options_set_description(o, s) : PIAM_EINVAL; }
static int o_account(piam_client *c, piam_options *o, const char *s) { (void)c; return piam_options_set_account(o, s); }
static int o_region(piam_client *c, piam_options *o, const char *s) { (void)c; return piam_options_set_region(o, s); }
static int o_input(piam_client *c, piam_options *o, const char *s) { (void)c; return piam_options_add_input_bucket(o, s); }
static int o_output(piam_client *c, piam_options *o, const char *s) { (void)c; return piam_options_add_output_bucket(o, s); }
static int o_kms(piam_client *c, piam_options *o, const char *s) { (void)c; return piam_options_set_kms_key(o, s); }
static int o_tag_key(piam_client *c, piam_options *o, const char *s) { (void)c; return piam_options_add_tag(o, s, "v"); }
static int o_tag_value(piam_client *c, piam_options *o, const char *s) { (void)c; return s ? piam_options_add_tag(o, "k", s) : PIAM_EINVAL; }

static int i_create_role_name(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return OUT_RES(piam_iam_create_role(&res, c, s, DOC, NULL, NULL, 0, tag_keys, tag_values, 1));
}
static int i_create_role_trust(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return OUT_RES(piam_iam_create_role(&res, c, "R", s, NULL, NULL, 0, tag_keys, tag_values, 1));
}
static int i_create_role_path(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return s ? OUT_RES(piam_iam_create_role(&res, c, "R", DOC, s, NULL, 0, NULL, NULL, 0)) : PIAM_EINVAL;
}
static int i_create_role_desc(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return s ? OUT_RES(piam_iam_create_role(&res, c, "R", DOC, NULL, s, 0, NULL, NULL, 0)) : PIAM_EINVAL;
}
static int i_create_role_tag(piam_client *c, piam_options *o, const char *s)
{
	const char *k[] = {s};

	(void)o;
	return OUT_RES(piam_iam_create_role(&res, c, "R", DOC, NULL, NULL, 0, k, tag_values, 1));
}
static int i_get_role(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_RES(piam_iam_get_role(&res, c, s)); }
static int i_set_trust_role(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_set_trust(c, s, DOC); }
static int i_set_trust_doc(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_set_trust(c, "R", s); }
static int i_delete_role(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_delete_role(c, s); }
static int i_tag_role(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_tag_role(c, s, tag_keys, tag_values, 1); }
static int i_tag_role_value(piam_client *c, piam_options *o, const char *s)
{
	const char *v[] = {s};

	(void)o;
	return s ? piam_iam_tag_role(c, "R", tag_keys, v, 1) : PIAM_EINVAL;
}
static int i_list_tags(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_RES(piam_iam_list_role_tags(&res, c, s)); }
static int i_attach_role(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_attach_role_policy(c, s, ARN); }
static int i_attach_arn(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_attach_role_policy(c, "R", s); }
static int i_detach_role(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_detach_role_policy(c, s, ARN); }
static int i_detach_arn(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_detach_role_policy(c, "R", s); }
static int i_list_attached(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_RES(piam_iam_list_attached_role_policies(&res, c, s)); }
static int i_list_inline(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_RES(piam_iam_list_role_policies(&res, c, s)); }
static int i_create_policy_name(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return OUT_RES(piam_iam_create_policy(&res, c, s, DOC, NULL, NULL, NULL, NULL, 0));
}
static int i_create_policy_doc(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return OUT_RES(piam_iam_create_policy(&res, c, "P", s, NULL, NULL, NULL, NULL, 0));
}
static int i_get_policy(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_RES(piam_iam_get_policy(&res, c, s)); }
static int i_get_version_arn(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_RES(piam_iam_get_policy_version(&res, c, s, "v1")); }
static int i_get_version_id(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_RES(piam_iam_get_policy_version(&res, c, ARN, s)); }
static int i_list_versions(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_RES(piam_iam_list_policy_versions(&res, c, s)); }
static int i_create_version_arn(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_RES(piam_iam_create_policy_version(&res, c, s, DOC, 1)); }
static int i_create_version_doc(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_RES(piam_iam_create_policy_version(&res, c, ARN, s, 1)); }
static int i_delete_version_id(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_delete_policy_version(c, ARN, s); }
static int i_delete_policy(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_delete_policy(c, s); }
static int i_create_user(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_RES(piam_iam_create_user(&res, c, s, NULL)); }
static int i_attach_user(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_attach_user_policy(c, s, ARN); }
static int i_attach_user_arn(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_iam_attach_user_policy(c, "U", s); }
static int s_get(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_TEXT(piam_s3_get_bucket_policy(&text, c, s)); }
static int s_put_bucket(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_s3_put_bucket_policy(c, s, DOC); }
static int s_put_doc(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_s3_put_bucket_policy(c, "bucket", s); }
static int s_delete(piam_client *c, piam_options *o, const char *s) { (void)o; return piam_s3_delete_bucket_policy(c, s); }
static int s_location(piam_client *c, piam_options *o, const char *s) { (void)o; return OUT_TEXT(piam_s3_get_bucket_location(&text, c, s)); }
static int p_bucket(piam_client *c, piam_options *o, const char *s) { (void)c; return OUT_TEXT(piam_policy_bucket(&text, o, s)); }
static int p_equal(piam_client *c, piam_options *o, const char *s)
{
	int same;

	(void)o;
	return piam_policy_equal(&same, c, DOC, s);
}
static int p_merge_bucket(piam_client *c, piam_options *o, const char *s)
{
	int change;

	(void)c;
	return OUT_TEXT(piam_policy_bucket_merge(&text, &change, o, s, NULL));
}
static int p_merge_existing(piam_client *c, piam_options *o, const char *s)
{
	int change;

	(void)c;
	return s ? OUT_TEXT(piam_policy_bucket_merge(&text, &change, o, "bucket", s)) : PIAM_EINVAL; /* NULL: none */
}
static int p_remove(piam_client *c, piam_options *o, const char *s)
{
	int change;

	(void)o;
	return s ? OUT_TEXT(piam_policy_bucket_remove(&text, &change, c, s)) : PIAM_EINVAL;
}
static int g_sign(piam_client *c, const char *service, const char *region, const char *method, const char *path,
		  const char *hname, const char *hvalue)
{
	const char *names[] = {"Host", hname}, *values[] = {"iam.amazonaws.com", hvalue};
	size_t n;

	return piam_sign_request(&n, c, service, region, 1764400000, 0, 0, method, path, NULL, names, values, 2, NULL,
				 0, NULL);
}
static int g_service(piam_client *c, piam_options *o, const char *s) { (void)o; return g_sign(c, s, "us-east-1", "GET", "/", "X-A", "v"); }
static int g_region(piam_client *c, piam_options *o, const char *s) { (void)o; return g_sign(c, "iam", s, "GET", "/", "X-A", "v"); }
static int g_method(piam_client *c, piam_options *o, const char *s) { (void)o; return g_sign(c, "iam", "us-east-1", s, "/", "X-A", "v"); }
static int g_hname(piam_client *c, piam_options *o, const char *s) { (void)o; return g_sign(c, "iam", "us-east-1", "GET", "/", s, "v"); }
static int g_hvalue(piam_client *c, piam_options *o, const char *s)
{
	(void)o;
	return s ? g_sign(c, "iam", "us-east-1", "GET", "/", "X-A", s) : PIAM_EINVAL;
}

/* Names: everything hostile is refused. Text: only what no AWS text field holds. NULL where it
 * documents a default (a setter's NULL restores it) is not hostile; nor are what RFC 9110
 * allows in header names ('%', '\'') and values (bytes over 0x7f). */
static const struct slot slots[] = {
	{"piam_client_set_region", H_ALL & ~H_NULL, c_region},
	{"piam_client_set_endpoint(url)", H_ALL & ~(H_NULL | H_PCT | H_QUOTE | H_APOS | H_AMP), c_endpoint_url},
	{"piam_client_set_endpoint(service)", H_ALL & ~H_NULL, c_endpoint_svc},
	{"piam_client_set_credentials(id)", H_TEXT | H_NEWLINE | H_SPACE, c_key_id},
	{"piam_client_set_credentials(secret)", H_TEXT | H_NEWLINE | H_SPACE, c_secret},
	{"piam_client_set_credentials(token)", (H_TEXT | H_NEWLINE | H_SPACE) & ~H_NULL, c_token},
	{"piam_client_set_profile", H_EMPTY | H_LONG | H_CTRL | H_NEWLINE | H_SPACE, c_profile},
	{"piam_client_set_ca_file", H_EMPTY, c_ca},
	{"piam_options_set_role_name", H_ALL & ~H_NULL, o_role},
	{"piam_options_set_policy_name", H_ALL & ~H_NULL, o_policy},
	{"piam_options_set_path", H_ALL & ~(H_NULL | H_QUOTE | H_APOS | H_AMP | H_PCT), o_path},
	{"piam_options_set_description", H_LONG | H_UTF8 | H_CTRL, o_desc},
	{"piam_options_set_account", H_ALL & ~H_NULL, o_account},
	{"piam_options_set_region", H_ALL & ~H_NULL, o_region},
	{"piam_options_add_input_bucket", H_ALL, o_input},
	{"piam_options_add_output_bucket", H_ALL, o_output},
	{"piam_options_set_kms_key", H_ALL & ~H_NULL, o_kms},
	{"piam_options_add_tag(key)", H_TEXT, o_tag_key},
	{"piam_options_add_tag(value)", H_LONG | H_UTF8 | H_CTRL, o_tag_value},
	{"piam_iam_create_role(name)", H_ALL, i_create_role_name},
	{"piam_iam_create_role(trust)", H_ALL & ~H_SPACE, i_create_role_trust},
	{"piam_iam_create_role(path)", H_ALL & ~(H_QUOTE | H_APOS | H_AMP | H_PCT | H_NULL), i_create_role_path},
	{"piam_iam_create_role(description)", H_LONG | H_UTF8 | H_CTRL, i_create_role_desc},
	{"piam_iam_create_role(tag key)", H_TEXT, i_create_role_tag},
	{"piam_iam_get_role", H_ALL, i_get_role},
	{"piam_iam_set_trust(role)", H_ALL, i_set_trust_role},
	{"piam_iam_set_trust(document)", H_ALL & ~H_SPACE, i_set_trust_doc},
	{"piam_iam_delete_role", H_ALL, i_delete_role},
	{"piam_iam_tag_role(role)", H_ALL, i_tag_role},
	{"piam_iam_tag_role(value)", H_LONG | H_UTF8 | H_CTRL, i_tag_role_value},
	{"piam_iam_list_role_tags", H_ALL, i_list_tags},
	{"piam_iam_attach_role_policy(role)", H_ALL, i_attach_role},
	{"piam_iam_attach_role_policy(arn)", H_ARN, i_attach_arn},
	{"piam_iam_detach_role_policy(role)", H_ALL, i_detach_role},
	{"piam_iam_detach_role_policy(arn)", H_ARN, i_detach_arn},
	{"piam_iam_list_attached_role_policies", H_ALL, i_list_attached},
	{"piam_iam_list_role_policies", H_ALL, i_list_inline},
	{"piam_iam_create_policy(name)", H_ALL, i_create_policy_name},
	{"piam_iam_create_policy(document)", H_ALL & ~H_SPACE, i_create_policy_doc},
	{"piam_iam_get_policy", H_ARN, i_get_policy},
	{"piam_iam_get_policy_version(arn)", H_ARN, i_get_version_arn},
	{"piam_iam_get_policy_version(id)", H_ALL, i_get_version_id},
	{"piam_iam_list_policy_versions", H_ARN, i_list_versions},
	{"piam_iam_create_policy_version(arn)", H_ARN, i_create_version_arn},
	{"piam_iam_create_policy_version(document)", H_ALL & ~H_SPACE, i_create_version_doc},
	{"piam_iam_delete_policy_version(id)", H_ALL, i_delete_version_id},
	{"piam_iam_delete_policy", H_ARN, i_delete_policy},
	{"piam_iam_create_user", H_ALL, i_create_user},
	{"piam_iam_attach_user_policy(user)", H_ALL, i_attach_user},
	{"piam_iam_attach_user_policy(arn)", H_ARN, i_attach_user_arn},
	{"piam_s3_get_bucket_policy", H_ALL, s_get},
	{"piam_s3_put_bucket_policy(bucket)", H_ALL, s_put_bucket},
	{"piam_s3_put_bucket_policy(policy)", H_ALL & ~H_SPACE, s_put_doc},
	{"piam_s3_delete_bucket_policy", H_ALL, s_delete},
	{"piam_s3_get_bucket_location", H_ALL, s_location},
	{"piam_policy_bucket", H_ALL, p_bucket},
	{"piam_policy_equal", H_ALL & ~H_SPACE, p_equal},
	{"piam_policy_bucket_merge(bucket)", H_ALL, p_merge_bucket},
	{"piam_policy_bucket_merge(existing)", H_ALL & ~(H_NULL | H_SPACE | H_EMPTY), p_merge_existing},
	{"piam_policy_bucket_remove", H_ALL & ~(H_NULL | H_SPACE | H_EMPTY), p_remove},
	{"piam_sign_request(service)", H_ALL, g_service},
	{"piam_sign_request(region)", H_ALL, g_region},
	{"piam_sign_request(method)", H_ALL, g_method},
	{"piam_sign_request(header name)", H_NULL | H_EMPTY | H_UTF8 | H_CTRL | H_NEWLINE | H_QUOTE | H_AMP | H_SPACE, g_hname},
	{"piam_sign_request(header value)", H_CTRL | H_NEWLINE, g_hvalue},
};

static piam_client *new_client(int *sent)
{
	piam_client *c = NULL;

	if (piam_client_new(&c, NULL) || piam_client_set_region(c, "us-east-1") ||
	    piam_client_set_endpoint(c, NULL, "http://127.0.0.1:1") ||
	    piam_client_set_credentials(c, "AKIDHOSTILE", "secret", NULL) ||
	    piam__http_set_hooks(c, NULL, NULL, NULL, never, sent))
		abort();
	return c;
}

static void test_table(void)
{
	size_t i, k;
	long tried = 0;
	int sent = 0;

	for (i = 0; i < PIAM__ARRAY_LEN(slots); i++) {
		for (k = 0; k < PIAM__ARRAY_LEN(hostile); k++) {
			piam_client *c;
			piam_options *o = NULL;
			int rc;

			if (!(slots[i].reject & hostile[k].cls))
				continue;
			c = new_client(&sent);
			if (piam_options_new(&o, c) || piam_options_set_role_name(o, "R") ||
			    piam_options_add_input_bucket(o, "bucket"))
				abort();
			rc = slots[i].call(c, o, hostile[k].s);
			tried++;
			if (rc >= 0 || sent != 0 || !piam_client_error_message(c)[0]) {
				fprintf(stderr, "%s(\"%.40s\"): rc %d (%s), %d sent, message \"%s\"\n", slots[i].name,
					hostile[k].s ? hostile[k].s : "(null)", rc, piam_status_name(rc), sent,
					piam_client_error_message(c));
				CHECK(!"refused before sending");
			} else {
				CHECK(rc == PIAM_EINVAL || rc == PIAM_EPOLICY);
			}
			sent = 0;
			piam_options_free(o);
			piam_client_free(c);
		}
	}
	printf("%ld hostile arguments to %zu argument slots of the public API: each refused with a message, "
	       "nothing sent\n", tried, PIAM__ARRAY_LEN(slots));
}

/* The baseline: the same calls with valid input do reach the transport (so the table can fail). */
static void test_valid_input_is_sent(void)
{
	int sent = 0;
	piam_client *c = new_client(&sent);

	CHECK(i_get_role(c, NULL, "R") == PIAM_ENETWORK);
	CHECK(i_attach_arn(c, NULL, ARN) == PIAM_ENETWORK);
	CHECK(s_get(c, NULL, "bucket") == PIAM_ENETWORK);
	CHECK(sent >= 3);
	piam_client_free(c);
}

/* Policy ARNs that start right and carry something else. */
static void test_arn_shaped(void)
{
	static const char *const bad[] = {
		ARN "&Action=DeleteRole&RoleName=Victim",
		ARN "\nAction=DeleteRole",
		ARN "\xff",
		ARN "\"",
		"arn:aws:iam::123456789012:policy/a b",
		"arn:aws:iam::123456789012:policy/",
		"arn:aws:iam::123456789012:policy",
		"arn:aws:iam::123456789012:policy/%41",
	};
	int (*const calls[])(piam_client *, piam_options *, const char *) = {
		i_attach_arn, i_detach_arn, i_get_policy, i_delete_policy, i_list_versions, i_create_version_arn,
		i_attach_user_arn,
	};
	size_t i, k;
	int sent = 0;

	for (i = 0; i < PIAM__ARRAY_LEN(bad); i++)
		for (k = 0; k < PIAM__ARRAY_LEN(calls); k++) {
			piam_client *c = new_client(&sent);

			CHECK_INT(calls[k](c, NULL, bad[i]), PIAM_EINVAL);
			CHECK_INT(sent, 0);
			piam_client_free(c);
		}
	/* the shapes AWS uses pass */
	{
		piam_client *c = new_client(&sent);

		CHECK_INT(i_attach_arn(c, NULL, "arn:aws:iam::aws:policy/service-role/AmazonPersonalizeFullAccess"),
			  PIAM_ENETWORK);
		CHECK_INT(i_attach_arn(c, NULL, "arn:aws-cn:iam::123456789012:policy/p/a+b=c,d.e@f_g-h"), PIAM_ENETWORK);
		CHECK(sent > 0);
		piam_client_free(c);
	}
}

/* NULL handles everywhere: an error, never a crash. */
static void test_null_handles(void)
{
	piam_options *o = NULL;
	size_t n;
	int same;

	CHECK(piam_client_new(NULL, NULL) == PIAM_EINVAL);
	CHECK(piam_client_set_region(NULL, "us-east-1") == PIAM_EINVAL);
	CHECK(piam_client_set_timeouts(NULL, 1, 1) == PIAM_EINVAL);
	CHECK(piam_client_set_log(NULL, NULL, 0, NULL) == PIAM_EINVAL);
	CHECK(piam_options_new(&o, NULL) == PIAM_EINVAL && o == NULL);
	CHECK(piam_options_set_role_name(NULL, "R") == PIAM_EINVAL);
	CHECK(piam_iam_get_role(NULL, NULL, "R") == PIAM_EINVAL);
	CHECK(piam_s3_delete_bucket_policy(NULL, "bucket") == PIAM_EINVAL);
	CHECK(piam_policy_equal(&same, NULL, DOC, DOC) == PIAM_EINVAL);
	CHECK(piam_setup_apply(NULL, NULL, NULL) == PIAM_EINVAL);
	CHECK(piam_setup_plan(NULL, NULL, NULL) == PIAM_EINVAL);
	CHECK(piam_setup_teardown(NULL, NULL, NULL) == PIAM_EINVAL);
	CHECK(piam_sign_request(&n, NULL, "iam", "us-east-1", 0, 0, 0, "GET", "/", NULL, NULL, NULL, 0, NULL, 0,
				NULL) == PIAM_EINVAL);
	CHECK(piam_client_error(NULL) == PIAM_EINVAL);
	CHECK(piam_client_error_message(NULL) != NULL);
	piam_client_free(NULL);
	piam_options_free(NULL);
	piam_free(NULL);
}

/* A refused setter changes nothing. */
static void test_refusal_changes_nothing(void)
{
	int sent = 0;
	piam_client *c = new_client(&sent);

	CHECK(piam_client_set_region(c, "eu-west-1&Action=DeleteRole") == PIAM_EINVAL);
	CHECK_STR(piam_client_region(c), "us-east-1");
	CHECK(piam_client_set_profile(c, "dev") == PIAM_OK);
	CHECK(piam_client_set_profile(c, "dev]\n[evil") == PIAM_EINVAL);
	CHECK_STR(piam_client_profile(c), "dev");
	piam_client_free(c);
}

/* Plain http only for an endpoint given explicitly; what piam picks itself is https. */
static void test_https_unless_overridden(void)
{
	static const char *const regions[] = {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"};
	static const enum piam__service svcs[] = {PIAM__SVC_IAM, PIAM__SVC_STS, PIAM__SVC_S3};
	size_t r, s;
	piam_client *c;

	CHECK(piam_client_new(&c, NULL) == PIAM_OK);
	for (r = 0; r < PIAM__ARRAY_LEN(regions); r++)
		for (s = 0; s < PIAM__ARRAY_LEN(svcs); s++) {
			struct piam__request req = {0};
			struct piam__endpoint ep;

			memset(&ep, 0, sizeof(ep));
			req.svc = svcs[s];
			req.op = "Test";
			req.method = "GET";
			req.bucket = svcs[s] == PIAM__SVC_S3 ? "bucket" : NULL;
			req.region = regions[r];
			CHECK(piam__endpoint_resolve(c, &req, &ep) == PIAM_OK);
			CHECK(ep.url.data && strncmp(ep.url.data, "https://", 8) == 0);
			piam__endpoint_free(c, &ep);
		}
	CHECK(piam_client_set_endpoint(c, NULL, "ftp://127.0.0.1/") == PIAM_EINVAL);
	CHECK(piam_client_set_endpoint(c, NULL, "file:///etc/passwd") == PIAM_EINVAL);
	CHECK(piam_client_set_endpoint(c, NULL, "127.0.0.1:8080") == PIAM_EINVAL);
	piam_client_free(c);
}

int main(void)
{
	memset(overlong, 'A', sizeof(overlong) - 1);
	test_valid_input_is_sent();
	test_table();
	test_arn_shaped();
	test_null_handles();
	test_refusal_changes_nothing();
	test_https_unless_overridden();
	return check_exit();
}
