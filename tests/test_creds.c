/* The credential chain: every provider and precedence rule, credential_process, the callback,
 * refresh before expiry, secrecy, and allocation failures. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "creds.h"
#include "internal.h"
#include "testalloc.h"
#include "testenv.h"

CHECK_MAIN;

/* The script credential_process runs: prints its first argument, exits with the second. */
static const char echo_script[] = "#!/bin/sh\nprintf '%s' \"$1\"\nexit ${2:-0}\n";

#define PROC_JSON(v, exp)                                                                             \
	"'{\"Version\": " #v ", \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"PROCSECRET\", " \
	"\"SessionToken\": \"PROCTOKEN\", \"Expiration\": \"" exp "\"}'"

enum { CB_NONE, CB_SETS, CB_EMPTY, CB_FAILS };

static const struct chain_case {
	const char *name;
	const char *env[4];
	const char *config, *credentials; /* "@DIR@" stands for the test's directory */
	const char *profile;
	int use_env, explicit_creds, callback;
	int rc;
	const char *akid, *token;
	const char *text; /* part of the source on success, of the error message on failure */
} chain_cases[] = {
	{"explicit over callback and environment", {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=ENVSECRET"},
	 NULL, NULL, NULL, 1, 1, CB_SETS, 0, "AKIDEXPLICIT", NULL, "piam_client_set_credentials"},
	{"callback over environment", {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=ENVSECRET"}, NULL, NULL,
	 NULL, 1, 0, CB_SETS, 0, "AKIDCALLBACK", "CBTOKEN", "callback"},
	{"a callback that gives nothing passes on", {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=ENVSECRET"},
	 NULL, NULL, NULL, 1, 0, CB_EMPTY, 0, "AKIDENV", NULL, "environment"},
	{"a failing callback stops the chain", {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=ENVSECRET"}, NULL,
	 NULL, NULL, 1, 0, CB_FAILS, PIAM_EACCESS, NULL, NULL, "callback failed"},
	{"hermetic: the environment is not read", {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=ENVSECRET"},
	 NULL, "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=FILESECRET\n", NULL, 0, 0, CB_NONE,
	 PIAM_ECREDENTIALS, NULL, NULL, "environment is not used"},
	{"hermetic: the callback still works", {NULL}, NULL, NULL, NULL, 0, 0, CB_SETS, 0, "AKIDCALLBACK", "CBTOKEN",
	 "callback"},
	{"environment with a session token",
	 {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=ENVSECRET", "AWS_SESSION_TOKEN=ENVTOKEN"}, NULL, NULL, NULL,
	 1, 0, CB_NONE, 0, "AKIDENV", "ENVTOKEN", "AWS_ACCESS_KEY_ID"},
	{"environment: key id without secret", {"AWS_ACCESS_KEY_ID=AKIDENV"}, NULL, NULL, NULL, 1, 0, CB_NONE,
	 PIAM_ECREDENTIALS, NULL, NULL, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"},
	{"environment over the files", {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=ENVSECRET"}, NULL,
	 "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=FILESECRET\n", NULL, 1, 0, CB_NONE, 0, "AKIDENV",
	 NULL, "environment"},
	{"credentials file, default profile", {NULL}, NULL,
	 "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = FILESECRET\naws_session_token = FILETOKEN\n",
	 NULL, 1, 0, CB_NONE, 0, "AKIDFILE", "FILETOKEN", "shared credentials file @DIR@/credentials, profile default"},
	{"legacy aws_security_token", {NULL}, NULL,
	 "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = FILESECRET\naws_security_token = OLDTOKEN\n",
	 NULL, 1, 0, CB_NONE, 0, "AKIDFILE", "OLDTOKEN", "credentials file"},
	{"credentials file over config file", {NULL},
	 "[default]\naws_access_key_id=AKIDCONF\naws_secret_access_key=CONFSECRET\n",
	 "[default]\naws_access_key_id=AKIDCRED\naws_secret_access_key=CREDSECRET\n", NULL, 1, 0, CB_NONE, 0, "AKIDCRED",
	 NULL, "credentials file"},
	{"config file keys", {NULL}, "[default]\naws_access_key_id=AKIDCONF\naws_secret_access_key=CONFSECRET\n", NULL,
	 NULL, 1, 0, CB_NONE, 0, "AKIDCONF", NULL, "shared config file @DIR@/config, profile default"},
	{"AWS_PROFILE selects", {"AWS_PROFILE=dev"}, "[profile dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=S\n",
	 "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=FILESECRET\n", NULL, 1, 0, CB_NONE, 0, "AKIDDEV",
	 NULL, "profile dev"},
	{"the setter over AWS_PROFILE", {"AWS_PROFILE=dev"}, NULL,
	 "[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=S\n[prod]\naws_access_key_id=AKIDPROD\n"
	 "aws_secret_access_key=S\n",
	 "prod", 1, 0, CB_NONE, 0, "AKIDPROD", NULL, "profile prod"},
	{"a chosen profile that does not exist", {"AWS_PROFILE=nope"}, "[default]\nregion=us-east-1\n", NULL, NULL, 1, 0,
	 CB_NONE, PIAM_ECONFIG, NULL, NULL, "profile nope not found in @DIR@/credentials or @DIR@/config"},
	{"a key id without its secret", {NULL}, NULL, "[default]\naws_access_key_id=AKIDFILE\n", NULL, 1, 0, CB_NONE,
	 PIAM_ECREDENTIALS, NULL, NULL, "aws_access_key_id without aws_secret_access_key"},
	{"credentials-file keys over credential_process", {NULL},
	 "[default]\ncredential_process = @DIR@/proc.sh " PROC_JSON(1, "2099-01-01T00:00:00Z") "\n",
	 "[default]\naws_access_key_id=AKIDCRED\naws_secret_access_key=CREDSECRET\n", NULL, 1, 0, CB_NONE, 0, "AKIDCRED",
	 NULL, "credentials file"},
	{"credential_process over config-file keys", {NULL},
	 "[default]\naws_access_key_id=AKIDCONF\naws_secret_access_key=CONFSECRET\n"
	 "credential_process = @DIR@/proc.sh " PROC_JSON(1, "2099-01-01T00:00:00Z") "\n",
	 NULL, NULL, 1, 0, CB_NONE, 0, "AKIDPROC", "PROCTOKEN", "credential_process of profile default"},
	{"credential_process without Expiration", {NULL},
	 "[default]\ncredential_process = \"@DIR@/proc.sh\" '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\","
	 "\"SecretAccessKey\":\"PROCSECRET\"}'\n",
	 NULL, NULL, 1, 0, CB_NONE, 0, "AKIDPROC", NULL, "credential_process"},
	{"credential_process: Version 2", {NULL},
	 "[default]\ncredential_process = @DIR@/proc.sh " PROC_JSON(2, "2099-01-01T00:00:00Z") "\n", NULL, NULL, 1, 0,
	 CB_NONE, PIAM_EPROTOCOL, NULL, NULL, "expected \"Version\": 1"},
	{"credential_process: already expired", {NULL},
	 "[default]\ncredential_process = @DIR@/proc.sh " PROC_JSON(1, "2001-01-01T00:00:00Z") "\n", NULL, NULL, 1, 0,
	 CB_NONE, PIAM_ECREDENTIALS, NULL, NULL, "expired already"},
	{"credential_process: bad Expiration", {NULL},
	 "[default]\ncredential_process = @DIR@/proc.sh " PROC_JSON(1, "tomorrow") "\n", NULL, NULL, 1, 0, CB_NONE,
	 PIAM_EPROTOCOL, NULL, NULL, "Expiration"},
	{"credential_process: exit status", {NULL},
	 "[default]\ncredential_process = @DIR@/proc.sh " PROC_JSON(1, "2099-01-01T00:00:00Z") " 3\n", NULL, NULL, 1, 0,
	 CB_NONE, PIAM_ECREDENTIALS, NULL, NULL, "exited with status 3"},
	{"credential_process: not JSON", {NULL}, "[default]\ncredential_process = @DIR@/proc.sh 'PROCSECRET oops'\n", NULL,
	 NULL, 1, 0, CB_NONE, PIAM_EPROTOCOL, NULL, NULL, "not a JSON object"},
	{"credential_process: no such program", {NULL}, "[default]\ncredential_process = @DIR@/missing --flag\n", NULL,
	 NULL, 1, 0, CB_NONE, PIAM_EIO, NULL, NULL, "cannot run @DIR@/missing"},
	{"credential_process: unbalanced quote", {NULL}, "[default]\ncredential_process = @DIR@/proc.sh 'abc\n", NULL,
	 NULL, 1, 0, CB_NONE, PIAM_ECONFIG, NULL, NULL, "quote"},
	{"credential_process: too much output", {NULL}, "[default]\ncredential_process = head -c 200000 /dev/zero\n",
	 NULL, NULL, 1, 0, CB_NONE, PIAM_ETOOBIG, NULL, NULL, "bytes of output"},
	{"assume role: the source's credentials go to STS at the endpoint", {NULL},
	 "[profile r]\nrole_arn=arn:aws:iam::123456789012:role/r\nsource_profile=default\n",
	 "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=FILESECRET\n", "r", 1, 0, CB_NONE,
	 PIAM_ENETWORK, NULL, NULL, "AssumeRole for profile r: POST http://127.0.0.1:9/"},
	{"assume role: chains and credential_source reach STS", {"AWS_ACCESS_KEY_ID=AKIDENV",
								 "AWS_SECRET_ACCESS_KEY=ENVSECRET"},
	 "[profile a]\nrole_arn=arn:aws:iam::123456789012:role/a\nsource_profile=b\n"
	 "[profile b]\nrole_arn=arn:aws:iam::123456789012:role/b\ncredential_source=Environment\n",
	 NULL, "a", 1, 0, CB_NONE, PIAM_ENETWORK, NULL, NULL, "AssumeRole for profile b: POST http://127.0.0.1:9/"},
	{"assume role: a source_profile loop", {NULL},
	 "[profile a]\nrole_arn=arn:aws:iam::123456789012:role/a\nsource_profile=b\n"
	 "[profile b]\nrole_arn=arn:aws:iam::123456789012:role/b\nsource_profile=c\n"
	 "[profile c]\nrole_arn=arn:aws:iam::123456789012:role/c\nsource_profile=a\n",
	 NULL, "a", 1, 0, CB_NONE, PIAM_ECONFIG, NULL, NULL, "profile c: source_profile a makes a loop"},
	{"assume role: itself as source, with keys", {NULL},
	 "[profile a]\nrole_arn=arn:aws:iam::123456789012:role/a\nsource_profile=a\n",
	 "[a]\naws_access_key_id=AKIDFILE\naws_secret_access_key=FILESECRET\n", "a", 1, 0, CB_NONE, PIAM_ENETWORK,
	 NULL, NULL, "AssumeRole for profile a"},
	{"assume role: itself as source, without keys", {NULL},
	 "[profile a]\nrole_arn=arn:aws:iam::123456789012:role/a\nsource_profile=a\n", NULL, "a", 1, 0, CB_NONE,
	 PIAM_ECONFIG, NULL, NULL, "its own source_profile but holds no keys"},
	{"assume role: source_profile missing", {NULL},
	 "[profile a]\nrole_arn=arn:aws:iam::123456789012:role/a\nsource_profile=nope\n", NULL, "a", 1, 0, CB_NONE,
	 PIAM_ECONFIG, NULL, NULL, "source_profile nope not found"},
	{"assume role: source without credentials", {NULL},
	 "[profile a]\nrole_arn=arn:aws:iam::123456789012:role/a\nsource_profile=b\n[profile b]\nregion=us-east-1\n",
	 NULL, "a", 1, 0, CB_NONE, PIAM_ECREDENTIALS, NULL, NULL, "source_profile b holds no credentials"},
	{"assume role: both source kinds", {NULL},
	 "[default]\nrole_arn=arn:aws:iam::123456789012:role/a\nsource_profile=b\ncredential_source=Environment\n",
	 NULL, NULL, 1, 0, CB_NONE, PIAM_ECONFIG, NULL, NULL, "one of source_profile or credential_source"},
	{"assume role: no source", {NULL}, "[default]\nrole_arn=arn:aws:iam::123456789012:role/a\n", NULL, NULL, 1, 0,
	 CB_NONE, PIAM_ECONFIG, NULL, NULL, "one of source_profile or credential_source"},
	{"assume role: unknown credential_source", {NULL},
	 "[default]\nrole_arn=arn:aws:iam::123456789012:role/a\ncredential_source=Laptop\n", NULL, NULL, 1, 0,
	 CB_NONE, PIAM_ECONFIG, NULL, NULL, "credential_source must be"},
	{"assume role: credential_source that yields nothing", {NULL},
	 "[default]\nrole_arn=arn:aws:iam::123456789012:role/a\ncredential_source=Environment\n", NULL, NULL, 1, 0,
	 CB_NONE, PIAM_ECREDENTIALS, NULL, NULL, "credential_source Environment yielded no credentials"},
	{"assume role: duration out of range", {NULL},
	 "[default]\nrole_arn=arn:aws:iam::123456789012:role/a\nsource_profile=s\nduration_seconds=60\n"
	 "[profile s]\naws_access_key_id=AKIDCONF\naws_secret_access_key=CONFSECRET\n",
	 NULL, NULL, 1, 0, CB_NONE, PIAM_ECONFIG, NULL, NULL, "duration_seconds must be"},
	{"assume role: MFA is refused clearly", {NULL},
	 "[default]\nrole_arn=arn:aws:iam::123456789012:role/a\nsource_profile=s\nmfa_serial=arn:aws:iam::1:mfa/u\n"
	 "[profile s]\naws_access_key_id=AKIDCONF\naws_secret_access_key=CONFSECRET\n",
	 NULL, NULL, 1, 0, CB_NONE, PIAM_ECREDENTIALS, NULL, NULL, "mfa_serial"},
	{"assume role: the role wins over the profile's keys", {NULL},
	 "[default]\nrole_arn=arn:aws:iam::123456789012:role/a\ncredential_source=Environment\n",
	 "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=FILESECRET\n", NULL, 1, 0, CB_NONE,
	 PIAM_ECREDENTIALS, NULL, NULL, "credential_source Environment"},
	{"web identity: token file needs role_arn", {NULL}, "[default]\nweb_identity_token_file=@DIR@/jwt\n", NULL, NULL,
	 1, 0, CB_NONE, PIAM_ECONFIG, NULL, NULL, "web_identity_token_file needs role_arn"},
	{"web identity: a missing token file", {"AWS_WEB_IDENTITY_TOKEN_FILE=@DIR@/nope",
						"AWS_ROLE_ARN=arn:aws:iam::123456789012:role/w"},
	 NULL, "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=FILESECRET\n", NULL, 1, 0, CB_NONE,
	 PIAM_EIO, NULL, NULL, "web identity token file @DIR@/nope"},
	{"web identity from the environment reaches STS before the files' keys",
	 {"AWS_WEB_IDENTITY_TOKEN_FILE=@DIR@/proc.sh", "AWS_ROLE_ARN=arn:aws:iam::123456789012:role/w"}, NULL,
	 "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=FILESECRET\n", NULL, 1, 0, CB_NONE,
	 PIAM_ENETWORK, NULL, NULL, "AssumeRoleWithWebIdentity for AWS_WEB_IDENTITY_TOKEN_FILE: POST"},
	{"a profile set on the client outranks the environment's keys",
	 {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=ENVSECRET"}, NULL,
	 "[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=S\n", "dev", 1, 0, CB_NONE, 0, "AKIDDEV", NULL,
	 "profile dev"},
	{"AWS_PROFILE does not outrank the environment's keys",
	 {"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=ENVSECRET", "AWS_PROFILE=dev"}, NULL,
	 "[dev]\naws_access_key_id=AKIDDEV\naws_secret_access_key=S\n", NULL, 1, 0, CB_NONE, 0, "AKIDENV", NULL,
	 "environment"},
	{"web identity: AWS_ROLE_ARN alone is noted", {"AWS_ROLE_ARN=arn:aws:iam::123456789012:role/w"}, NULL, NULL, NULL, 1,
	 0, CB_NONE, PIAM_ECREDENTIALS, NULL, NULL, "needs both AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN"},
	{"a malformed file", {NULL}, "[default]\nregion = us-east-1\nnot a setting\n", NULL, NULL, 1, 0, CB_NONE,
	 PIAM_ECONFIG, NULL, NULL, "@DIR@/config:3: expected"},
	{"nothing anywhere: one error naming every place", {NULL}, "[default]\nregion = us-east-1\n", NULL, NULL, 1, 0,
	 CB_EMPTY, PIAM_ECREDENTIALS, NULL, NULL,
	 "no credentials: looked at the client (none set); the credentials callback (none); AWS_ACCESS_KEY_ID (unset); "
	 "@DIR@/credentials (missing); @DIR@/config (read); profile default (no credentials); container credentials "
	 "(AWS_CONTAINER_CREDENTIALS_* unset); EC2 instance metadata (AWS_EC2_METADATA_DISABLED)"},
	{"EC2 metadata that does not answer", {"AWS_EC2_METADATA_DISABLED=false",
					      "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9/"},
	 NULL, NULL, NULL, 1, 0, CB_NONE, PIAM_ECREDENTIALS, NULL, NULL,
	 "EC2 instance metadata http://127.0.0.1:9 (no answer)"},
	{"container: plain http to another host is refused",
	 {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://example.com/creds"}, NULL, NULL, NULL, 1, 0, CB_NONE, PIAM_ECONFIG,
	 NULL, NULL, "plain http only to loopback"},
};

/* Replace every "@DIR@" in `in` with `dir`. */
static void subst(char *out, size_t cap, const char *in, const char *dir)
{
	size_t n = 0, dl = strlen(dir);

	for (; *in && n + 1 < cap; in++) {
		if (strncmp(in, "@DIR@", 5) == 0 && n + dl + 1 < cap) {
			memcpy(out + n, dir, dl);
			n += dl;
			in += 4;
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

static int callback(piam_credentials *out, void *userdata)
{
	int mode = *(const int *)userdata;

	if (mode == CB_FAILS)
		return PIAM_EACCESS;
	if (mode == CB_SETS)
		return piam_credentials_set(out, "AKIDCALLBACK", "CBSECRET", "CBTOKEN", 0);
	return PIAM_OK;
}

static int holds_secret(const char *s)
{
	static const char *const secrets[] = {"ENVSECRET", "FILESECRET", "CONFSECRET", "CREDSECRET", "PROCSECRET",
					      "CBSECRET", "EXPLICITSECRET"};
	size_t i;

	for (i = 0; i < PIAM__ARRAY_LEN(secrets); i++)
		if (strstr(s, secrets[i]))
			return 1;
	return 0;
}

static void test_chain(void)
{
	struct testenv t;
	piam_client *c;
	const struct piam__credentials *cr;
	char text[1024], path[256], vars[4][256], *source;
	const char *list[5];
	size_t i, j;
	int rc, mode;

	for (i = 0; i < PIAM__ARRAY_LEN(chain_cases); i++) {
		const struct chain_case *cc = &chain_cases[i];

		if (testenv_begin(&t, NULL, NULL) != 0) {
			CHECK(0);
			continue;
		}
		/* Anything that would go to STS goes to a closed loopback port instead. */
		setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9", 1);
		setenv("AWS_MAX_ATTEMPTS", "1", 1);
		for (j = 0; j < PIAM__ARRAY_LEN(cc->env) && cc->env[j]; j++) {
			subst(vars[j], sizeof(vars[j]), cc->env[j], t.dir);
			list[j] = vars[j];
		}
		list[j] = NULL;
		testenv_set(list);
		testenv_write(&t, "proc.sh", echo_script, 1, path, sizeof(path));
		if (cc->config) {
			subst(text, sizeof(text), cc->config, t.dir);
			testenv_write(&t, "config", text, 0, path, sizeof(path));
		}
		if (cc->credentials) {
			subst(text, sizeof(text), cc->credentials, t.dir);
			testenv_write(&t, "credentials", text, 0, path, sizeof(path));
		}
		CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
		CHECK_INT(piam_client_use_environment(c, cc->use_env), PIAM_OK);
		if (cc->profile)
			CHECK_INT(piam_client_set_profile(c, cc->profile), PIAM_OK);
		if (cc->explicit_creds)
			CHECK_INT(piam_client_set_credentials(c, "AKIDEXPLICIT", "EXPLICITSECRET", NULL), PIAM_OK);
		mode = cc->callback;
		if (mode != CB_NONE)
			CHECK_INT(piam_client_set_credentials_provider(c, callback, &mode), PIAM_OK);
		subst(text, sizeof(text), cc->text, t.dir);
		rc = piam__credentials_get(c, &cr);
		CHECK_INT(rc, cc->rc);
		if (rc == PIAM_OK && cc->rc == PIAM_OK) {
			CHECK_STR(cr->access_key_id, cc->akid);
			if (cc->token)
				CHECK_STR(cr->session_token, cc->token);
			else
				CHECK(cr->session_token == NULL);
			CHECK_INT(piam_client_credentials_source(&source, c), PIAM_OK);
			CHECK(source && strstr(source, text) != NULL);
			if (!source || !strstr(source, text))
				fprintf(stderr, "case \"%s\": source \"%s\"\n", cc->name, source ? source : "(null)");
			piam_free(source);
		} else {
			CHECK(strstr(piam_client_error_message(c), text) != NULL);
			CHECK(!holds_secret(piam_client_error_message(c)));
			CHECK_INT(piam_client_credentials_source(&source, c), cc->rc);
			CHECK(source == NULL);
		}
		if (rc != cc->rc || (rc && !strstr(piam_client_error_message(c), text)))
			fprintf(stderr, "case \"%s\": %s: %s\n", cc->name, piam_status_name(rc),
				piam_client_error_message(c));
		piam_client_free(c);
		testenv_end(&t);
	}
}

static void test_split_words(void)
{
	static const struct {
		const char *command;
		int rc;
		const char *words[5];
	} table[] = {
		{"/bin/helper", 0, {"/bin/helper"}},
		{"  helper   --a  b\t", 0, {"helper", "--a", "b"}},
		{"helper 'two words' \"and \\\"three\\\"\"", 0, {"helper", "two words", "and \"three\""}},
		{"helper \"a\\b\" a\\ b ''", 0, {"helper", "a\\b", "a b", ""}},
		{"he'll'o \"x\"y", 0, {"hello", "xy"}},
		{"helper 'unclosed", PIAM_ECONFIG, {NULL}},
		{"helper \"unclosed", PIAM_ECONFIG, {NULL}},
		{"   ", PIAM_ECONFIG, {NULL}},
	};
	piam_client *c;
	char **argv;
	size_t i, j;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		CHECK_INT(piam__split_words(c, table[i].command, &argv), table[i].rc);
		if (table[i].rc) {
			CHECK(argv == NULL);
			continue;
		}
		for (j = 0; table[i].words[j]; j++)
			CHECK_STR(argv[j], table[i].words[j]);
		CHECK(argv[j] == NULL);
		piam__free(c, argv);
	}
	piam_client_free(c);
}

static void test_process_limits(void)
{
	piam__buf out = {NULL, 0, 0};
	piam_client *c;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK_INT(piam__process_run(c, "sleep 5", 300, 1024, &out, "test"), PIAM_ETIMEOUT);
	CHECK(strstr(piam_client_error_message(c), "no answer within 300 ms") != NULL);
	piam__buf_free(c, &out);
	CHECK_INT(piam__process_run(c, "printf abc", 1000, 1024, &out, "test"), PIAM_OK);
	CHECK_INT(out.len, 3);
	CHECK_STR(out.data, "abc");
	piam__buf_free(c, &out);
	CHECK_INT(piam__process_run(c, "sh -c 'kill -9 $$'", 1000, 1024, &out, "test"), PIAM_ECREDENTIALS);
	CHECK(strstr(piam_client_error_message(c), "signal 9") != NULL);
	piam__buf_free(c, &out);
	piam_client_free(c);
}

struct fake_clock {
	long long now;
};

static long long fake_now(void *userdata)
{
	return ((struct fake_clock *)userdata)->now;
}

struct expiring {
	int calls;
	int fail;
	long long expiration;
	char akid[32];
};

static int expiring_callback(piam_credentials *out, void *userdata)
{
	struct expiring *e = userdata;

	e->calls++;
	if (e->fail)
		return PIAM_ENETWORK;
	snprintf(e->akid, sizeof(e->akid), "AKIDGEN%d", e->calls);
	return piam_credentials_set(out, e->akid, "GENSECRET", "GENTOKEN", e->expiration);
}

/* Temporary credentials are looked up again five minutes before they expire, per client. */
static void test_refresh(void)
{
	struct fake_clock clk = {1000000};
	struct expiring e = {0, 0, 1000000 + 3600, ""};
	const struct piam__credentials *cr;
	piam_client *c, *other;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK_INT(piam_client_new(&other, NULL), PIAM_OK);
	piam__config_set_clock(c, fake_now, &clk);
	CHECK_INT(piam_client_set_credentials_provider(c, expiring_callback, &e), PIAM_OK);
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	CHECK_STR(cr->access_key_id, "AKIDGEN1");
	CHECK_INT(e.calls, 1);
	clk.now += 3600 - 301; /* still more than five minutes left: kept */
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	CHECK_STR(cr->access_key_id, "AKIDGEN1");
	CHECK_INT(e.calls, 1);
	clk.now += 2; /* within five minutes: asked again */
	e.expiration = clk.now + 3600;
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	CHECK_STR(cr->access_key_id, "AKIDGEN2");
	CHECK_INT(e.calls, 2);
	/* a failed refresh keeps credentials that still work ... */
	clk.now = e.expiration - 100;
	e.fail = 1;
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	CHECK_STR(cr->access_key_id, "AKIDGEN2");
	CHECK_INT(piam_client_error(c), PIAM_OK);
	CHECK_INT(e.calls, 3);
	/* ... but not past their end */
	clk.now = e.expiration;
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_ENETWORK);
	CHECK(strstr(piam_client_error_message(c), "callback failed") != NULL);
	/* a refresh that yields already-expired credentials is an error */
	e.fail = 0;
	e.expiration = clk.now - 1;
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_ECREDENTIALS);
	/* credentials without expiration are never asked for again */
	e.expiration = 0;
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	clk.now += 100000000;
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_OK);
	CHECK_INT(e.calls, 6);
	/* the other client has its own state */
	CHECK_INT(piam__credentials_get(other, &cr), PIAM_ECREDENTIALS);
	/* removing the callback forgets what it gave */
	CHECK_INT(piam_client_set_credentials_provider(c, NULL, NULL), PIAM_OK);
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_ECREDENTIALS);
	piam_client_free(c);
	piam_client_free(other);
}

static int bad_callback(piam_credentials *out, void *userdata)
{
	int *rcs = userdata;

	rcs[0] = piam_credentials_set(out, "AKID", "bad secret", NULL, 0);
	rcs[1] = piam_credentials_set(out, "AKID", "SECRET", NULL, -5);
	rcs[2] = piam_credentials_set(NULL, "AKID", "SECRET", NULL, 0);
	rcs[3] = piam_credentials_set(out, NULL, "SECRET", NULL, 0);
	return 7; /* not a piam code */
}

static void test_callback_api(void)
{
	const struct piam__credentials *cr;
	int rcs[4] = {0, 0, 0, 0};
	piam_client *c;

	CHECK_INT(piam_client_set_credentials_provider(NULL, callback, NULL), PIAM_EINVAL);
	CHECK_INT(piam_client_credentials_source(NULL, NULL), PIAM_EINVAL);
	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK_INT(piam_client_set_credentials_provider(c, bad_callback, rcs), PIAM_OK);
	CHECK_INT(piam__credentials_get(c, &cr), PIAM_ECREDENTIALS);
	CHECK_INT(rcs[0], PIAM_EINVAL);
	CHECK_INT(rcs[1], PIAM_EINVAL);
	CHECK_INT(rcs[2], PIAM_EINVAL);
	CHECK_INT(rcs[3], PIAM_EINVAL);
	CHECK(strstr(piam_client_error_message(c), "callback failed") != NULL);
	piam_client_free(c);
}

struct log_capture {
	char all[16384];
	size_t len;
	int calls;
};

static void capture(int level, const char *message, void *userdata)
{
	struct log_capture *l = userdata;
	size_t n = strlen(message);

	(void)level;
	l->calls++;
	if (l->len + n + 2 < sizeof(l->all)) {
		memcpy(l->all + l->len, message, n);
		l->len += n;
		l->all[l->len++] = '\n';
		l->all[l->len] = '\0';
	}
}

/* One full lookup per provider through a test allocator, at the most verbose log level. */
static int resolve_once(const piam_allocator *a, const char *profile, struct log_capture *log, char **source)
{
	const struct piam__credentials *cr;
	piam_client *c;
	int rc;

	*source = NULL;
	if ((rc = piam_client_new(&c, a)))
		return rc;
	rc = piam_client_set_log(c, capture, PIAM_LOG_TRACE, log);
	if (!rc)
		rc = piam_client_use_environment(c, 1);
	if (!rc)
		rc = piam_client_set_profile(c, profile);
	if (!rc)
		rc = piam__credentials_get(c, &cr);
	if (!rc && (piam__config_max_attempts(c) != 3 || !piam__config_region(c)))
		rc = PIAM_ECONFIG;
	if (!rc)
		rc = piam_client_credentials_source(source, c);
	piam_client_free(c);
	return rc;
}

/* Secrets from every source: never logged, never in messages, wiped from our memory; and every
 * allocation of a lookup may fail without leaking. */
static void test_secrets_and_alloc_failures(void)
{
	static const char *const profiles[] = {"file", "proc", "conf"};
	struct testenv t;
	struct testalloc ta;
	struct log_capture log;
	piam_allocator a;
	char text[1024], path[256], *source;
	size_t i;
	long n;
	int rc;

	if (testenv_begin(&t, NULL, "[file]\naws_access_key_id = AKIDFILE\naws_secret_access_key = TOPSECRET\n"
				    "aws_session_token = TOPSECRETTOKEN\n") != 0) {
		CHECK(0);
		return;
	}
	testenv_write(&t, "proc.sh", echo_script, 1, path, sizeof(path));
	subst(text, sizeof(text),
	      "[default]\nregion = eu-west-1\n[profile file]\nregion = eu-west-1\nmax_attempts = 3\n"
	      "[profile proc]\nregion = eu-west-1\nmax_attempts = 3\ncredential_process = "
	      "@DIR@/proc.sh '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"TOPSECRET\", "
	      "\"SessionToken\": \"TOPSECRETTOKEN\"}'\n"
	      "[profile conf]\nregion = eu-west-1\nmax_attempts = 3\n"
	      "aws_access_key_id = AKIDCONF\naws_secret_access_key = TOPSECRET\n",
	      t.dir);
	testenv_write(&t, "config", text, 0, path, sizeof(path));
	for (i = 0; i < PIAM__ARRAY_LEN(profiles); i++) {
		rc = PIAM_ENOMEM;
		for (n = 0; rc == PIAM_ENOMEM && n < 400; n++) {
			memset(&ta, 0, sizeof(ta));
			memset(&log, 0, sizeof(log));
			ta.forbidden = "TOPSECRET";
			ta.fail_at = n; /* 0: the full run, without failures */
			a = testalloc_allocator(&ta);
			rc = resolve_once(&a, profiles[i], &log, &source);
			if (n == 0) {
				CHECK_INT(rc, PIAM_OK);
				CHECK(log.calls > 0);
				rc = PIAM_ENOMEM; /* go on with the sweep */
			}
			CHECK(rc == PIAM_OK || rc == PIAM_ENOMEM);
			CHECK(strstr(log.all, "TOPSECRET") == NULL);
			if (source)
				CHECK(strstr(source, "TOPSECRET") == NULL);
			piam_free(source);
			CHECK_INT(ta.live, 0);
			CHECK_INT(ta.leaked_secret, 0);
		}
		CHECK_INT(rc, PIAM_OK);
		CHECK(n > 5);
	}
	testenv_end(&t);
}

int main(void)
{
	test_chain();
	test_split_words();
	test_process_limits();
	test_refresh();
	test_callback_api();
	test_secrets_and_alloc_failures();
	return check_exit();
}
