/*
 * The credential chain. Explicit credentials, then the embedder's callback, then (only with
 * piam_client_use_environment) what the AWS CLI would find: the environment's keys, then the
 * selected profile (its role through STS, web identity from the environment, credentials-file
 * keys, credential_process, config-file keys), then container credentials and EC2 instance
 * metadata. The first provider that yields wins; what it yields is kept on the client and looked
 * up again a few minutes before it expires.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "creds.h"

#define REFRESH_EARLY_S 300 /* ask again five minutes before temporary credentials expire */
#define STILL_VALID_S 10    /* a failed refresh may keep credentials this far from expiry */
#define PROCESS_OUTPUT_MAX (64 * 1024)

struct piam_credentials {
	piam_client *c;
	struct piam__found *found;
};

void piam__found_free(piam_client *c, struct piam__found *f)
{
	piam__free(c, f->creds.access_key_id);
	piam__free_secret(c, f->creds.secret_access_key);
	piam__free_secret(c, f->creds.session_token);
	memset(&f->creds, 0, sizeof(f->creds));
	f->expiration = 0;
}

int piam__found_set(piam_client *c, struct piam__found *f, const char *id, const char *secret,
		    const char *token, long long expiration)
{
	if (!id || !secret || !piam__is_key_text(id) || !piam__is_key_text(secret) ||
	    (token && !piam__is_key_text(token)) || expiration < 0)
		return PIAM_EINVAL;
	piam__found_free(c, f);
	f->creds.access_key_id = piam__strdup(c, id);
	f->creds.secret_access_key = piam__strdup(c, secret);
	if (token)
		f->creds.session_token = piam__strdup(c, token);
	if (!f->creds.access_key_id || !f->creds.secret_access_key || (token && !f->creds.session_token)) {
		piam__found_free(c, f);
		return PIAM_ENOMEM;
	}
	f->expiration = expiration;
	return PIAM_OK;
}

void piam__creds_free(piam_client *c)
{
	piam__free(c, c->creds.access_key_id);
	piam__free_secret(c, c->creds.secret_access_key);
	piam__free_secret(c, c->creds.session_token);
	memset(&c->creds, 0, sizeof(c->creds));
}

/* "where piam looked", for the error when nothing yields: short entries joined with "; ". */
void piam__looked(struct piam__looked *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len + 3 >= sizeof(l->text))
		return;
	if (l->len) {
		memcpy(l->text + l->len, "; ", 3);
		l->len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(l->text + l->len, sizeof(l->text) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len = l->len + (size_t)n < sizeof(l->text) ? l->len + (size_t)n : sizeof(l->text) - 1;
}

static void set_source(struct piam__found *f, const char *fmt, ...) PIAM__PRINTF(2, 3);
static void set_source(struct piam__found *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->source, sizeof(f->source), fmt, ap);
	va_end(ap);
}

PIAM_API int piam_credentials_set(piam_credentials *out, const char *access_key_id,
				  const char *secret_access_key, const char *session_token,
				  long long expiration)
{
	int rc;

	if (!out)
		return PIAM_EINVAL;
	rc = piam__found_set(out->c, out->found, access_key_id, secret_access_key, session_token, expiration);
	if (rc == PIAM_EINVAL)
		return piam__error(out->c, PIAM_EINVAL,
				   "invalid credentials from the callback: keys must be non-empty printable ASCII without spaces");
	return rc;
}

