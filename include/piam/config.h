/*
 * Profiles and credential providers. Included by piam/piam.h; not meant to be included alone.
 *
 * Where a client finds credentials, first match wins:
 *   1. piam_client_set_credentials();
 *   2. the callback set with piam_client_set_credentials_provider();
 *   3. with piam_client_use_environment(client, 1) only: the environment, the shared config and
 *      credentials files, credential_process, as the AWS CLI does (see README.md, "Configuration").
 * Temporary credentials are refreshed a few minutes before they expire.
 */
#ifndef PIAM_CONFIG_H_PUBLIC
#define PIAM_CONFIG_H_PUBLIC

#ifdef __cplusplus
extern "C" {
#endif

/** What a credentials callback fills in with piam_credentials_set(). Opaque; valid during the call only. */
typedef struct piam_credentials piam_credentials;

/**
 * A credentials callback (see piam_client_set_credentials_provider()).
 * @param out       fill it with piam_credentials_set(); valid only during this call.
 * @param userdata  as given to piam_client_set_credentials_provider().
 * @return PIAM_OK, with or without credentials set: without, the client goes on down its chain.
 *         A negative PIAM_E* code stops the lookup; the request fails with that code.
 */
typedef int (*piam_credentials_fn)(piam_credentials *out, void *userdata);

/**
 * Hand credentials to piam from inside a piam_credentials_fn. The strings are copied (the
 * secret and token into memory wiped when freed).
 * @param out                the callback's first argument.
 * @param access_key_id      the access key id.
 * @param secret_access_key  the secret key; never appears in messages or logs.
 * @param session_token      NULL for long-term keys.
 * @param expiration         when they stop working, in seconds since the epoch (UTC); 0 if never.
 *                           piam asks the callback again a few minutes before that.
 * @return PIAM_OK, PIAM_EINVAL (out NULL, a key empty, longer than 4096 bytes or not printable
 *         ASCII without spaces, expiration negative), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_credentials_set(piam_credentials *out, const char *access_key_id,
				  const char *secret_access_key, const char *session_token,
				  long long expiration);

/**
 * Let the client ask `fn` for credentials when none were set with piam_client_set_credentials().
 * It is asked when a request first needs credentials and again before they expire; it runs on
 * the thread making the request. It works whether or not the environment is used; when it sets
 * nothing and the environment is used, the client goes on to the environment and files.
 * @param fn        NULL removes the callback.
 * @param userdata  passed to every call; piam does not own it.
 * @return PIAM_OK, PIAM_EINVAL (client NULL).
 * @since 0.1
 */
PIAM_API int piam_client_set_credentials_provider(piam_client *client, piam_credentials_fn fn,
						  void *userdata);

/**
 * Choose the profile of the shared config and credentials files, as AWS_PROFILE or the AWS CLI's
 * --profile do; it wins over AWS_PROFILE. The files are only read once
 * piam_client_use_environment(client, 1) is on. NULL goes back to AWS_PROFILE, then "default".
 * Credentials already found from the files are forgotten.
 * @param profile  the profile's name, copied; NULL for the default.
 * @return PIAM_OK, PIAM_EINVAL (empty, longer than 128 bytes, or containing spaces, brackets,
 *         quotes or control characters), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_client_set_profile(piam_client *client, const char *profile);

/**
 * The profile set with piam_client_set_profile(), or "" when none is. Borrowed.
 * @since 0.1
 */
PIAM_API const char *piam_client_profile(const piam_client *client);

/**
 * Find credentials now, as the next request would, and say where they came from, e.g.
 * "environment (AWS_ACCESS_KEY_ID)" or "shared credentials file /home/me/.aws/credentials,
 * profile dev". Useful to check a setup before making requests.
 * @param out  receives the description (never a secret); free it with piam_free().
 * @return PIAM_OK, PIAM_EINVAL, PIAM_ENOMEM, PIAM_ECREDENTIALS (nothing found: the message lists
 *         where piam looked), PIAM_ECONFIG (a shared file or profile is malformed or missing),
 *         or what a provider returned (PIAM_EIO, PIAM_ETIMEOUT, PIAM_EPROTOCOL, ...).
 * @since 0.1
 */
PIAM_API int piam_client_credentials_source(char **out, piam_client *client);

#ifdef __cplusplus
}
#endif

#endif
