/*
 * Private declarations of the options and policy module (lib/options.c, lib/validate.c,
 * lib/policy.c, lib/policy_doc.c), for the setup layer and the tests. Never installed.
 *
 * Documents are jansson values. jansson allocates them with its own allocator (piam never calls
 * json_set_alloc_funcs, which is process-global); everything else goes through the client.
 */
#ifndef PIAM_POLICY_PRIVATE_H
#define PIAM_POLICY_PRIVATE_H

#include <jansson.h>

#include "internal.h"

#define PIAM__ROLE_NAME_MAX 64
#define PIAM__POLICY_NAME_MAX 128
#define PIAM__PATH_MAX 512
#define PIAM__DESCRIPTION_MAX 1000
#define PIAM__DEFAULT_ROLE_NAME "PersonalizeRole"
#define PIAM__POLICY_NAME_SUFFIX "-S3Access"
#define PIAM__SERVICE_PRINCIPAL "personalize.amazonaws.com"

/* AWS's size limits, counted on the compact form (no whitespace outside strings). */
#define PIAM__TRUST_MAX 2048
#define PIAM__MANAGED_MAX 6144
#define PIAM__BUCKET_POLICY_MAX 20480
/* What piam__policy_parse accepts at all: more than any policy AWS stores, even URL-encoded. */
#define PIAM__POLICY_TEXT_MAX (128 * 1024)
#define PIAM__POLICY_DEPTH_MAX 16

/*
 * The options. Setup (issue 6) adds its own fields at the end; every field is owned and freed
 * by lib/options.c's piam_options_free, so a new string field needs a line there too.
 */
struct piam_options {
	piam_client *client;
	char *role_name;    /* never NULL */
	char *policy_name;  /* NULL: derived from role_name, see piam__options_policy_name */
	char *path;         /* never NULL; "/" by default */
	char *description;  /* NULL: none */
	char *account;      /* NULL: unknown */
	char *region;       /* NULL: the client's region */
	char *kms_key;      /* NULL: none */
	char **input_buckets;
	size_t n_input;
	char **output_buckets;
	size_t n_output;
	int guard;          /* confused-deputy guard on the trust policy */
	struct piam__setup_options *setup; /* lib/setup_options.c; NULL: the defaults */
};

/* lib/setup_options.c: frees the setup-only options. Accepts NULL. */
void piam__setup_options_free(piam_client *c, struct piam__setup_options *so);

/*
 * Validators shared by the setters and the setup layer. Each returns 1 when `s` is valid and 0
 * otherwise; `why`, when not NULL, then receives a static one-line reason.
 */
int piam__valid_role_name(const char *s, const char **why);
int piam__valid_policy_name(const char *s, const char **why);
int piam__valid_iam_path(const char *s, const char **why);
int piam__valid_description(const char *s, const char **why);
int piam__valid_bucket(const char *s, const char **why);
int piam__valid_account(const char *s, const char **why);
int piam__valid_region(const char *s, const char **why);
/* A KMS key ARN; `partition` NULL accepts any of aws, aws-cn, aws-us-gov. */
int piam__valid_kms_key(const char *s, const char *partition, const char **why);

/* The policy name in effect: the one set, or ROLE "-S3Access". Borrowed from `o` or `buf`. */
const char *piam__options_policy_name(const piam_options *o, char buf[PIAM__POLICY_NAME_MAX + 1]);
/* The region in effect: the options', else the client's explicit one; NULL when neither. */
const char *piam__options_region(const piam_options *o);
/* 1 when `bucket` is one of the options' output (resp. input) buckets. */
int piam__options_is_output(const piam_options *o, const char *bucket);
int piam__options_is_input(const piam_options *o, const char *bucket);

/*
 * Renderers for the setup layer: the document as a new jansson value (json_decref it), sizes
 * checked. `account` and `region`, when not NULL, stand in for the options' (setup learns the
 * account from STS and the region from the client's configuration without changing the
 * caller's options). Errors are recorded on o->client.
 */
int piam__policy_trust_doc(const piam_options *o, const char *account, const char *region, json_t **out);
int piam__policy_s3_access_doc(const piam_options *o, const char *region, json_t **out);
/* Only piam's statement (Sid PIAM_POLICY_BUCKET_SID) for `bucket`, which must be in the options. */
int piam__policy_bucket_statement(const piam_options *o, const char *region, const char *bucket, json_t **out);
int piam__policy_caller_doc(const piam_options *o, const char *account, const char *region, json_t **out);
int piam__policy_user_doc(const piam_options *o, const char *account, const char *region, json_t **out);

/*
 * Text of a document: compact (what is sent to AWS) or indented by two spaces (what people
 * read). Allocated through the client: release with piam__free.
 */
int piam__policy_text(piam_client *c, const json_t *doc, int pretty, char **out, size_t *out_len);

/*
 * Parse an untrusted policy document: raw JSON or IAM's URL-encoded form, at most
 * PIAM__POLICY_TEXT_MAX bytes, at most PIAM__POLICY_DEPTH_MAX deep, no duplicate keys, and the
 * policy grammar's types (Statement an object or a list of objects, Action a string or a list
 * of strings, ...). PIAM_EPOLICY with a clear message otherwise.
 */
int piam__policy_parse(piam_client *c, const char *text, size_t len, json_t **out);

/* Semantic equality of two parsed documents (see piam_policy_equal). *out_equal is 1 or 0. */
int piam__policy_equal(piam_client *c, json_t *a, json_t *b, int *out_equal);

/* Drift check: `existing` as AWS returned it (maybe URL-encoded) against the desired document. */
int piam__policy_compare(piam_client *c, const char *existing, size_t len, json_t *desired,
			 int *out_equal);

/*
 * Bucket-policy merge for setup and teardown. `existing` NULL (or empty) means the bucket has
 * no policy. With `statement` (from piam__policy_bucket_statement) the statement with its Sid is
 * inserted or replaced; with `statement` NULL piam's statement is removed. *out_change is a
 * piam_policy_change; *out is the resulting document for PUT (and UNCHANGED when a policy
 * exists), NULL for DELETE. A malformed existing policy is PIAM_EPOLICY and nothing else.
 */
int piam__policy_bucket_merge(piam_client *c, const char *existing, size_t len, json_t *statement,
			      json_t **out, int *out_change);

#endif
