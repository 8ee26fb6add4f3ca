/* The shared-file parser and the effective settings: region, endpoints, max attempts, CA bundle. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "internal.h"
#include "profile.h"
#include "testalloc.h"
#include "testenv.h"

CHECK_MAIN;

#define P PIAM__SECTION_PROFILE
#define S PIAM__SECTION_SERVICES

struct lookup {
	int kind;
	const char *section, *key, *sub;
	const char *value; /* NULL: must be absent */
};

static const struct parse_case {
	const char *name;
	int config_file;
	const char *text;
	int rc;
	const char *error; /* part of the message */
	struct lookup get[5];
} parse_cases[] = {
	{"credentials file", 0,
	 "[default]\naws_access_key_id = AKID\naws_secret_access_key=SECRET\n[dev]\naws_access_key_id=DEV\n", 0, NULL,
	 {{P, "default", "aws_access_key_id", NULL, "AKID"}, {P, "default", "aws_secret_access_key", NULL, "SECRET"},
	  {P, "dev", "aws_access_key_id", NULL, "DEV"}, {P, "dev", "aws_secret_access_key", NULL, NULL}}},
	{"comments, even indented, and blank lines", 1,
	 "# top\n; also\n\n[default]\n   # indented comment\n\t; another\nregion = us-east-1\n\n", 0, NULL,
	 {{P, "default", "region", NULL, "us-east-1"}}},
	{"whitespace and CRLF", 1, "  [default]  \r\n\tregion\t=\t eu-west-1  \r\n output =   json\r\n", 0, NULL,
	 {{P, "default", "region", NULL, "eu-west-1"}, {P, "default", "output", NULL, "json"}}},
	{"first '=' or ':' separates", 1,
	 "[default]\nregion: eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/x\nx = a=b\n", 0, NULL,
	 {{P, "default", "region", NULL, "eu-west-1"},
	  {P, "default", "role_arn", NULL, "arn:aws:iam::123456789012:role/x"},
	  {P, "default", "x", NULL, "a=b"}}},
	{"keys are case-insensitive, section names are not", 1, "[profile Dev]\nREGION = eu-west-2\n", 0, NULL,
	 {{P, "Dev", "region", NULL, "eu-west-2"}, {P, "dev", "region", NULL, NULL}}},
	{"config sections", 1, "[profile dev]\nregion=a\n[default]\nregion=b\n[dev]\nregion=c\n[sso-session s]\nregion=d\n", 0,
	 NULL, {{P, "dev", "region", NULL, "a"}, {P, "default", "region", NULL, "b"}, {P, "s", "region", NULL, NULL}}},
	{"[profile x] in the credentials file is named so", 0, "[profile dev]\nregion=a\n", 0, NULL,
	 {{P, "profile dev", "region", NULL, "a"}, {P, "dev", "region", NULL, NULL}}},
	{"[profile default] wins over [default]", 1, "[profile default]\nregion=a\n[default]\nregion=b\noutput=json\n", 0,
	 NULL, {{P, "default", "region", NULL, "a"}, {P, "default", "output", NULL, "json"}}},
	{"quoted and malformed profile headers", 1,
	 "[profile \"q p\"]\nregion=a\n[profile a b]\nregion=b\n[profile]\nregion=c\n[profiledev]\nregion=d\n", 0, NULL,
	 {{P, "q p", "region", NULL, "a"}, {P, "a b", "region", NULL, NULL}, {P, "a", "region", NULL, NULL},
	  {P, "profiledev", "region", NULL, NULL}, {P, "dev", "region", NULL, NULL}}},
	{"nested block", 1,
	 "[profile dev]\ns3 =\n  max_concurrent_requests = 20\n  # comment\n  addressing_style = path\nregion = x\n", 0,
	 NULL,
	 {{P, "dev", "s3", "max_concurrent_requests", "20"}, {P, "dev", "s3", "addressing_style", "path"},
	  {P, "dev", "s3", NULL, NULL}, {P, "dev", "region", NULL, "x"}}},
	{"services section", 1,
	 "[profile dev]\nservices = local\n[services local]\niam =\n  endpoint_url = http://127.0.0.1:5000\n"
	 "sts =\n endpoint_url=http://127.0.0.1:5001\n",
	 0, NULL,
	 {{P, "dev", "services", NULL, "local"}, {S, "local", "iam", "endpoint_url", "http://127.0.0.1:5000"},
	  {S, "local", "sts", "endpoint_url", "http://127.0.0.1:5001"}, {P, "local", "iam", "endpoint_url", NULL}}},
	{"continuation lines", 1, "[default]\nfoo = a\n  b\n\tc\nbar = d\n", 0, NULL,
	 {{P, "default", "foo", NULL, "a\nb\nc"}, {P, "default", "bar", NULL, "d"}}},
	{"repeated sections and keys: the last wins", 0, "[default]\nregion=a\nregion=b\n[x]\n[default]\nout=c\nregion=d\n", 0,
	 NULL, {{P, "default", "region", NULL, "d"}, {P, "default", "out", NULL, "c"}}},
	{"header followed by text", 1, "[default] ; comment\nregion=a\n", 0, NULL, {{P, "default", "region", NULL, "a"}}},
	{"indented first key", 1, "[default]\n   region = a\n   output = b\n", 0, NULL,
	 {{P, "default", "region", NULL, "a"}, {P, "default", "output", NULL, "b"}}},
	{"empty value", 1, "[default]\nregion =\noutput = json\n", 0, NULL,
	 {{P, "default", "region", NULL, ""}, {P, "default", "output", NULL, "json"}}},
	{"byte order mark, no final newline", 1, "\xef\xbb\xbf[default]\nregion=a", 0, NULL,
	 {{P, "default", "region", NULL, "a"}}},
	{"empty file", 1, "", 0, NULL, {{P, "default", "region", NULL, NULL}}},
	{"key before any section", 1, "region = a\n[default]\n", PIAM_ECONFIG, "f:1: a line before the first [section]", {{0}}},
	{"line without a separator", 1, "[default]\nregion a\n", PIAM_ECONFIG, "f:2: expected", {{0}}},
	{"empty section name", 1, "[default]\n[ ]\n", PIAM_ECONFIG, "f:2: empty section name", {{0}}},
	{"empty key", 1, "[default]\n = x\n", PIAM_ECONFIG, "f:2: empty key", {{0}}},
	{"nested line without '='", 1, "[default]\nregion=a\ns3 =\n  oops\n", PIAM_ECONFIG, "f:3: expected", {{0}}},
	{"secret not quoted in errors", 0, "[default]\naws_secret_access_key SECRETVALUE\n", PIAM_ECONFIG, "f:2:", {{0}}},
};

