/*
 * Temporary credentials from STS: AssumeRole (signed with the source credentials) and
 * AssumeRoleWithWebIdentity (unsigned; the token file is the proof). The replies carry secrets,
 * so the request goes through piam__request_send here rather than piam__query_call: the body and
 * the fields read from it are wiped before they are freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "creds.h"
#include "request.h"

#define TOKEN_FILE_MAX (64 * 1024)
#define DURATION_MIN 900
#define DURATION_MAX 43200

static void wipe_text(const struct piam__xml_node *node, const char *path)
{
	const char *t = piam__xml_text(node, path);

	/* The tree's strings are our allocation, handed out read-only. */
	if (t)
		piam__wipe((char *)(uintptr_t)t, strlen(t));
}

static int check_duration(piam_client *c, const struct piam__role_request *r)
{
	const char *p = r->duration;
	long n = 0;

	if (!p)
		return PIAM_OK;
	for (; *p && n <= DURATION_MAX; p++) {
		if (*p < '0' || *p > '9')
			break;
		n = n * 10 + (*p - '0');
	}
	if (*p || n < DURATION_MIN || n > DURATION_MAX)
		return piam__error(c, PIAM_ECONFIG, "%s: duration_seconds must be a whole number from %d to %d", r->what,
				   DURATION_MIN, DURATION_MAX);
	return PIAM_OK;
}

/* Put the action and the profile in front of the transport's or STS's message, keeping the rest. */
static void say_what(piam_client *c, const char *action, const struct piam__role_request *r)
{
	char msg[PIAM__ERRMSG_MAX], code[PIAM__ERRCODE_MAX], reqid[PIAM__REQID_MAX];
	long status = c->err_http_status;

	memcpy(msg, c->err_message, sizeof(msg));
	memcpy(code, c->err_aws_code, sizeof(code));
	memcpy(reqid, c->err_request_id, sizeof(reqid));
	piam__error_aws(c, c->err_code, status, code, reqid, "%s for %.80s: %s", action, r->what, msg);
}

/* Send one STS action and read .../Credentials from the reply into `f`. */
static int sts_call(piam_client *c, const char *action, const struct piam__param *params, size_t nparams,
		    const struct piam__credentials *source, const struct piam__role_request *r, struct piam__found *f)
{
	struct piam__http_response resp;
	struct piam__request req;
	struct piam__xml *doc = NULL;
	const struct piam__xml_node *cr;
	piam__buf body = {NULL, 0, 0};
	const char *region = piam__config_region(c), *id, *secret, *token, *exp;
	char result[64];
	long long expiration;
	int rc;

	memset(&resp, 0, sizeof(resp));
	if ((rc = piam__query_body(c, PIAM__SVC_STS, action, params, nparams, &body)))
		goto out;
	memset(&req, 0, sizeof(req));
	req.svc = PIAM__SVC_STS;
	req.op = action;
	req.method = "POST";
	req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	req.body = body.data;
	req.body_len = body.len;
	req.creds = source;
	req.unsigned_request = source == NULL;
	req.region = region ? region : "us-east-1"; /* STS answers in every region; one is needed to sign */
	if ((rc = piam__request_send(c, &req, &resp))) {
		say_what(c, action, r);
		goto out;
	}
	if ((rc = piam__xml_parse(c, resp.body.data ? resp.body.data : "", resp.body.len, &doc))) {
		if (rc != PIAM_ENOMEM)
			rc = piam__error(c, PIAM_EPROTOCOL, "%s for %s: unreadable reply", action, r->what);
		goto out;
	}
	snprintf(result, sizeof(result), "%sResult/Credentials", action);
	cr = piam__xml_find(piam__xml_root(doc), result);
	id = piam__xml_text(cr, "AccessKeyId");
	secret = piam__xml_text(cr, "SecretAccessKey");
	token = piam__xml_text(cr, "SessionToken");
	exp = piam__xml_text(cr, "Expiration");
	if (!id || !secret || !token || !exp || piam__parse_time(exp, &expiration) != 0)
		rc = piam__error(c, PIAM_EPROTOCOL, "%s for %s: the reply has no complete Credentials", action, r->what);
	else if ((rc = piam__found_set(c, f, id, secret, token, expiration)) == PIAM_EINVAL)
		rc = piam__error(c, PIAM_EPROTOCOL, "%s for %s: malformed credentials in the reply", action, r->what);
	wipe_text(cr, "SecretAccessKey");
	wipe_text(cr, "SessionToken");
	if (!rc)
		snprintf(f->source, sizeof(f->source), "%s %.80s (%.60s)", action, r->role_arn, r->what);
out:
	piam__xml_free(c, doc);
	piam__buf_wipe(c, &resp.body);
	piam__http_response_free(c, &resp);
	piam__buf_wipe(c, &body);
	return rc;
}

