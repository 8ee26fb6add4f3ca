/* IAM operations over the Query API: build the form, call, turn the reply into records. */
#include <stdio.h>
#include <string.h>

#include "ops.h"
#include "policy.h"

#define MAX_TAGS 50
#define MAX_DOCUMENT 131072 /* far above every IAM and S3 policy size limit; AWS says the rest */

/* Tag parameters need names of their own: Tags.member.N.Key / Tags.member.N.Value. */
struct tag_params {
	char names[MAX_TAGS][2][32];
};

static size_t add_tags(struct piam__param *p, size_t n, struct tag_params *tp, const char *const *keys,
		       const char *const *values, size_t ntags)
{
	size_t i;

	for (i = 0; i < ntags && i < MAX_TAGS; i++) {
		snprintf(tp->names[i][0], sizeof(tp->names[i][0]), "Tags.member.%zu.Key", i + 1);
		snprintf(tp->names[i][1], sizeof(tp->names[i][1]), "Tags.member.%zu.Value", i + 1);
		p[n].name = tp->names[i][0];
		p[n++].value = keys[i];
		p[n].name = tp->names[i][1];
		p[n++].value = values[i];
	}
	return n;
}

static int missing(piam_client *c, const char *action, const char *path)
{
	return piam__error(c, PIAM_EPROTOCOL, "%s: the reply has no %s", action, path);
}

/* Call `action`; when `out` is wanted, one record from the reply's element at `path`. */
static int call_record(piam_aws_result **out, piam_client *c, const char *action,
		       const struct piam__param *params, size_t nparams, const char *path)
{
	const struct piam__xml_node *node;
	struct piam__xml *doc;
	piam_aws_result *r = NULL;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = piam__query_call(c, PIAM__SVC_IAM, action, params, nparams, NULL, &doc)))
		return rc;
	if (out) {
		if (!(node = piam__xml_find(piam__xml_root(doc), path)))
			rc = missing(c, action, path);
		else if (!(rc = piam__result_new(c, &r)))
			rc = piam__result_add_xml(c, r, node);
		if (rc)
			piam_aws_result_free(r);
		else
			*out = r;
	}
	piam__xml_free(c, doc);
	return rc;
}

/*
 * Call a List action page by page (Marker while IsTruncated); each element at
 * RESULT/`members` becomes a record. A member that is plain text (ListRolePolicies'
 * PolicyNames/member) becomes a record with the one field `leaf_field`.
 */
static int call_list(piam_aws_result **out, piam_client *c, const char *action, const char *role_param,
		     const char *role, const char *members, const char *leaf_field)
{
	char result_path[128];
	struct piam__param params[3];
	const struct piam__xml_node *res, *m;
	struct piam__xml *doc;
	piam_aws_result *r = NULL;
	char *marker = NULL;
	size_t n;
	int rc, more = 1;

	*out = NULL;
	snprintf(result_path, sizeof(result_path), "%sResult", action);
	if ((rc = piam__result_new(c, &r)))
		return rc;
	while (!rc && more) {
		n = 0;
		params[n].name = role_param;
		params[n++].value = role;
		params[n].name = "MaxItems";
		params[n++].value = "1000";
		if (marker) {
			params[n].name = "Marker";
			params[n++].value = marker;
		}
		if ((rc = piam__query_call(c, PIAM__SVC_IAM, action, params, n, NULL, &doc)))
			break;
		piam__free(c, marker);
		marker = NULL;
		if (!(res = piam__xml_find(piam__xml_root(doc), result_path))) {
			rc = missing(c, action, result_path);
		} else {
			for (m = piam__xml_find(res, members); m && !rc; m = piam__xml_next(m)) {
				if (m->child)
					rc = piam__result_add_xml(c, r, m);
				else if (!(rc = piam__result_add_record(c, r)))
					rc = piam__result_add_field(c, r, leaf_field, m->text);
			}
			more = piam__xml_text(res, "IsTruncated") && strcmp(piam__xml_text(res, "IsTruncated"), "true") == 0;
			if (!rc && more) {
				const char *next = piam__xml_text(res, "Marker");

				if (!next || !*next)
					rc = missing(c, action, "Marker");
				else if (!(marker = piam__strdup(c, next)))
					rc = PIAM_ENOMEM;
			}
		}
		piam__xml_free(c, doc);
	}
	piam__free(c, marker);
	if (rc)
		piam_aws_result_free(r);
	else
		*out = r;
	return rc;
}

