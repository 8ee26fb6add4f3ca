/*
 * The name and ARN validators on arbitrary strings. Besides "never crash", it checks that the
 * two layers agree: what the options accept (lib/validate.c) the operations accept too
 * (piam__check_* in lib/iam.c and lib/s3.c), so a name never passes one and fails the other.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "creds.h"
#include "ops.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_name_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("+=,.@_-", ch));
}

static void check_iam_name(piam_client *c, const char *s, size_t max, int valid, int check_rc)
{
	size_t n = strlen(s), i;

	if (valid != (check_rc == PIAM_OK))
		__builtin_trap();
	if (valid) {
		if (n == 0 || n > max)
			__builtin_trap();
		for (i = 0; i < n; i++)
			if (!is_name_char(s[i]))
				__builtin_trap();
	} else if (piam_client_error(c) != PIAM_EINVAL || !piam_client_error_message(c)[0]) {
		__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const partitions[] = {NULL, "aws", "aws-cn", "aws-us-gov"};
	const char *why = NULL;
	piam_client *c;
	long long t;
	size_t i, n;
	char *s;

	if (!(s = malloc(size + 1)))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	n = strlen(s);
	if (piam_client_new(&c, NULL) != PIAM_OK) {
		free(s);
		return 0;
	}

	check_iam_name(c, s, 64, piam__valid_role_name(s, &why), piam__check_name(c, "role name", s, 64));
	if (!piam__valid_role_name(s, NULL) && !why)
		__builtin_trap(); /* a refusal always says why */
	check_iam_name(c, s, 128, piam__valid_policy_name(s, NULL), piam__check_name(c, "policy name", s, 128));

	if (piam__valid_bucket(s, &why)) {
		if (n < 3 || n > 63 || piam__check_bucket(c, s) != PIAM_OK)
			__builtin_trap();
	} else if (!why) {
		__builtin_trap();
	}
	if (piam__valid_iam_path(s, NULL) && (n < 1 || n > 512 || s[0] != '/' || s[n - 1] != '/' || strpbrk(s, "*?")))
		__builtin_trap();
	if (piam__valid_description(s, NULL) && n > 4 * 1000)
		__builtin_trap();
	if (piam__valid_account(s, NULL) && n != 12)
		__builtin_trap();
	if (piam__is_region(s) != piam__valid_region(s, NULL) || (piam__is_region(s) && !piam__partition(s)))
		__builtin_trap();
	for (i = 0; i < sizeof(partitions) / sizeof(partitions[0]); i++) {
		if (!piam__valid_kms_key(s, partitions[i], &why)) {
			if (!why)
				__builtin_trap();
			continue;
		}
		/* A key valid for one partition is valid for "any", and names that partition. */
		if (strncmp(s, "arn:", 4) != 0 || !piam__valid_kms_key(s, NULL, NULL) ||
		    (partitions[i] && strncmp(s + 4, partitions[i], strlen(partitions[i])) != 0))
			__builtin_trap();
	}
	(void)piam__check_text(c, "text", s, 256, 0);
	(void)piam__container_url_allowed(s);
	(void)piam__parse_time(s, &t);

	piam_client_free(c);
	free(s);
	return 0;
}