static void test_parse(void)
{
	struct piam__profile_file f;
	piam_client *c;
	size_t i, j;
	int rc;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	for (i = 0; i < PIAM__ARRAY_LEN(parse_cases); i++) {
		const struct parse_case *pc = &parse_cases[i];

		rc = piam__profile_parse(c, pc->text, strlen(pc->text), pc->config_file, "f", &f);
		if (rc != pc->rc)
			fprintf(stderr, "case \"%s\": %s\n", pc->name, piam_client_error_message(c));
		CHECK_INT(rc, pc->rc);
		if (pc->error) {
			CHECK(strstr(piam_client_error_message(c), pc->error) != NULL);
			CHECK(strstr(piam_client_error_message(c), "SECRETVALUE") == NULL);
			CHECK(f.nprops == 0 && f.nsections == 0);
		}
		for (j = 0; j < PIAM__ARRAY_LEN(pc->get) && pc->get[j].section; j++) {
			const struct lookup *g = &pc->get[j];
			const char *v = piam__profile_get(&f, g->kind, g->section, g->key, g->sub);

			if (g->value)
				CHECK_STR(v, g->value);
			else
				CHECK(v == NULL);
			if (g->value ? !v || strcmp(v, g->value) : v != NULL)
				fprintf(stderr, "  in case \"%s\", lookup %zu\n", pc->name, j);
		}
		piam__profile_free(c, &f);
	}
	CHECK_INT(piam__profile_parse(c, "[default]\0x=1", 13, 1, "f", &f), PIAM_ECONFIG);
	CHECK(strstr(piam_client_error_message(c), "NUL") != NULL);
	piam_client_free(c);
}