/* name=value appended when value is not NULL; the new count. */
static size_t add_optional(struct piam__param *p, size_t n, const char *name, const char *value)
{
	if (!value)
		return n;
	p[n].name = name;
	p[n].value = value;
	return n + 1;
}

int piam__iam_create_role(piam_aws_result **out, piam_client *c, const char *name, const char *trust_policy,
			  const char *path, const char *description, long max_session_duration,
			  const char *const *tag_keys, const char *const *tag_values, size_t ntags)
{
	struct piam__param p[5 + 2 * MAX_TAGS];
	struct tag_params tp;
	char duration[24];
	size_t n = 0;

	p[n].name = "RoleName";
	p[n++].value = name;
	p[n].name = "AssumeRolePolicyDocument";
	p[n++].value = trust_policy;
	n = add_optional(p, n, "Path", path);
	n = add_optional(p, n, "Description", description);
	if (max_session_duration) {
		snprintf(duration, sizeof(duration), "%ld", max_session_duration);
		p[n].name = "MaxSessionDuration";
		p[n++].value = duration;
	}
	n = add_tags(p, n, &tp, tag_keys, tag_values, ntags);
	return call_record(out, c, "CreateRole", p, n, "CreateRoleResult/Role");
}

int piam__iam_get_role(piam_aws_result **out, piam_client *c, const char *name)
{
	struct piam__param p[] = {{"RoleName", name}};

	return call_record(out, c, "GetRole", p, 1, "GetRoleResult/Role");
}

int piam__iam_set_trust(piam_client *c, const char *role, const char *trust_policy)
{
	struct piam__param p[] = {{"RoleName", role}, {"PolicyDocument", trust_policy}};

	return call_record(NULL, c, "UpdateAssumeRolePolicy", p, 2, NULL);
}

int piam__iam_delete_role(piam_client *c, const char *role)
{
	struct piam__param p[] = {{"RoleName", role}};

	return call_record(NULL, c, "DeleteRole", p, 1, NULL);
}

int piam__iam_tag_role(piam_client *c, const char *role, const char *const *tag_keys,
		       const char *const *tag_values, size_t ntags)
{
	struct piam__param p[1 + 2 * MAX_TAGS];
	struct tag_params tp;
	size_t n = 0;

	p[n].name = "RoleName";
	p[n++].value = role;
	n = add_tags(p, n, &tp, tag_keys, tag_values, ntags);
	return call_record(NULL, c, "TagRole", p, n, NULL);
}

int piam__iam_list_role_tags(piam_aws_result **out, piam_client *c, const char *role)
{
	return call_list(out, c, "ListRoleTags", "RoleName", role, "Tags/member", NULL);
}

int piam__iam_attach_role_policy(piam_client *c, const char *role, const char *policy_arn)
{
	struct piam__param p[] = {{"RoleName", role}, {"PolicyArn", policy_arn}};

	return call_record(NULL, c, "AttachRolePolicy", p, 2, NULL);
}

int piam__iam_detach_role_policy(piam_client *c, const char *role, const char *policy_arn)
{
	struct piam__param p[] = {{"RoleName", role}, {"PolicyArn", policy_arn}};

	return call_record(NULL, c, "DetachRolePolicy", p, 2, NULL);
}

