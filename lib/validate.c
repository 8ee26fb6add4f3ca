/* Validation of the names and identifiers that go into IAM and S3 requests and policies. */
#include <string.h>

#include "policy.h"

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return 0;
}

static int ok(const char **why)
{
	if (why)
		*why = NULL;
	return 1;
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_lower_or_digit(char ch)
{
	return (ch >= 'a' && ch <= 'z') || is_digit(ch);
}

/* IAM's name characters: [A-Za-z0-9+=,.@_-]. */
static int is_iam_name_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || is_lower_or_digit(ch) || (ch && strchr("+=,.@_-", ch));
}

static int valid_iam_name(const char *s, size_t max, const char **why, const char *too_long, const char *bad_char)
{
	size_t n;

	if (!s || !*s)
		return fail(why, "must not be empty");
	for (n = 0; s[n]; n++) {
		if (n >= max)
			return fail(why, too_long);
		if (!is_iam_name_char(s[n]))
			return fail(why, bad_char);
	}
	return ok(why);
}

int piam__valid_role_name(const char *s, const char **why)
{
	return valid_iam_name(s, PIAM__ROLE_NAME_MAX, why, "must be at most 64 characters",
			      "may contain only letters, digits and +=,.@_-");
}

int piam__valid_policy_name(const char *s, const char **why)
{
	return valid_iam_name(s, PIAM__POLICY_NAME_MAX, why, "must be at most 128 characters",
			      "may contain only letters, digits and +=,.@_-");
}

int piam__valid_iam_path(const char *s, const char **why)
{
	size_t n;

	if (!s || s[0] != '/')
		return fail(why, "must begin with '/'");
	for (n = 0; s[n]; n++) {
		if (n >= PIAM__PATH_MAX)
			return fail(why, "must be at most 512 characters");
		if (s[n] < 0x21 || s[n] > 0x7e)
			return fail(why, "may contain only printable ASCII without spaces");
		/* The path becomes part of ARNs in policies, where these are wildcards. */
		if (s[n] == '*' || s[n] == '?')
			return fail(why, "must not contain the wildcards '*' or '?'");
	}
	if (s[n - 1] != '/')
		return fail(why, "must end with '/'");
	return ok(why);
}

/* Decode one UTF-8 character at s; returns its length, or 0 when malformed. */
static size_t utf8_next(const unsigned char *s, unsigned long *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf && (s[1] & 0xc0) == 0x80) {
		*cp = ((unsigned long)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	/* Longer sequences are never allowed in a description; they need not be decoded. */
	return 0;
}

int piam__valid_description(const char *s, const char **why)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0, n;
	unsigned long cp;

	if (!s)
		return fail(why, "must not be NULL");
	while (*p) {
		if (++chars > PIAM__DESCRIPTION_MAX)
			return fail(why, "must be at most 1000 characters");
		if (!(n = utf8_next(p, &cp)))
			return fail(why, "may contain only tab, newline, printable ASCII and U+00A1-U+00FF");
		if (!(cp == 0x09 || cp == 0x0a || cp == 0x0d || (cp >= 0x20 && cp <= 0x7e) ||
		      (cp >= 0xa1 && cp <= 0xff)))
			return fail(why, "may contain only tab, newline, printable ASCII and U+00A1-U+00FF");
		p += n;
	}
	return ok(why);
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Four dot-separated groups of one to three digits: S3 refuses names that look like this. */
static int looks_like_ipv4(const char *s)
{
	int groups = 0, digits = 0;

	for (;; s++) {
		if (is_digit(*s)) {
			if (++digits > 3)
				return 0;
		} else if (*s == '.' || *s == '\0') {
			if (!digits)
				return 0;
			groups++;
			digits = 0;
			if (*s == '\0')
				return groups == 4;
		} else {
			return 0;
		}
	}
}

int piam__valid_bucket(const char *s, const char **why)
{
	size_t n, i;

	if (!s)
		return fail(why, "must not be NULL");
	n = strlen(s);
	if (n < 3 || n > 63)
		return fail(why, "must be 3 to 63 characters");
	for (i = 0; i < n; i++)
		if (!is_lower_or_digit(s[i]) && s[i] != '.' && s[i] != '-')
			return fail(why, "may contain only lowercase letters, digits, '.' and '-'");
	if (!is_lower_or_digit(s[0]) || !is_lower_or_digit(s[n - 1]))
		return fail(why, "must begin and end with a letter or digit");
	if (strstr(s, ".."))
		return fail(why, "must not contain \"..\"");
	if (looks_like_ipv4(s))
		return fail(why, "must not be formatted as an IP address");
	if (starts_with(s, "xn--") || starts_with(s, "sthree-"))
		return fail(why, "must not begin with \"xn--\" or \"sthree-\"");
	if (ends_with(s, n, "-s3alias") || ends_with(s, n, "--ol-s3"))
		return fail(why, "must not end with \"-s3alias\" or \"--ol-s3\"");
	return ok(why);
}

int piam__valid_account(const char *s, const char **why)
{
	size_t n;

	if (!s)
		return fail(why, "must not be NULL");
	for (n = 0; s[n]; n++)
		if (!is_digit(s[n]) || n >= 12)
			return fail(why, "must be 12 digits");
	return n == 12 ? ok(why) : fail(why, "must be 12 digits");
}

int piam__valid_region(const char *s, const char **why)
{
	if (!s || !piam__is_region(s))
		return fail(why, "must be of the form us-east-1");
	return ok(why);
}

/* Copy the ':'-terminated field at *p into buf (cap bytes); 0 when missing or too long. */
static int arn_field(const char **p, char *buf, size_t cap)
{
	const char *end = strchr(*p, ':');
	size_t n;

	if (!end || (n = (size_t)(end - *p)) >= cap)
		return 0;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p = end + 1;
	return 1;
}

int piam__valid_kms_key(const char *s, const char *partition, const char **why)
{
	static const char shape[] = "must be a KMS key ARN: arn:PARTITION:kms:REGION:ACCOUNT:key/ID";
	char part[16], region[40], account[16];
	const char *p = s;
	size_t n;

	if (!s || !starts_with(s, "arn:"))
		return fail(why, shape);
	p += 4;
	if (!arn_field(&p, part, sizeof(part)) || !starts_with(p, "kms:"))
		return fail(why, shape);
	p += 4;
	if (!arn_field(&p, region, sizeof(region)) || !arn_field(&p, account, sizeof(account)))
		return fail(why, shape);
	if (strcmp(part, "aws") != 0 && strcmp(part, "aws-cn") != 0 && strcmp(part, "aws-us-gov") != 0)
		return fail(why, "must be in the partition aws, aws-cn or aws-us-gov");
	if (!piam__is_region(region) || strcmp(piam__partition(region), part) != 0)
		return fail(why, "must name a region of its partition");
	if (!piam__valid_account(account, NULL))
		return fail(why, "must name a 12-digit account");
	if (!starts_with(p, "key/"))
		return fail(why, "must name a key (key/ID), not an alias");
	p += 4;
	for (n = 0; p[n]; n++)
		if (n >= 128 || !(is_lower_or_digit(p[n]) || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '-'))
			return fail(why, "must end with a key id of letters, digits and '-'");
	if (n == 0)
		return fail(why, shape);
	if (partition && strcmp(partition, part) != 0)
		return fail(why, "must be in the same partition as the region");
	return ok(why);
}
