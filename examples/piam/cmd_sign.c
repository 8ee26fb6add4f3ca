/* piam sign: SigV4-sign a raw HTTP/1.1 request read from a file or standard input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "rawreq.h"

#define MAX_INPUT (64L << 20)

static const char usage_text[] =
	"usage: piam sign --service SERVICE --region REGION [--date YYYYMMDDTHHMMSSZ] [--s3]\n"
	"                 [--unsigned-payload] [--no-normalize] [--sign-body] [--omit-session-token]\n"
	"                 [--presign SECONDS] [FILE]\n"
	"\n"
	"Reads a raw HTTP/1.1 request (request line, headers, blank line, body) from FILE or standard\n"
	"input and prints it signed with AWS SigV4: with the X-Amz-Date, Authorization (and, as they\n"
	"apply, X-Amz-Security-Token and x-amz-content-sha256) headers added, or with --presign, with\n"
	"the signature in the query string. Credentials come from AWS_ACCESS_KEY_ID,\n"
	"AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.\n"
	"\n"
	"  --service SERVICE     signing name of the service (iam, s3, sts, execute-api, ...)\n"
	"  --region REGION       signing region (us-east-1, ...)\n"
	"  --date DATE           sign at this UTC time instead of now, e.g. 20150830T123600Z\n"
	"  --s3                  S3 rules: path as given, x-amz-content-sha256 always signed\n"
	"  --unsigned-payload    sign the payload as UNSIGNED-PAYLOAD\n"
	"  --no-normalize        keep . and .. segments and repeated slashes in the path\n"
	"  --sign-body           add and sign x-amz-content-sha256 for other services too\n"
	"  --omit-session-token  send the session token without signing it\n"
	"  --presign SECONDS     presign for SECONDS (1 to 604800) instead of adding headers\n"
	"\n"
	"Exit status: 0 signed, 1 no credentials or unreadable FILE, 2 bad flags or malformed request.\n";

static int is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int num(const char *s, size_t n)
{
	int v = 0;

	while (n--)
		v = v * 10 + (*s++ - '0');
	return v;
}

static long long days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* YYYYMMDDTHHMMSSZ, the X-Amz-Date form, to seconds since the epoch; -1 when malformed. */
static long long parse_date(const char *s)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, se;

	if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z' || !is_digits(s, 8) || !is_digits(s + 9, 6))
		return -1;
	y = num(s, 4), mo = num(s + 4, 2), d = num(s + 6, 2);
	h = num(s + 9, 2), mi = num(s + 11, 2), se = num(s + 13, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
}

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0, got;
	char *buf = malloc(cap), *p;

	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			if (cap >= (size_t)MAX_INPUT || !(p = realloc(buf, cap * 2))) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (buf && ferror(f)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* The value of a flag given as "--flag VALUE" or "--flag=VALUE"; NULL if argv[*i] is not it. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag, int *missing)
{
	size_t n = strlen(flag);

	if (strncmp(argv[*i], flag, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

int cmd_sign(int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned flag;
	} switches[] = {
		{"--s3", PIAM_SIGN_S3},
		{"--unsigned-payload", PIAM_SIGN_UNSIGNED_PAYLOAD},
		{"--no-normalize", PIAM_SIGN_NO_NORMALIZE},
		{"--sign-body", PIAM_SIGN_BODY},
		{"--omit-session-token", PIAM_SIGN_OMIT_SESSION_TOKEN},
	};
	const char *service = NULL, *region = NULL, *date = NULL, *presign = NULL, *file = NULL, *v;
	unsigned flags = 0;
	long long t, expires = 0;
	char err[256], *text;
	struct rawreq r;
	piam_client *client = NULL;
	size_t len, count, k;
	FILE *f;
	int i, rc, missing = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		}
		for (k = 0; k < sizeof(switches) / sizeof(switches[0]); k++)
			if (strcmp(a, switches[k].name) == 0)
				break;
		if (k < sizeof(switches) / sizeof(switches[0]))
			flags |= switches[k].flag;
		else if ((v = flag_value(argc, argv, &i, "--service", &missing)))
			service = v;
		else if ((v = flag_value(argc, argv, &i, "--region", &missing)))
			region = v;
		else if ((v = flag_value(argc, argv, &i, "--date", &missing)))
			date = v;
		else if ((v = flag_value(argc, argv, &i, "--presign", &missing)))
			presign = v;
		else if (missing)
			return cli_usage_error("%s needs a value (see piam sign --help)", a);
		else if (a[0] == '-' && a[1] != '\0')
			return cli_usage_error("unknown option '%s' (see piam sign --help)", a);
		else if (file)
			return cli_usage_error("more than one FILE given");
		else
			file = a;
	}
	if (!service || !region)
		return cli_usage_error("--service and --region are required (see piam sign --help)");
	if (date) {
		if ((t = parse_date(date)) < 0)
			return cli_usage_error("--date: expected a UTC time as YYYYMMDDTHHMMSSZ, e.g. 20150830T123600Z");
	} else {
		t = (long long)time(NULL);
	}
	if (presign) {
		if (!*presign || strlen(presign) > 6 || !is_digits(presign, strlen(presign)) ||
		    (expires = atol(presign)) < 1 || expires > 604800)
			return cli_usage_error("--presign: expected a number of seconds from 1 to 604800");
		flags |= PIAM_SIGN_PRESIGN;
	}

	if (!file || strcmp(file, "-") == 0) {
		text = read_all(stdin, &len);
	} else if ((f = fopen(file, "rb"))) {
		text = read_all(f, &len);
		fclose(f);
	} else {
		fprintf(stderr, "piam: cannot open %s\n", file);
		return EXIT_FAIL;
	}
	if (!text) {
		fprintf(stderr, "piam: cannot read the request (or it is larger than 64 MiB)\n");
		return EXIT_FAIL;
	}
	rc = rawreq_parse(&r, text, len, err, sizeof(err));
	free(text);
	if (rc)
		return cli_usage_error("malformed request: %s", err);

	if (piam_client_new(&client, NULL) != PIAM_OK) {
		rawreq_free(&r);
		fprintf(stderr, "piam: out of memory\n");
		return EXIT_FAIL;
	}
	piam_client_use_environment(client, 1);
	rc = piam_sign_request(&count, client, service, region, t, flags, expires, r.method, r.path, r.query,
			       r.names, r.values, r.nheaders, r.body, r.body_len, NULL);
	if (rc == PIAM_EINVAL)
		rc = cli_usage_error("%s", piam_client_error_message(client));
	else if (rc != PIAM_OK)
		rc = cli_client_error(client);
	else if (rawreq_print_signed(stdout, &r, client, count, presign != NULL) || fflush(stdout))
		rc = EXIT_FAIL;
	else
		rc = EXIT_OK;
	piam_client_free(client);
	rawreq_free(&r);
	return rc;
}
