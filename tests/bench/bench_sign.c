/*
 * Signing speed: signatures per second for an IAM CreateRole POST (398 bytes as raw HTTP) and
 * an S3 PutBucketPolicy PUT, with the signing key cached (warm) and derived anew (cold), next
 * to the floor: the SHA-256/HMAC work alone that such a signature needs (mbedTLS through
 * lib/crypto.c). Prints "NAME OPS_PER_SECOND" lines; scripts/bench-sign adds botocore and ratios.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sigv4.h"

#define IAM_BODY                                                                                     \
	"Action=CreateRole&Version=2010-05-08&RoleName=piam-role-123&AssumeRolePolicyDocument="         \
	"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"  \
	"%22Principal%22%3A%7B%22Service%22%3A%22personalize.amazonaws.com%22%7D%2C%22Action%22%3A"    \
	"%22sts%3AAssumeRole%22%7D%5D%7D"
#define S3_BODY                                                                                      \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"PersonalizeS3BucketAccessPolicy\","     \
	"\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"personalize.amazonaws.com\"},"               \
	"\"Action\":[\"s3:GetObject\",\"s3:ListBucket\",\"s3:PutObject\"],"                            \
	"\"Resource\":[\"arn:aws:s3:::piam-training-data\",\"arn:aws:s3:::piam-training-data/*\"]}]}"

struct req {
	const char *name, *service, *region, *method, *path, *query;
	const char *const *names, *const *values;
	size_t nheaders;
	const char *body;
	unsigned flags;
};

static const char *const iam_names[] = {"Host", "Content-Type"};
static const char *const iam_values[] = {"iam.amazonaws.com", "application/x-www-form-urlencoded; charset=utf-8"};
static const char *const s3_names[] = {"Host", "Content-Type", "Content-MD5"};
static const char *const s3_values[] = {"piam-training-data.s3.eu-west-1.amazonaws.com", "application/json",
					"y7+1QW0BbHhPOrxW3yTf4A=="};

static const struct req reqs[] = {
	{"iam", "iam", "us-east-1", "POST", "/", NULL, iam_names, iam_values, 2, IAM_BODY, 0},
	{"s3", "s3", "eu-west-1", "PUT", "/", "policy", s3_names, s3_values, 3, S3_BODY, PIAM_SIGN_S3},
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile unsigned char sink;

/* Calls per second of fn over about `secs` seconds. */
static double rate(int (*fn)(piam_client *, const struct req *, long), piam_client *c, const struct req *r,
		   double secs)
{
	long n = 0, batch = 64;
	double start = now(), t;

	do {
		long i;

		for (i = 0; i < batch; i++)
			if (fn(c, r, n + i) != 0) {
				fprintf(stderr, "bench: signing failed: %s\n", piam_client_error_message(c));
				exit(1);
			}
		n += batch;
		t = now() - start;
	} while (t < secs);
	return (double)n / t;
}

static int sign_warm(piam_client *c, const struct req *r, long i)
{
	size_t count;

	(void)i;
	return piam_sign_request(&count, c, r->service, r->region, 1440938160LL, r->flags, 0, r->method, r->path, r->query,
				 r->names, r->values, r->nheaders, r->body, strlen(r->body), NULL);
}

/* A new day every call: the key is derived each time. */
static int sign_cold(piam_client *c, const struct req *r, long i)
{
	size_t count;

	return piam_sign_request(&count, c, r->service, r->region, 1440938160LL + 86400LL * (i % 1000), r->flags, 0,
				 r->method, r->path, r->query, r->names, r->values, r->nheaders, r->body, strlen(r->body),
				 NULL);
}

/*
 * The floor: hash the body, hash a canonical request of the real length, HMAC the string to sign
 * under a key whose padded blocks are hashed already (as the signer keeps it once warm).
 */
static size_t creq_len, sts_len;
static char scratch[4096];
static piam__hmac_key floor_key;

static int floor_warm(piam_client *c, const struct req *r, long i)
{
	unsigned char h[32];

	(void)c;
	(void)i;
	if (!(r->flags & PIAM_SIGN_UNSIGNED_PAYLOAD) && piam__sha256(r->body, strlen(r->body), h))
		return 1;
	if (piam__sha256(scratch, creq_len, h) || piam__hmac_sha256_with(&floor_key, scratch, sts_len, h))
		return 1;
	sink = h[0];
	return 0;
}

/* ... and the four HMACs of the key derivation, and readying the key. */
static int floor_cold(piam_client *c, const struct req *r, long i)
{
	unsigned char k[32];

	if (piam__hmac_sha256("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 44, "20150830", 8, k) ||
	    piam__hmac_sha256(k, 32, r->region, strlen(r->region), k) ||
	    piam__hmac_sha256(k, 32, r->service, strlen(r->service), k) || piam__hmac_sha256(k, 32, "aws4_request", 12, k) ||
	    piam__hmac_sha256_prepare(&floor_key, k, 32))
		return 1;
	sink = k[0];
	return floor_warm(c, r, i);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	piam_client *c;
	size_t i;

	if (strlen("POST / HTTP/1.1\nHost:iam.amazonaws.com\nContent-Type:application/x-www-form-urlencoded; "
		   "charset=utf-8\n\n" IAM_BODY) != 398) {
		fprintf(stderr, "bench: the IAM request is not 398 bytes\n");
		return 1;
	}
	if (piam__hmac_sha256_prepare(&floor_key, "a signing key of 32 bytes, say.", 32) || piam_client_new(&c, NULL) || piam_client_set_credentials(c, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL))
		return 1;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		const struct req *r = &reqs[i];
		const char *creq, *sts;

		if (sign_warm(c, r, 0) || piam_sign_steps(&creq, &sts, c))
			return 1;
		creq_len = strlen(creq);
		sts_len = strlen(sts);
		printf("%s-canonical-request-bytes %zu\n", r->name, creq_len);
		{
			/* Interleaved rounds, best of each: a shared machine's noise only ever slows a round down. */
			int (*const fns[4])(piam_client *, const struct req *, long) = {sign_warm, sign_cold, floor_warm,
											 floor_cold};
			static const char *const labels[4] = {"piam-warm", "piam-cold", "floor-warm", "floor-cold"};
			double best[4] = {0, 0, 0, 0};
			int round, k;

			for (round = 0; round < 5; round++)
				for (k = 0; k < 4; k++) {
					double v = rate(fns[k], c, r, secs / 5);

					if (v > best[k])
						best[k] = v;
				}
			for (k = 0; k < 4; k++)
				printf("%s-%s %.0f\n", r->name, labels[k], best[k]);
		}
		fflush(stdout);
	}
	piam_client_free(c);
	return 0;
}