int piam__iam_list_attached_role_policies(piam_aws_result **out, piam_client *c, const char *role)
{
	return call_list(out, c, "ListAttachedRolePolicies", "RoleName", role, "AttachedPolicies/member", NULL);
}

int piam__iam_list_role_policies(piam_aws_result **out, piam_client *c, const char *role)
{
	return call_list(out, c, "ListRolePolicies", "RoleName", role, "PolicyNames/member", "PolicyName");
}

int piam__iam_create_policy(piam_aws_result **out, piam_client *c, const char *name, const char *document,
			    const char *path, const char *description, const char *const *tag_keys,
			    const char *const *tag_values, size_t ntags)
{
	struct piam__param p[4 + 2 * MAX_TAGS];
	struct tag_params tp;
	size_t n = 0;

	p[n].name = "PolicyName";
	p[n++].value = name;
	p[n].name = "PolicyDocument";
	p[n++].value = document;
	n = add_optional(p, n, "Path", path);
	n = add_optional(p, n, "Description", description);
	n = add_tags(p, n, &tp, tag_keys, tag_values, ntags);
	return call_record(out, c, "CreatePolicy", p, n, "CreatePolicyResult/Policy");
}

int piam__iam_get_policy(piam_aws_result **out, piam_client *c, const char *policy_arn)
{
	struct piam__param p[] = {{"PolicyArn", policy_arn}};

	return call_record(out, c, "GetPolicy", p, 1, "GetPolicyResult/Policy");
}

int piam__iam_get_policy_version(piam_aws_result **out, piam_client *c, const char *policy_arn,
				 const char *version_id)
{
	struct piam__param p[] = {{"PolicyArn", policy_arn}, {"VersionId", version_id}};

	return call_record(out, c, "GetPolicyVersion", p, 2, "GetPolicyVersionResult/PolicyVersion");
}

int piam__iam_list_policy_versions(piam_aws_result **out, piam_client *c, const char *policy_arn)
{
	return call_list(out, c, "ListPolicyVersions", "PolicyArn", policy_arn, "Versions/member", NULL);
}

int piam__iam_create_policy_version(piam_aws_result **out, piam_client *c, const char *policy_arn,
				    const char *document, int set_default)
{
	struct piam__param p[] = {
		{"PolicyArn", policy_arn},
		{"PolicyDocument", document},
		{"SetAsDefault", set_default ? "true" : "false"},
	};

	return call_record(out, c, "CreatePolicyVersion", p, 3, "CreatePolicyVersionResult/PolicyVersion");
}

int piam__iam_delete_policy_version(piam_client *c, const char *policy_arn, const char *version_id)
{
	struct piam__param p[] = {{"PolicyArn", policy_arn}, {"VersionId", version_id}};

	return call_record(NULL, c, "DeletePolicyVersion", p, 2, NULL);
}

int piam__iam_delete_policy(piam_client *c, const char *policy_arn)
{
	struct piam__param p[] = {{"PolicyArn", policy_arn}};

	return call_record(NULL, c, "DeletePolicy", p, 1, NULL);
}

int piam__iam_create_user(piam_aws_result **out, piam_client *c, const char *name, const char *path)
{
	struct piam__param p[] = {{"UserName", name}, {"Path", path}};

	return call_record(out, c, "CreateUser", p, path ? 2 : 1, "CreateUserResult/User");
}

int piam__iam_attach_user_policy(piam_client *c, const char *user, const char *policy_arn)
{
	struct piam__param p[] = {{"UserName", user}, {"PolicyArn", policy_arn}};

	return call_record(NULL, c, "AttachUserPolicy", p, 2, NULL);
}

/* Argument checks. */

static int is_name_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       strchr("+=,.@_-", ch) != NULL;
}

int piam__check_name(piam_client *c, const char *what, const char *s, size_t max)
{
	size_t n;

	if (!s || !*s)
		return piam__error(c, PIAM_EINVAL, "%s is missing", what);
	for (n = 0; s[n]; n++)
		if (!is_name_char(s[n]) || n >= max)
			return piam__error(c, PIAM_EINVAL, "invalid %s: 1 to %zu of A-Z a-z 0-9 +=,.@_-", what, max);
	return PIAM_OK;
}