/* Every allocation of a parse fails in turn: an error each time, nothing leaked, no secret left. */
static void test_parse_alloc_failures(void)
{
	static const char text[] = "[default]\naws_secret_access_key = SWEEPSECRET\ncontinued = a\n  b\n"
				   "[profile dev]\ns3 =\n  x = 1\n  y = 2\nregion = r\n";
	struct testalloc t;
	piam_allocator a;
	struct piam__profile_file f;
	piam_client *c;
	long n;
	int rc = PIAM_ENOMEM;

	for (n = 1; rc == PIAM_ENOMEM && n < 500; n++) {
		memset(&t, 0, sizeof(t));
		t.forbidden = "SWEEPSECRET";
		a = testalloc_allocator(&t);
		if (piam_client_new(&c, &a) != PIAM_OK)
			continue;
		t.fail_at = t.calls + n;
		rc = piam__profile_parse(c, text, sizeof(text) - 1, 1, "f", &f);
		CHECK(rc == PIAM_OK || rc == PIAM_ENOMEM);
		if (rc == PIAM_OK)
			CHECK_STR(piam__profile_get(&f, P, "dev", "s3", "y"), "2");
		piam__profile_free(c, &f);
		piam_client_free(c);
		CHECK_INT(t.live, 0);
		CHECK_INT(t.leaked_secret, 0);
	}
	CHECK_INT(rc, PIAM_OK);
	CHECK(n > 10); /* the sweep went through the parser's allocations */
}

static void test_parse_time(void)
{
	static const struct {
		const char *text;
		int rc;
		long long t;
	} table[] = {
		{"1970-01-01T00:00:00Z", 0, 0},
		{"2026-11-29T18:00:00Z", 0, 1795975200},
		{"2026-11-29T18:00:00.123456Z", 0, 1795975200},
		{"2026-11-29T19:30:00+01:30", 0, 1795975200},
		{"2026-11-29T16:00:00-02:00", 0, 1795975200},
		{"2024-02-29t00:00:00z", 0, 1709164800},
		{"2000-03-01 00:00:00Z", 0, 951868800},
		{"2023-02-29T00:00:00Z", -1, 0},
		{"2026-13-01T00:00:00Z", -1, 0},
		{"2026-11-29T18:00:00", -1, 0},
		{"2026-11-29", -1, 0},
		{"2026-11-29T18:00:00Zx", -1, 0},
		{"", -1, 0},
		{"2026-11-29T24:00:00Z", -1, 0},
	};
	size_t i;
	long long t;

	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		t = -1;
		CHECK_INT(piam__parse_time(table[i].text, &t), table[i].rc);
		if (table[i].rc == 0)
			CHECK_INT(t, table[i].t);
	}
}