PIAM_API int piam_client_set_credentials_provider(piam_client *client, piam_credentials_fn fn, void *userdata)
{
	struct piam__config *cfg;

	if (!client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	if (!(cfg = piam__config_state(client)))
		return PIAM_ENOMEM;
	piam__config_forget_credentials(client);
	cfg->provider = fn;
	cfg->provider_userdata = fn ? userdata : NULL;
	return PIAM_OK;
}

static int from_callback(piam_client *c, struct piam__found *f, struct piam__looked *l)
{
	struct piam__config *cfg = c->config;
	piam_credentials out = {c, f};
	int rc;

	if (!cfg->provider)
		return PIAM_OK;
	rc = cfg->provider(&out, cfg->provider_userdata);
	if (rc != PIAM_OK) {
		piam__found_free(c, f);
		if (rc > 0 || strcmp(piam_status_name(rc), "PIAM_EUNKNOWN") == 0)
			rc = PIAM_ECREDENTIALS;
		return piam__error(c, rc, "the credentials callback failed: %s", piam_strerror(rc));
	}
	if (f->creds.access_key_id) {
		f->uses_environment = 0;
		set_source(f, "the credentials callback");
	}
	else
		piam__looked(l, "the credentials callback (none)");
	return PIAM_OK;
}

static int from_environment(piam_client *c, struct piam__found *f, struct piam__looked *l)
{
	const char *id = piam__config_env(c, "AWS_ACCESS_KEY_ID");
	const char *secret = piam__config_env(c, "AWS_SECRET_ACCESS_KEY");
	const char *token = piam__config_env(c, "AWS_SESSION_TOKEN");
	int rc;

	if (!id && !secret) {
		piam__looked(l, "AWS_ACCESS_KEY_ID (unset)");
		return PIAM_OK;
	}
	if (!id || !secret)
		return piam__error(c, PIAM_ECREDENTIALS, "%s is set but %s is not",
				   id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
				   id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	if ((rc = piam__found_set(c, f, id, secret, token, 0)) == PIAM_EINVAL)
		return piam__error(c, PIAM_ECREDENTIALS,
				   "the credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN are malformed");
	if (!rc)
		set_source(f, "environment (AWS_ACCESS_KEY_ID)");
	return rc;
}

/* aws_access_key_id and aws_secret_access_key (and a token) of a profile in one of the files. */
static int from_file_keys(piam_client *c, int which, const char *profile, struct piam__found *f)
{
	static const char *const what[PIAM__FILE_COUNT] = {"shared credentials file", "shared config file"};
	const char *id = piam__config_lookup(c, which, profile, "aws_access_key_id");
	const char *secret = piam__config_lookup(c, which, profile, "aws_secret_access_key");
	const char *token = piam__config_lookup(c, which, profile, "aws_session_token");
	const char *path = c->config->path[which];
	int rc;

	if (!token)
		token = piam__config_lookup(c, which, profile, "aws_security_token");
	if (!id && !secret)
		return PIAM_OK;
	if (!id || !secret || !*id || !*secret)
		return piam__error(c, PIAM_ECREDENTIALS, "%s %s, profile %s: %s without %s", what[which], path,
				   profile, id && *id ? "aws_access_key_id" : "aws_secret_access_key",
				   id && *id ? "aws_secret_access_key" : "aws_access_key_id");
	if ((rc = piam__found_set(c, f, id, secret, token && *token ? token : NULL, 0)) == PIAM_EINVAL)
		return piam__error(c, PIAM_ECREDENTIALS, "%s %s, profile %s: malformed credentials", what[which],
				   path, profile);
	if (!rc)
		set_source(f, "%s %.100s, profile %.40s", what[which], path, profile);
	return rc;
}

/* Read {"AccessKeyId", "SecretAccessKey", token_key, "Expiration"} from a JSON reply. Every string
 * in it is wiped before jansson frees it. `what` names the source in errors. */
int piam__found_from_json(piam_client *c, struct piam__found *f, const char *text, size_t len,
			  const char *token_key, int want_version, const char *what)
{
	json_t *root, *v;
	const char *key, *id, *secret, *token, *exp;
	long long expiration = 0;
	int rc = PIAM_OK;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return piam__error(c, PIAM_EPROTOCOL, "%s: the output is not a JSON object", what);
	}
	id = json_string_value(json_object_get(root, "AccessKeyId"));
	secret = json_string_value(json_object_get(root, "SecretAccessKey"));
	token = json_string_value(json_object_get(root, token_key));
	exp = json_string_value(json_object_get(root, "Expiration"));
	v = json_object_get(root, "Version");
	if (json_is_string(json_object_get(root, "Code")) &&
	    strcmp(json_string_value(json_object_get(root, "Code")), "Success") != 0)
		rc = piam__error(c, PIAM_ECREDENTIALS, "%s: Code is not Success", what);
	else if (want_version && !(json_is_integer(v) && json_integer_value(v) == want_version))
		rc = piam__error(c, PIAM_EPROTOCOL, "%s: expected \"Version\": %d", what, want_version);
	else if (!id || !secret)
		rc = piam__error(c, PIAM_EPROTOCOL, "%s: AccessKeyId or SecretAccessKey missing", what);
	else if (exp && piam__parse_time(exp, &expiration) != 0)
		rc = piam__error(c, PIAM_EPROTOCOL, "%s: Expiration is not an ISO 8601 time", what);
	else if (exp && expiration <= 0)
		rc = piam__error(c, PIAM_EPROTOCOL, "%s: Expiration before 1970", what);
	else if ((rc = piam__found_set(c, f, id, secret, token && *token ? token : NULL, expiration)) == PIAM_EINVAL)
		rc = piam__error(c, PIAM_EPROTOCOL, "%s: malformed credentials", what);
	json_object_foreach(root, key, v)
		if (json_is_string(v))
			piam__wipe((char *)(uintptr_t)json_string_value(v), json_string_length(v));
	json_decref(root);
	return rc;
}

static int from_process(piam_client *c, const char *profile, const char *command, struct piam__found *f)
{
	piam__buf out = {NULL, 0, 0};
	char what[96];
	int rc;

	snprintf(what, sizeof(what), "credential_process of profile %.60s", profile);
	rc = piam__process_run(c, command, c->config->process_timeout_ms, PROCESS_OUTPUT_MAX, &out, what);
	if (!rc)
		rc = piam__found_from_json(c, f, out.data ? out.data : "", out.len, "SessionToken", 1, what);
	piam__buf_wipe(c, &out);
	if (!rc)
		set_source(f, "%s", what);
	return rc;
}

#define MAX_ROLE_CHAIN 16

/* The profiles a role chain went through, to refuse a loop. */
struct visit {
	const char *names[MAX_ROLE_CHAIN];
	size_t n;
};

static int from_profile(piam_client *c, const char *profile, struct piam__found *f, struct piam__looked *l,
			struct visit *v);

static void role_request(piam_client *c, const char *profile, struct piam__role_request *r, char *what, size_t cap)
{
	snprintf(what, cap, "profile %.60s", profile);
	r->role_arn = piam__config_lookup(c, -1, profile, "role_arn");
	r->session_name = piam__config_lookup(c, -1, profile, "role_session_name");
	r->external_id = piam__config_lookup(c, -1, profile, "external_id");
	r->duration = piam__config_lookup(c, -1, profile, "duration_seconds");
	r->token_file = piam__config_lookup(c, -1, profile, "web_identity_token_file");
	r->what = what;
}

/* The credentials a role profile assumes the role with: its source_profile's (which may be a
 * role itself) or those named by credential_source. */
static int role_source(piam_client *c, const char *profile, struct piam__found *src, struct piam__looked *l,
		       struct visit *v)
{
	const char *sp = piam__config_lookup(c, -1, profile, "source_profile");
	const char *cs = piam__config_lookup(c, -1, profile, "credential_source");
	size_t i;
	int rc;

	if (!sp == !cs)
		return piam__error(c, PIAM_ECONFIG, "profile %s: role_arn needs one of source_profile or credential_source",
				   profile);
	if (cs) {
		if (strcmp(cs, "Environment") == 0)
			rc = from_environment(c, src, l);
		else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
			rc = piam__creds_imds(c, src, l);
		else if (strcmp(cs, "EcsContainer") == 0)
			rc = piam__creds_container(c, src, l);
		else
			return piam__error(c, PIAM_ECONFIG,
					   "profile %s: credential_source must be Environment, Ec2InstanceMetadata or EcsContainer",
					   profile);
		if (!rc && !src->creds.access_key_id)
			rc = piam__error(c, PIAM_ECREDENTIALS, "profile %s: credential_source %s yielded no credentials",
					 profile, cs);
		return rc;
	}
	/* A profile may name itself as its source when it holds keys (the CLI allows it). */
	if (strcmp(sp, profile) == 0) {
		if ((rc = from_file_keys(c, PIAM__FILE_CREDENTIALS, profile, src)) || src->creds.access_key_id ||
		    (rc = from_file_keys(c, PIAM__FILE_CONFIG, profile, src)) || src->creds.access_key_id)
			return rc;
		return piam__error(c, PIAM_ECONFIG, "profile %s is its own source_profile but holds no keys", profile);
	}
	for (i = 0; i < v->n; i++)
		if (strcmp(v->names[i], sp) == 0)
			return piam__error(c, PIAM_ECONFIG, "profile %s: source_profile %s makes a loop", profile, sp);
	if (v->n >= MAX_ROLE_CHAIN)
		return piam__error(c, PIAM_ECONFIG, "profile %s: role chain longer than %d profiles", profile,
				   MAX_ROLE_CHAIN);
	if (!piam__config_profile_exists(c, sp))
		return piam__error(c, PIAM_ECONFIG, "profile %s: source_profile %s not found", profile, sp);
	if (!(rc = from_profile(c, sp, src, l, v)) && !src->creds.access_key_id)
		rc = piam__error(c, PIAM_ECREDENTIALS, "profile %s: source_profile %s holds no credentials", profile, sp);
	return rc;
}

/* role_arn in a profile: web identity with web_identity_token_file, AssumeRole otherwise. */
static int from_role_profile(piam_client *c, const char *profile, struct piam__found *f, struct piam__looked *l,
			     struct visit *v)
{
	struct piam__role_request r;
	struct piam__found src;
	char what[80];
	int rc;

	role_request(c, profile, &r, what, sizeof(what));
	if (r.token_file)
		return piam__sts_web_identity(c, &r, f);
	if (piam__config_lookup(c, -1, profile, "mfa_serial"))
		return piam__error(c, PIAM_ECREDENTIALS, "profile %s: mfa_serial (an MFA prompt) is not supported", profile);
	memset(&src, 0, sizeof(src));
	v->names[v->n++] = profile;
	rc = role_source(c, profile, &src, l, v);
	v->n--;
	if (!rc)
		rc = piam__sts_assume_role(c, &src.creds, &r, f);
	piam__found_free(c, &src);
	return rc;
}

/* Keys, credential_process, keys: a profile's own credentials, in the AWS CLI's order. */
static int from_profile_keys(piam_client *c, const char *profile, struct piam__found *f, struct piam__looked *l)
{
	const char *v;
	int rc;

	if ((rc = from_file_keys(c, PIAM__FILE_CREDENTIALS, profile, f)) || f->creds.access_key_id)
		return rc;
	if ((v = piam__config_lookup(c, -1, profile, "credential_process")) && *v)
		return from_process(c, profile, v, f);
	if ((rc = from_file_keys(c, PIAM__FILE_CONFIG, profile, f)) || f->creds.access_key_id)
		return rc;
	if (piam__config_lookup(c, -1, profile, "sso_session") || piam__config_lookup(c, -1, profile, "sso_start_url"))
		piam__looked(l, "profile %s (SSO, not supported)", profile);
	else
		piam__looked(l, "profile %s (no credentials)", profile);
	return PIAM_OK;
}

static int from_profile(piam_client *c, const char *profile, struct piam__found *f, struct piam__looked *l,
			struct visit *v)
{
	if (piam__config_lookup(c, -1, profile, "role_arn"))
		return from_role_profile(c, profile, f, l, v);
	if (piam__config_lookup(c, -1, profile, "web_identity_token_file"))
		return piam__error(c, PIAM_ECONFIG, "profile %s: web_identity_token_file needs role_arn", profile);
	return from_profile_keys(c, profile, f, l);
}

/* AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (EKS service accounts). */
static int from_env_web_identity(piam_client *c, struct piam__found *f, struct piam__looked *l)
{
	struct piam__role_request r;

	memset(&r, 0, sizeof(r));
	r.token_file = piam__config_env(c, "AWS_WEB_IDENTITY_TOKEN_FILE");
	r.role_arn = piam__config_env(c, "AWS_ROLE_ARN");
	r.session_name = piam__config_env(c, "AWS_ROLE_SESSION_NAME");
	r.what = "AWS_WEB_IDENTITY_TOKEN_FILE";
	if (!r.token_file || !r.role_arn) {
		if (r.token_file || r.role_arn)
			piam__looked(l, "web identity (needs both AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN)");
		return PIAM_OK;
	}
	return piam__sts_web_identity(c, &r, f);
}

static const char *file_state_text(enum piam__file_state s)
{
	switch (s) {
	case PIAM__FILE_MISSING:
		return "missing";
	case PIAM__FILE_UNREADABLE:
		return "unreadable";
	case PIAM__FILE_READ:
		return "read";
	default:
		return "no path: HOME unset";
	}
}

static int from_files(piam_client *c, struct piam__found *f, struct piam__looked *l)
{
	struct piam__config *cfg = c->config;
	struct visit v;
	const char *profile;
	int rc, explicit_choice, exists;

	if ((rc = piam__config_load(c)))
		return rc;
	profile = piam__config_profile_name(c, &explicit_choice);
	piam__looked(l, "%.100s (%s)", cfg->path[0] ? cfg->path[0] : "credentials file",
		     file_state_text(cfg->state[0]));
	piam__looked(l, "%.100s (%s)", cfg->path[1] ? cfg->path[1] : "config file",
		     file_state_text(cfg->state[1]));
	exists = piam__config_profile_exists(c, profile);
	if (!exists && explicit_choice)
		return piam__error(c, PIAM_ECONFIG, "profile %s not found in %.150s or %.150s", profile,
				   cfg->path[0] ? cfg->path[0] : "(no credentials file)",
				   cfg->path[1] ? cfg->path[1] : "(no config file)");
	/* The CLI's order: the profile's role, then web identity from the environment, then keys. */
	v.n = 0;
	if (exists && piam__config_lookup(c, -1, profile, "role_arn"))
		return from_role_profile(c, profile, f, l, &v);
	if (exists && piam__config_lookup(c, -1, profile, "web_identity_token_file"))
		return piam__error(c, PIAM_ECONFIG, "profile %s: web_identity_token_file needs role_arn", profile);
	if ((rc = from_env_web_identity(c, f, l)) || f->creds.access_key_id)
		return rc;
	return exists ? from_profile_keys(c, profile, f, l) : PIAM_OK;
}

static int from_network(piam_client *c, struct piam__found *f, struct piam__looked *l)
{
	int rc;

	if ((rc = piam__creds_container(c, f, l)) || f->creds.access_key_id)
		return rc;
	return piam__creds_imds(c, f, l);
}

/* Run the chain into `f`. PIAM_ECREDENTIALS with the list of places when nothing yields. */
static int resolve(piam_client *c, struct piam__found *f)
{
	struct piam__looked l;
	int rc;

	l.len = 0;
	l.text[0] = '\0';
	piam__looked(&l, "the client (none set)");
	if ((rc = from_callback(c, f, &l)) || f->creds.access_key_id)
		return rc;
	f->uses_environment = 1;
	if (!c->use_environment)
		return piam__error(c, PIAM_ECREDENTIALS,
				   "no credentials: looked at %s; the environment is not used, nor the shared files "
				   "(see piam_client_use_environment)",
				   l.text);
	/* As with the CLI's --profile: a profile chosen on the client outranks keys in the environment. */
	if (c->config->profile)
		piam__looked(&l, "AWS_ACCESS_KEY_ID (skipped: a profile is set)");
	else if ((rc = from_environment(c, f, &l)) || f->creds.access_key_id)
		return rc;
	if ((rc = from_files(c, f, &l)) || f->creds.access_key_id)
		return rc;
	if ((rc = from_network(c, f, &l)) || f->creds.access_key_id)
		return rc;
	return piam__error(c, PIAM_ECREDENTIALS, "no credentials: looked at %s", l.text);
}

int piam__credentials_get(piam_client *c, const struct piam__credentials **out)
{
	struct piam__config *cfg;
	struct piam__found f;
	long long now;
	int rc;

	*out = NULL;
	if (c->creds.access_key_id) {
		*out = &c->creds;
		return PIAM_OK;
	}
	if (!(cfg = piam__config_state(c)))
		return PIAM_ENOMEM;
	if (cfg->resolved_uses_environment && !c->use_environment)
		piam__config_forget_credentials(c);
	now = piam__config_now(c);
	if (cfg->resolved.access_key_id && (!cfg->expiration || now < cfg->expiration - REFRESH_EARLY_S)) {
		*out = &cfg->resolved;
		return PIAM_OK;
	}
	memset(&f, 0, sizeof(f));
	rc = resolve(c, &f);
	if (!rc && f.expiration && f.expiration <= now)
		rc = piam__error(c, PIAM_ECREDENTIALS, "%s: the credentials expired already", f.source);
	if (rc) {
		piam__found_free(c, &f);
		if (cfg->resolved.access_key_id && now < cfg->expiration - STILL_VALID_S) {
			piam__log(c, PIAM_LOG_WARN, "refreshing credentials failed (%s); using the current ones until they expire",
				  c->err_message);
			piam__error_clear(c);
			*out = &cfg->resolved;
			return PIAM_OK;
		}
		return rc;
	}
	piam__config_forget_credentials(c);
	cfg->resolved = f.creds;
	cfg->expiration = f.expiration;
	cfg->resolved_uses_environment = f.uses_environment;
	memcpy(cfg->source, f.source, sizeof(cfg->source));
	piam__log(c, PIAM_LOG_DEBUG, "credentials from %s", cfg->source);
	*out = &cfg->resolved;
	return PIAM_OK;
}

PIAM_API int piam_client_credentials_source(char **out, piam_client *client)
{
	const struct piam__credentials *creds;
	const char *src;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !client)
		return PIAM_EINVAL;
	piam__error_clear(client);
	if ((rc = piam__credentials_get(client, &creds)))
		return rc;
	src = creds == &client->creds ? "the client (piam_client_set_credentials)" : client->config->source;
	if (!(*out = piam__out_strndup(client, src, strlen(src))))
		return PIAM_ENOMEM;
	return PIAM_OK;
}