/* The length of the well-formed UTF-8 sequence at s (shortest form, no surrogates), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned long cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* UTF-8 text without control characters (tab, newline and carriage return aside), at most `max`
 * bytes; NULL allowed when optional. AWS refuses anything else, so it is never sent. */
int piam__check_text(piam_client *c, const char *what, const char *s, size_t max, int optional)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, len;

	if (!s)
		return optional ? PIAM_OK : piam__error(c, PIAM_EINVAL, "%s is missing", what);
	if (!*s && !optional)
		return piam__error(c, PIAM_EINVAL, "%s is empty", what);
	for (n = 0; u[n]; n += len)
		if ((u[n] < 0x20 && u[n] != '\n' && u[n] != '\r' && u[n] != '\t') || u[n] == 0x7f || n >= max ||
		    !(len = utf8_len(u + n)))
			return piam__error(c, PIAM_EINVAL, "invalid %s: not UTF-8, control characters or over %zu bytes",
					   what, max);
	return PIAM_OK;
}

int piam__check_document(piam_client *c, const char *what, const char *doc, size_t max)
{
	json_t *parsed = NULL;
	int rc;

	if ((rc = piam__check_text(c, what, doc, max, 0)))
		return rc;
	rc = piam__policy_parse(c, doc, strlen(doc), &parsed);
	json_decref(parsed);
	return rc;
}

int piam__check_tags(piam_client *c, const char *const *keys, const char *const *values, size_t n)
{
	size_t i;
	int rc;

	if (n > MAX_TAGS)
		return piam__error(c, PIAM_EINVAL, "too many tags: at most %d", MAX_TAGS);
	if (n && (!keys || !values))
		return piam__error(c, PIAM_EINVAL, "tag arrays missing");
	for (i = 0; i < n; i++) {
		if ((rc = piam__check_text(c, "tag key", keys[i], 128, 0)) ||
		    (rc = piam__check_text(c, "tag value", values[i], 256, 0)))
			return rc;
	}
	return PIAM_OK;
}

static int check_path(piam_client *c, const char *path)
{
	size_t n;

	if (!path)
		return PIAM_OK;
	n = strlen(path);
	if (n == 0 || n > 512 || path[0] != '/' || path[n - 1] != '/' || strpbrk(path, " \t\r\n"))
		return piam__error(c, PIAM_EINVAL, "invalid path: it must start and end with '/' (e.g. /service-role/)");
	return piam__check_text(c, "path", path, 512, 0);
}

static int check_arn(piam_client *c, const char *arn)
{
	const char *name, *p;
	int rc;

	if ((rc = piam__check_text(c, "policy ARN", arn, 2048, 0)))
		return rc;
	if (strncmp(arn, "arn:", 4) != 0 || !(name = strrchr(arn, '/')) || !name[1] || strlen(name + 1) > 128)
		goto bad;
	for (p = arn; *p; p++)
		if (*p < 0x21 || *p > 0x7e || (p > name && !is_name_char(*p)))
			goto bad;
	return PIAM_OK;
bad:
	return piam__error(c, PIAM_EINVAL, "invalid policy ARN: expected arn:PARTITION:iam::ACCOUNT:policy/NAME");
}

static int check_version(piam_client *c, const char *v)
{
	size_t i;

	if (!v || v[0] != 'v' || !v[1] || strlen(v) > 16)
		return piam__error(c, PIAM_EINVAL, "invalid policy version id: expected v1, v2, ...");
	for (i = 1; v[i]; i++)
		if (v[i] < '0' || v[i] > '9')
			return piam__error(c, PIAM_EINVAL, "invalid policy version id: expected v1, v2, ...");
	return PIAM_OK;
}