/* Settings: one row per precedence rule, each in a fresh environment. */
static const struct setting_case {
	const char *name;
	const char *env[5];
	const char *config, *credentials;
	const char *profile;    /* piam_client_set_profile */
	const char *region_set; /* piam_client_set_region */
	int use_env;
	const char *region, *iam, *sts, *ca_bundle;
	int max_attempts;
} setting_cases[] = {
	{"hermetic: nothing read", {"AWS_REGION=eu-west-1", "AWS_ENDPOINT_URL=http://127.0.0.1:1"},
	 "[default]\nregion=us-west-2\n", NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0},
	{"setter over everything", {"AWS_REGION=eu-west-1"}, "[default]\nregion=us-west-2\n", NULL, NULL, "ap-south-1", 1,
	 "ap-south-1", NULL, NULL, NULL, 0},
	{"AWS_REGION over AWS_DEFAULT_REGION", {"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-2"},
	 "[default]\nregion=us-west-2\n", NULL, NULL, NULL, 1, "eu-west-1", NULL, NULL, NULL, 0},
	{"AWS_DEFAULT_REGION over the profile", {"AWS_DEFAULT_REGION=eu-west-2"}, "[default]\nregion=us-west-2\n", NULL,
	 NULL, NULL, 1, "eu-west-2", NULL, NULL, NULL, 0},
	{"region from the default profile", {NULL}, "[default]\nregion=us-west-2\n", NULL, NULL, NULL, 1, "us-west-2",
	 NULL, NULL, NULL, 0},
	{"AWS_PROFILE selects", {"AWS_PROFILE=dev"}, "[default]\nregion=us-west-2\n[profile dev]\nregion=eu-north-1\n",
	 NULL, NULL, NULL, 1, "eu-north-1", NULL, NULL, NULL, 0},
	{"the setter over AWS_PROFILE", {"AWS_PROFILE=dev"},
	 "[profile dev]\nregion=eu-north-1\n[profile prod]\nregion=sa-east-1\n", NULL, "prod", NULL, 1, "sa-east-1", NULL,
	 NULL, NULL, 0},
	{"credentials file over config file", {NULL}, "[default]\nregion=us-west-2\nmax_attempts=4\n",
	 "[default]\nregion=ca-central-1\n", NULL, NULL, 1, "ca-central-1", NULL, NULL, NULL, 4},
	{"a malformed region is not used", {NULL}, "[default]\nregion=not a region\n", NULL, NULL, NULL, 1, NULL, NULL,
	 NULL, NULL, 0},
	{"endpoints: per-service variable, then global variable", {"AWS_ENDPOINT_URL_IAM=http://127.0.0.1:1",
								   "AWS_ENDPOINT_URL=http://127.0.0.1:2"},
	 "[default]\nendpoint_url=http://127.0.0.1:3\n", NULL, NULL, NULL, 1, NULL, "http://127.0.0.1:1",
	 "http://127.0.0.1:2", NULL, 0},
	{"endpoints: [services] section, then endpoint_url", {NULL},
	 "[default]\nservices=local\nendpoint_url=http://127.0.0.1:3\n[services local]\niam =\n  endpoint_url = "
	 "http://127.0.0.1:4\n",
	 NULL, NULL, NULL, 1, NULL, "http://127.0.0.1:4", "http://127.0.0.1:3", NULL, 0},
	{"endpoints: variables before the profile", {"AWS_ENDPOINT_URL=http://127.0.0.1:2"},
	 "[default]\nservices=local\n[services local]\niam =\n  endpoint_url = http://127.0.0.1:4\n", NULL, NULL, NULL, 1,
	 NULL, "http://127.0.0.1:2", "http://127.0.0.1:2", NULL, 0},
	{"endpoints: ignore_configured_endpoint_urls", {"AWS_ENDPOINT_URL=http://127.0.0.1:2"},
	 "[default]\nignore_configured_endpoint_urls = true\nendpoint_url=http://127.0.0.1:3\n", NULL, NULL, NULL, 1, NULL,
	 NULL, NULL, NULL, 0},
	{"endpoints: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=TRUE"},
	 "[default]\nendpoint_url=http://127.0.0.1:3\n", NULL, NULL, NULL, 1, NULL, NULL, NULL, NULL, 0},
	{"max attempts and CA bundle from the profile", {NULL},
	 "[default]\nmax_attempts = 7\nca_bundle = /etc/ssl/corp.pem\n", NULL, NULL, NULL, 1, NULL, NULL, NULL,
	 "/etc/ssl/corp.pem", 7},
	{"AWS_MAX_ATTEMPTS and AWS_CA_BUNDLE first", {"AWS_MAX_ATTEMPTS=2", "AWS_CA_BUNDLE=/tmp/b.pem"},
	 "[default]\nmax_attempts = 7\nca_bundle = /etc/ssl/corp.pem\n", NULL, NULL, NULL, 1, NULL, NULL, NULL,
	 "/tmp/b.pem", 2},
	{"malformed max attempts", {"AWS_MAX_ATTEMPTS=0"}, NULL, NULL, NULL, NULL, 1, NULL, NULL, NULL, NULL, PIAM_ECONFIG},
	{"max attempts too large", {NULL}, "[default]\nmax_attempts=1000\n", NULL, NULL, NULL, 1, NULL, NULL, NULL, NULL,
	 PIAM_ECONFIG},
	{"a malformed file yields nothing", {NULL}, "region=us-west-2\n", NULL, NULL, NULL, 1, NULL, NULL, NULL, NULL, 0},
	{"HOME/.aws when the variables are unset", {"AWS_CONFIG_FILE=", "AWS_SHARED_CREDENTIALS_FILE="}, NULL, NULL, NULL,
	 NULL, 1, "me-south-1", NULL, NULL, NULL, 0},
};

static int same(const char *a, const char *b)
{
	return a ? b && strcmp(a, b) == 0 : b == NULL;
}