static int session_name(piam_client *c, const struct piam__role_request *r, char *buf, size_t cap)
{
	if (r->session_name) {
		if (strlen(r->session_name) > 64 || strlen(r->session_name) >= cap)
			return -1;
		snprintf(buf, cap, "%s", r->session_name);
		return 0;
	}
	snprintf(buf, cap, "piam-session-%lld", piam__config_now(c));
	return 0;
}

/*
 * The parameters both STS calls share: RoleArn, RoleSessionName (written into name[80]), then
 * `extra` (ExternalId or WebIdentityToken, if given) and DurationSeconds. params holds 4.
 */
static int role_params(piam_client *c, const struct piam__role_request *r, char name[80],
		       const char *extra_name, const char *extra, struct piam__param params[4], size_t *n)
{
	int rc;

	if ((rc = check_duration(c, r)))
		return rc;
	if (session_name(c, r, name, 80))
		return piam__error(c, PIAM_ECONFIG, "%s: role_session_name longer than 64 characters", r->what);
	*n = 0;
	params[*n].name = "RoleArn";
	params[(*n)++].value = r->role_arn;
	params[*n].name = "RoleSessionName";
	params[(*n)++].value = name;
	if (extra) {
		params[*n].name = extra_name;
		params[(*n)++].value = extra;
	}
	if (r->duration) {
		params[*n].name = "DurationSeconds";
		params[(*n)++].value = r->duration;
	}
	return PIAM_OK;
}

int piam__sts_assume_role(piam_client *c, const struct piam__credentials *source,
			  const struct piam__role_request *r, struct piam__found *f)
{
	struct piam__param params[4];
	char name[80];
	size_t n;
	int rc;

	if ((rc = role_params(c, r, name, "ExternalId", r->external_id, params, &n)))
		return rc;
	return sts_call(c, "AssumeRole", params, n, source, r, f);
}

/* The token file, read afresh on every call (it rotates); wiped by the caller. */
static int read_token(piam_client *c, const char *path, piam__buf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd, rc = PIAM_OK;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return piam__error(c, PIAM_EIO, "web identity token file %.200s: %s", path, strerror(errno));
	while (!rc && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = piam__error(c, PIAM_EIO, "web identity token file %.200s: %s", path, strerror(errno));
		else if (out->len + (size_t)n > TOKEN_FILE_MAX)
			rc = piam__error(c, PIAM_EIO, "web identity token file %.200s: too large", path);
		else
			rc = piam__buf_append(c, out, chunk, (size_t)n);
	}
	piam__wipe(chunk, sizeof(chunk));
	close(fd);
	if (!rc && !out->len)
		rc = piam__error(c, PIAM_ECREDENTIALS, "web identity token file %.200s is empty", path);
	while (!rc && out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r'))
		out->data[--out->len] = '\0';
	return rc;
}

int piam__sts_web_identity(piam_client *c, const struct piam__role_request *r, struct piam__found *f)
{
	struct piam__param params[4];
	piam__buf token = {NULL, 0, 0};
	char name[80];
	size_t n;
	int rc;

	/* the settings are checked before the token file is read; the token fills its slot after */
	if ((rc = role_params(c, r, name, "WebIdentityToken", "", params, &n)))
		return rc;
	if ((rc = read_token(c, r->token_file, &token)))
		goto out;
	params[2].value = token.data;
	rc = sts_call(c, "AssumeRoleWithWebIdentity", params, n, NULL, r, f);
out:
	piam__buf_wipe(c, &token);
	return rc;
}