PIAM_API int piam_iam_create_role(piam_aws_result **out, piam_client *client, const char *name,
				  const char *trust_policy, const char *path, const char *description,
				  long max_session_duration, const char *const *tag_keys,
				  const char *const *tag_values, size_t ntags)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (out)
		*out = NULL;
	if ((rc = piam__check_name(client, "role name", name, 64)) ||
	    (rc = piam__check_document(client, "trust policy", trust_policy, MAX_DOCUMENT)) ||
	    (rc = check_path(client, path)) ||
	    (rc = piam__check_text(client, "description", description, 1000, 1)) ||
	    (rc = piam__check_tags(client, tag_keys, tag_values, ntags)))
		return rc;
	if (max_session_duration && (max_session_duration < 3600 || max_session_duration > 43200))
		return piam__error(client, PIAM_EINVAL, "max session duration must be 0 or 3600 to 43200 seconds");
	return piam__iam_create_role(out, client, name, trust_policy, path, description, max_session_duration,
				     tag_keys, tag_values, ntags);
}

PIAM_API int piam_iam_get_role(piam_aws_result **out, piam_client *client, const char *name)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (!out)
		return piam__error(client, PIAM_EINVAL, "out is NULL");
	*out = NULL;
	if ((rc = piam__check_name(client, "role name", name, 64)))
		return rc;
	return piam__iam_get_role(out, client, name);
}

PIAM_API int piam_iam_set_trust(piam_client *client, const char *role, const char *trust_policy)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if ((rc = piam__check_name(client, "role name", role, 64)) ||
	    (rc = piam__check_document(client, "trust policy", trust_policy, MAX_DOCUMENT)))
		return rc;
	return piam__iam_set_trust(client, role, trust_policy);
}

PIAM_API int piam_iam_delete_role(piam_client *client, const char *role)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if ((rc = piam__check_name(client, "role name", role, 64)))
		return rc;
	return piam__iam_delete_role(client, role);
}

PIAM_API int piam_iam_tag_role(piam_client *client, const char *role, const char *const *tag_keys,
			       const char *const *tag_values, size_t ntags)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if ((rc = piam__check_name(client, "role name", role, 64)) ||
	    (rc = piam__check_tags(client, tag_keys, tag_values, ntags)))
		return rc;
	if (ntags == 0)
		return piam__error(client, PIAM_EINVAL, "no tags given");
	return piam__iam_tag_role(client, role, tag_keys, tag_values, ntags);
}

/* The List functions share their checks: out, a role name. */
static int list_role(piam_aws_result **out, piam_client *client, const char *role,
		     int (*fn)(piam_aws_result **, piam_client *, const char *))
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (!out)
		return piam__error(client, PIAM_EINVAL, "out is NULL");
	*out = NULL;
	if ((rc = piam__check_name(client, "role name", role, 64)))
		return rc;
	return fn(out, client, role);
}

PIAM_API int piam_iam_list_role_tags(piam_aws_result **out, piam_client *client, const char *role)
{
	return list_role(out, client, role, piam__iam_list_role_tags);
}

PIAM_API int piam_iam_list_attached_role_policies(piam_aws_result **out, piam_client *client,
						  const char *role)
{
	return list_role(out, client, role, piam__iam_list_attached_role_policies);
}

PIAM_API int piam_iam_list_role_policies(piam_aws_result **out, piam_client *client, const char *role)
{
	return list_role(out, client, role, piam__iam_list_role_policies);
}

PIAM_API int piam_iam_attach_role_policy(piam_client *client, const char *role, const char *policy_arn)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if ((rc = piam__check_name(client, "role name", role, 64)) || (rc = check_arn(client, policy_arn)))
		return rc;
	return piam__iam_attach_role_policy(client, role, policy_arn);
}

PIAM_API int piam_iam_detach_role_policy(piam_client *client, const char *role, const char *policy_arn)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if ((rc = piam__check_name(client, "role name", role, 64)) || (rc = check_arn(client, policy_arn)))
		return rc;
	return piam__iam_detach_role_policy(client, role, policy_arn);
}

