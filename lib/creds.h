/* Private to the credential providers (lib/creds*.c, lib/process.c) and their tests. */
#ifndef PIAM_CREDS_H
#define PIAM_CREDS_H

#include "internal.h"

/* What one provider yielded. */
struct piam__found {
	struct piam__credentials creds;
	long long expiration; /* seconds since the epoch; 0: does not expire */
	int uses_environment; /* found through the environment or files: void once that is turned off */
	char source[160];     /* where they came from; never a secret */
};

/* The places a lookup went through, for the error when none yields. */
struct piam__looked {
	char text[400];
	size_t len;
};

void piam__looked(struct piam__looked *l, const char *fmt, ...) PIAM__PRINTF(2, 3);

/* Copy credentials into `f` (validated like piam_client_set_credentials). PIAM_EINVAL (nothing
 * recorded) when malformed, PIAM_ENOMEM. */
int piam__found_set(piam_client *c, struct piam__found *f, const char *id, const char *secret,
		    const char *token, long long expiration);
void piam__found_free(piam_client *c, struct piam__found *f);

/*
 * Credentials from a JSON object with AccessKeyId, SecretAccessKey, `token_key` (SessionToken or
 * Token) and an optional Expiration; with want_version, "Version" must equal it. The strings in
 * the parsed document are wiped before they are freed. PIAM_EPROTOCOL (never quoting the text)
 * when malformed.
 */
int piam__found_from_json(piam_client *c, struct piam__found *f, const char *text, size_t len,
			  const char *token_key, int want_version, const char *what);

/*
 * lib/process.c: run `command` (split into words as a POSIX shell would, without a shell),
 * collecting its standard output into `out` (the caller wipes it); stdin and stderr are the
 * caller's. The child is killed after timeout_ms or once it wrote more than `cap` bytes.
 * Errors (`what` names the command in messages): PIAM_ECONFIG (unbalanced quotes, empty),
 * PIAM_EIO (cannot start it), PIAM_ETIMEOUT, PIAM_ETOOBIG, PIAM_ECREDENTIALS (exited non-zero
 * or killed by a signal), PIAM_ENOMEM.
 */
int piam__process_run(piam_client *c, const char *command, long timeout_ms, size_t cap, piam__buf *out,
		      const char *what);
/* The words of `command`, as above: a NULL-terminated array in one allocation (free with
 * piam__free). PIAM_ECONFIG when a quote is not closed or there is no word. */
int piam__split_words(piam_client *c, const char *command, char ***out);

/*
 * lib/creds_net.c. Container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on
 * 169.254.170.2, or _FULL_URI: https anywhere, plain http only to loopback or the ECS/EKS agent
 * addresses; Authorization from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or _TOKEN) and EC2
 * instance metadata (IMDSv2: token PUT, role name, credentials; AWS_EC2_METADATA_DISABLED,
 * AWS_EC2_METADATA_SERVICE_ENDPOINT[_MODE] or the profile's ec2_metadata_service_endpoint[_mode]).
 * 1 s per request, one retry. Nothing there: PIAM_OK with nothing found and a note in `l`.
 */
int piam__creds_container(piam_client *c, struct piam__found *f, struct piam__looked *l);
int piam__creds_imds(piam_client *c, struct piam__found *f, struct piam__looked *l);
/* Whether AWS_CONTAINER_CREDENTIALS_FULL_URI may be used (see above). */
int piam__container_url_allowed(const char *url);
/* The container endpoint's URL from the variables (RELATIVE_URI first). PIAM_ECONFIG if none is
 * usable. */
int piam__container_url(piam_client *c, piam__buf *out);

/* lib/creds_sts.c: what a role profile (or the AWS_ROLE_ARN variables) asks STS for. */
struct piam__role_request {
	const char *role_arn;
	const char *session_name; /* NULL: piam-session-<time> */
	const char *external_id;  /* AssumeRole only; NULL for none */
	const char *duration;     /* duration_seconds as written; NULL: STS's default (1 hour) */
	const char *token_file;   /* AssumeRoleWithWebIdentity only */
	const char *what;         /* "profile dev", for messages */
};

/*
 * STS AssumeRole signed with `source`, or AssumeRoleWithWebIdentity (unsigned, with the token
 * read from r->token_file), at piam__config_endpoint(STS) in the client's region (us-east-1 when
 * none is set). Fills `f` with the temporary credentials and their expiration.
 * Errors: PIAM_ECONFIG (duration_seconds not 900..43200, role_session_name too long), PIAM_EIO
 * (token file), the STS error mapped (PIAM_EACCESS, ...), PIAM_EPROTOCOL, transport errors.
 */
int piam__sts_assume_role(piam_client *c, const struct piam__credentials *source,
			  const struct piam__role_request *r, struct piam__found *f);
int piam__sts_web_identity(piam_client *c, const struct piam__role_request *r, struct piam__found *f);

#endif