static void test_settings(void)
{
	struct testenv t;
	piam_client *c;
	char path[256], dir[200];
	size_t i;

	for (i = 0; i < PIAM__ARRAY_LEN(setting_cases); i++) {
		const struct setting_case *sc = &setting_cases[i];
		const char *region, *iam, *sts, *ca;
		int attempts;

		if (testenv_begin(&t, sc->config, sc->credentials) != 0) {
			CHECK(0);
			continue;
		}
		testenv_set(sc->env);
		if (getenv("AWS_CONFIG_FILE") && !*getenv("AWS_CONFIG_FILE")) {
			/* The ~/.aws defaults: a file under the test's HOME. */
			snprintf(dir, sizeof(dir), "%s/.aws", t.dir);
			mkdir(dir, 0700);
			snprintf(path, sizeof(path), "%s/.aws/config", t.dir);
			FILE *f = fopen(path, "w");
			if (f) {
				fputs("[default]\nregion = me-south-1\n", f);
				fclose(f);
			}
		}
		CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
		CHECK_INT(piam_client_use_environment(c, sc->use_env), PIAM_OK);
		if (sc->profile)
			CHECK_INT(piam_client_set_profile(c, sc->profile), PIAM_OK);
		if (sc->region_set)
			CHECK_INT(piam_client_set_region(c, sc->region_set), PIAM_OK);
		region = piam__config_region(c);
		iam = piam__config_endpoint(c, PIAM__SVC_IAM);
		sts = piam__config_endpoint(c, PIAM__SVC_STS);
		ca = piam__config_ca_bundle(c);
		attempts = piam__config_max_attempts(c);
		if (!same(region, sc->region) || !same(iam, sc->iam) || !same(sts, sc->sts) || !same(ca, sc->ca_bundle) ||
		    attempts != sc->max_attempts) {
			fprintf(stderr, "case \"%s\": region %s iam %s sts %s ca %s attempts %d\n", sc->name,
				region ? region : "-", iam ? iam : "-", sts ? sts : "-", ca ? ca : "-", attempts);
			CHECK(0);
		} else {
			CHECK(1);
		}
		if (attempts >= 0)
			CHECK_INT(piam_client_error(c), PIAM_OK); /* getters leave no error behind */
		if (attempts < 0)
			CHECK(strstr(piam_client_error_message(c), "max_attempts") ||
			      strstr(piam_client_error_message(c), "AWS_MAX_ATTEMPTS"));
		piam_client_free(c);
		if (getenv("AWS_CONFIG_FILE") && !*getenv("AWS_CONFIG_FILE")) {
			unlink(path);
			rmdir(dir);
		}
		testenv_end(&t);
	}
}

static void test_profile_setter(void)
{
	static const struct {
		const char *name;
		int rc;
	} table[] = {
		{"dev", PIAM_OK},         {"my-profile_1.x@corp/+:%", PIAM_OK}, {"", PIAM_EINVAL},
		{"a b", PIAM_EINVAL},     {"a]", PIAM_EINVAL},                  {"[a", PIAM_EINVAL},
		{"a\"", PIAM_EINVAL},     {"a\n", PIAM_EINVAL},                 {"\xc3\xa9", PIAM_EINVAL},
	};
	char longname[200];
	piam_client *c;
	size_t i;

	CHECK_INT(piam_client_new(&c, NULL), PIAM_OK);
	CHECK_STR(piam_client_profile(c), "");
	for (i = 0; i < PIAM__ARRAY_LEN(table); i++) {
		CHECK_INT(piam_client_set_profile(c, "before"), PIAM_OK);
		CHECK_INT(piam_client_set_profile(c, table[i].name), table[i].rc);
		CHECK_STR(piam_client_profile(c), table[i].rc ? "before" : table[i].name);
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_INT(piam_client_set_profile(c, longname), PIAM_EINVAL);
	longname[128] = '\0';
	CHECK_INT(piam_client_set_profile(c, longname), PIAM_OK);
	CHECK_INT(piam_client_set_profile(c, NULL), PIAM_OK);
	CHECK_STR(piam_client_profile(c), "");
	CHECK_INT(piam_client_set_profile(NULL, "dev"), PIAM_EINVAL);
	CHECK_STR(piam_client_profile(NULL), "");
	piam_client_free(c);
}

int main(void)
{
	test_parse();
	test_parse_alloc_failures();
	test_parse_time();
	test_settings();
	test_profile_setter();
	return check_exit();
}