PIAM_API int piam_iam_create_policy(piam_aws_result **out, piam_client *client, const char *name,
				    const char *document, const char *path, const char *description,
				    const char *const *tag_keys, const char *const *tag_values, size_t ntags)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (out)
		*out = NULL;
	if ((rc = piam__check_name(client, "policy name", name, 128)) ||
	    (rc = piam__check_document(client, "policy document", document, MAX_DOCUMENT)) ||
	    (rc = check_path(client, path)) ||
	    (rc = piam__check_text(client, "description", description, 1000, 1)) ||
	    (rc = piam__check_tags(client, tag_keys, tag_values, ntags)))
		return rc;
	return piam__iam_create_policy(out, client, name, document, path, description, tag_keys, tag_values,
				       ntags);
}

PIAM_API int piam_iam_get_policy(piam_aws_result **out, piam_client *client, const char *policy_arn)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (!out)
		return piam__error(client, PIAM_EINVAL, "out is NULL");
	*out = NULL;
	if ((rc = check_arn(client, policy_arn)))
		return rc;
	return piam__iam_get_policy(out, client, policy_arn);
}

PIAM_API int piam_iam_get_policy_version(piam_aws_result **out, piam_client *client,
					 const char *policy_arn, const char *version_id)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (!out)
		return piam__error(client, PIAM_EINVAL, "out is NULL");
	*out = NULL;
	if ((rc = check_arn(client, policy_arn)) || (rc = check_version(client, version_id)))
		return rc;
	return piam__iam_get_policy_version(out, client, policy_arn, version_id);
}

PIAM_API int piam_iam_list_policy_versions(piam_aws_result **out, piam_client *client,
					   const char *policy_arn)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (!out)
		return piam__error(client, PIAM_EINVAL, "out is NULL");
	*out = NULL;
	if ((rc = check_arn(client, policy_arn)))
		return rc;
	return piam__iam_list_policy_versions(out, client, policy_arn);
}

PIAM_API int piam_iam_create_policy_version(piam_aws_result **out, piam_client *client,
					    const char *policy_arn, const char *document, int set_default)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (out)
		*out = NULL;
	if ((rc = check_arn(client, policy_arn)) ||
	    (rc = piam__check_document(client, "policy document", document, MAX_DOCUMENT)))
		return rc;
	if (set_default != 0 && set_default != 1)
		return piam__error(client, PIAM_EINVAL, "set_default must be 0 or 1");
	return piam__iam_create_policy_version(out, client, policy_arn, document, set_default);
}

PIAM_API int piam_iam_delete_policy_version(piam_client *client, const char *policy_arn,
					    const char *version_id)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if ((rc = check_arn(client, policy_arn)) || (rc = check_version(client, version_id)))
		return rc;
	return piam__iam_delete_policy_version(client, policy_arn, version_id);
}

PIAM_API int piam_iam_delete_policy(piam_client *client, const char *policy_arn)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if ((rc = check_arn(client, policy_arn)))
		return rc;
	return piam__iam_delete_policy(client, policy_arn);
}

PIAM_API int piam_iam_create_user(piam_aws_result **out, piam_client *client, const char *name,
				  const char *path)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if (out)
		*out = NULL;
	if ((rc = piam__check_name(client, "user name", name, 64)) || (rc = check_path(client, path)))
		return rc;
	return piam__iam_create_user(out, client, name, path);
}

PIAM_API int piam_iam_attach_user_policy(piam_client *client, const char *user, const char *policy_arn)
{
	int rc;

	if ((rc = piam__call_begin(client)))
		return rc;
	if ((rc = piam__check_name(client, "user name", user, 64)) || (rc = check_arn(client, policy_arn)))
		return rc;
	return piam__iam_attach_user_policy(client, user, policy_arn);
}
