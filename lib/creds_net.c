/*
 * The credential providers that ask a local endpoint: ECS/EKS container credentials and EC2
 * instance metadata (IMDSv2). Both are plain HTTP through piam__http_send with short timeouts,
 * so that looking for them off a container or off EC2 costs little.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "creds.h"
#include "http.h"
#include "sigv4.h"

#define CONTAINER_HOST "http://169.254.170.2"
#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_DEFAULT_V6 "http://[fd00:ec2::254]"
#define IMDS_TOKEN_TTL "21600"
#define NET_TIMEOUT_MS 1000L  /* each request; the providers are last in the chain */
#define NET_ATTEMPTS 2        /* one retry, for a dropped packet or a busy agent */
#define TOKEN_FILE_MAX 16384

/* A GET or PUT with retries on network errors and 5xx. 0 with `resp` filled for any other status. */
static int fetch(piam_client *c, const char *method, const char *url, const struct piam__sig_header *headers,
		 size_t nheaders, struct piam__http_response *resp)
{
	int attempt, rc = PIAM_OK;

	for (attempt = 1; attempt <= NET_ATTEMPTS; attempt++) {
		if (attempt > 1) {
			piam__buf_wipe(c, &resp->body);
			piam__http_response_free(c, resp);
		}
		rc = piam__http_send(c, method, url, headers, nheaders, NULL, 0, NET_TIMEOUT_MS, resp);
		if (rc == PIAM_ENOMEM || (!rc && resp->status < 500))
			break;
	}
	return rc;
}

static void response_wipe(piam_client *c, struct piam__http_response *resp)
{
	piam__buf_wipe(c, &resp->body);
	piam__http_response_free(c, resp);
}

/* The host of an http(s) URL, lowercased into `out`; -1 when there is none or it is too long. */
static int url_host(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://"), *e;
	size_t n, i;

	if (!p)
		return -1;
	p += 3;
	if (*p == '[')
		e = strchr(p, ']') ? strchr(p, ']') + 1 : NULL;
	else
		for (e = p; *e && *e != '/' && *e != ':' && *e != '?' && *e != '#'; e++)
			;
	if (!e || (n = (size_t)(e - p)) == 0 || n >= cap || memchr(p, '@', n))
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
	out[n] = '\0';
	return 0;
}

/* 127.x.y.z in plain dotted decimal. */
static int is_loopback_v4(const char *h)
{
	unsigned part, v;
	int digits;

	if (strncmp(h, "127.", 4) != 0)
		return 0;
	h += 4;
	for (part = 0; part < 3; part++) {
		for (v = 0, digits = 0; *h >= '0' && *h <= '9' && digits < 3; h++, digits++)
			v = v * 10 + (unsigned)(*h - '0');
		if (!digits || v > 255 || *h != (part < 2 ? '.' : '\0'))
			return 0;
		if (part < 2)
			h++;
	}
	return 1;
}

/* Plain http only to this machine or the ECS/EKS agents, so a token never crosses a network in clear. */
int piam__container_url_allowed(const char *url)
{
	static const char *const hosts[] = {"localhost", "[::1]", "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]"};
	char host[256];
	size_t i;

	if (url_host(url, host, sizeof(host)) != 0)
		return 0;
	if (strncmp(url, "https://", 8) == 0)
		return 1;
	if (strncmp(url, "http://", 7) != 0)
		return 0;
	for (i = 0; i < PIAM__ARRAY_LEN(hosts); i++)
		if (strcmp(host, hosts[i]) == 0)
			return 1;
	return is_loopback_v4(host);
}

/* The authorization token: from the file (read afresh: it rotates) or the variable; trailing
 * whitespace dropped. Wiped by the caller. */
static int container_token(piam_client *c, piam__buf *out)
{
	const char *file = piam__config_env(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *v = piam__config_env(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	char chunk[1024];
	ssize_t n;
	int fd, rc = PIAM_OK;

	if (file) {
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
			return piam__error(c, PIAM_EIO, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %.200s: %s", file,
					   strerror(errno));
		while (!rc && (n = read(fd, chunk, sizeof(chunk))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				rc = piam__error(c, PIAM_EIO, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %.200s: %s", file,
						 strerror(errno));
			else if (out->len + (size_t)n > TOKEN_FILE_MAX)
				rc = piam__error(c, PIAM_EIO, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %.200s: too large",
						 file);
			else
				rc = piam__buf_append(c, out, chunk, (size_t)n);
		}
		piam__wipe(chunk, sizeof(chunk));
		close(fd);
	} else if (v) {
		rc = piam__buf_puts(c, out, v);
	}
	if (rc || !out->data)
		return rc;
	while (out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == '\r' ||
			    out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t'))
		out->data[--out->len] = '\0';
	if (strpbrk(out->data, "\r\n") || memchr(out->data, '\0', out->len))
		return piam__error(c, PIAM_ECREDENTIALS, "the container authorization token holds a line break");
	return PIAM_OK;
}

int piam__container_url(piam_client *c, piam__buf *out)
{
	const char *rel = piam__config_env(c, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = piam__config_env(c, "AWS_CONTAINER_CREDENTIALS_FULL_URI");

	if (rel)
		return piam__buf_printf(c, out, "%s%s%s", CONTAINER_HOST, rel[0] == '/' ? "" : "/", rel);
	if (full && piam__container_url_allowed(full))
		return piam__buf_puts(c, out, full);
	if (full)
		return piam__error(c, PIAM_ECONFIG,
				   "AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http only to loopback or the ECS/EKS agent addresses");
	return piam__error(c, PIAM_ECONFIG, "no AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI");
}

int piam__creds_container(piam_client *c, struct piam__found *f, struct piam__looked *l)
{
	const char *rel = piam__config_env(c, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = piam__config_env(c, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	struct piam__http_response resp;
	struct piam__sig_header h[1];
	piam__buf url = {NULL, 0, 0}, token = {NULL, 0, 0};
	int rc;

	memset(&resp, 0, sizeof(resp));
	if (!rel && !full) {
		piam__looked(l, "container credentials (AWS_CONTAINER_CREDENTIALS_* unset)");
		return PIAM_OK;
	}
	if ((rc = piam__container_url(c, &url)) || (rc = container_token(c, &token)))
		goto out;
	h[0].name = "Authorization";
	h[0].value = token.data;
	rc = fetch(c, "GET", url.data, h, token.data ? 1 : 0, &resp);
	if (!rc && resp.status != 200)
		rc = piam__error_aws(c, PIAM_ECREDENTIALS, resp.status, NULL, NULL,
				     "container credentials: HTTP %ld from %.200s", resp.status, url.data);
	if (!rc)
		rc = piam__found_from_json(c, f, resp.body.data ? resp.body.data : "", resp.body.len, "Token", 0,
					   "container credentials");
	if (!rc)
		snprintf(f->source, sizeof(f->source), "container credentials (%.120s)", url.data);
out:
	response_wipe(c, &resp);
	piam__buf_wipe(c, &token);
	piam__buf_free(c, &url);
	return rc;
}

static int imds_base(piam_client *c, piam__buf *out)
{
	const char *v = piam__config_env(c, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = piam__config_env(c, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	size_t n;
	int rc;

	if (!v && !mode && c->use_environment && piam__config_load(c) == PIAM_OK) {
		const char *profile = piam__config_profile_name(c, NULL);

		v = piam__config_lookup(c, -1, profile, "ec2_metadata_service_endpoint");
		mode = piam__config_lookup(c, -1, profile, "ec2_metadata_service_endpoint_mode");
	}
	if (!v)
		v = mode && (mode[0] == 'I' || mode[0] == 'i') && (mode[1] == 'P' || mode[1] == 'p') &&
				    (mode[2] == 'v' || mode[2] == 'V') && mode[3] == '6' && !mode[4]
			    ? IMDS_DEFAULT_V6
			    : IMDS_DEFAULT;
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return piam__error(c, PIAM_ECONFIG, "the EC2 metadata endpoint must be an http(s) URL");
	n = strlen(v);
	while (n && v[n - 1] == '/')
		n--;
	rc = piam__buf_append(c, out, v, n);
	return rc;
}

static int is_disabled(const char *v)
{
	return v && (strcmp(v, "true") == 0 || strcmp(v, "TRUE") == 0 || strcmp(v, "True") == 0);
}

int piam__creds_imds(piam_client *c, struct piam__found *f, struct piam__looked *l)
{
	struct piam__http_response resp;
	struct piam__sig_header h[1];
	piam__buf base = {NULL, 0, 0}, url = {NULL, 0, 0}, token = {NULL, 0, 0};
	char role[256];
	size_t n;
	int rc;

	memset(&resp, 0, sizeof(resp));
	if (is_disabled(piam__config_env(c, "AWS_EC2_METADATA_DISABLED"))) {
		piam__looked(l, "EC2 instance metadata (AWS_EC2_METADATA_DISABLED)");
		return PIAM_OK;
	}
	if ((rc = imds_base(c, &base)) || (rc = piam__buf_printf(c, &url, "%s/latest/api/token", base.data)))
		goto out;

	/* The IMDSv2 handshake: a session token first, then every read carries it. */
	h[0].name = "X-aws-ec2-metadata-token-ttl-seconds";
	h[0].value = IMDS_TOKEN_TTL;
	rc = fetch(c, "PUT", url.data, h, 1, &resp);
	if (rc == PIAM_ENETWORK || rc == PIAM_ETIMEOUT) {
		piam__error_clear(c);
		piam__looked(l, "EC2 instance metadata %.60s (no answer)", base.data);
		rc = PIAM_OK;
		goto out;
	}
	if (rc)
		goto out;
	if (resp.status != 200 || !resp.body.len) {
		piam__looked(l, "EC2 instance metadata %.60s (token request: HTTP %ld)", base.data, resp.status);
		goto out;
	}
	if ((rc = piam__buf_append(c, &token, resp.body.data, resp.body.len)))
		goto out;
	response_wipe(c, &resp);
	h[0].name = "X-aws-ec2-metadata-token";
	h[0].value = token.data;

	url.len = 0;
	if ((rc = piam__buf_printf(c, &url, "%s/latest/meta-data/iam/security-credentials/", base.data)) ||
	    (rc = fetch(c, "GET", url.data, h, 1, &resp)))
		goto out;
	if (resp.status == 404 || (resp.status == 200 && !resp.body.len)) {
		piam__looked(l, "EC2 instance metadata (no instance role)");
		goto out;
	}
	if (resp.status != 200) {
		rc = piam__error_aws(c, PIAM_ECREDENTIALS, resp.status, NULL, NULL,
				     "EC2 instance metadata: HTTP %ld for the role name", resp.status);
		goto out;
	}
	/* The first line names the role. */
	n = strcspn(resp.body.data, "\r\n");
	if (n == 0 || n >= sizeof(role) || strcspn(resp.body.data, "/?#% ") < n) {
		rc = piam__error(c, PIAM_EPROTOCOL, "EC2 instance metadata: malformed role name");
		goto out;
	}
	memcpy(role, resp.body.data, n);
	role[n] = '\0';
	response_wipe(c, &resp);

	url.len = 0;
	if ((rc = piam__buf_printf(c, &url, "%s/latest/meta-data/iam/security-credentials/%s", base.data, role)) ||
	    (rc = fetch(c, "GET", url.data, h, 1, &resp)))
		goto out;
	if (resp.status != 200) {
		rc = piam__error_aws(c, PIAM_ECREDENTIALS, resp.status, NULL, NULL,
				     "EC2 instance metadata: HTTP %ld for the credentials of role %s", resp.status, role);
		goto out;
	}
	if ((rc = piam__found_from_json(c, f, resp.body.data, resp.body.len, "Token", 0, "EC2 instance metadata")))
		goto out;
	snprintf(f->source, sizeof(f->source), "EC2 instance metadata, role %.100s", role);
out:
	response_wipe(c, &resp);
	piam__buf_wipe(c, &token);
	piam__buf_free(c, &url);
	piam__buf_free(c, &base);
	return rc;
}
