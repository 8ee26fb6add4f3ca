/*
 * piam — set up the IAM role, policies and bucket policy Amazon Personalize needs.
 *
 * This is the one header a program includes. It declares the client handle, status codes,
 * allocator and error getters; the module headers it includes at the end declare the rest.
 *
 * Conventions (every function follows them):
 * - Functions return int: PIAM_OK (0) on success or a negative PIAM_E* code.
 * - Outputs come first and are named out. `**out` results are owned by the caller and
 *   released with the matching _free function (or piam_free() for plain strings).
 * - A `const char *` returned by a getter is borrowed: valid until the next call on the
 *   same handle, or until the handle is freed.
 * - Setters copy what they are given; piam never keeps a caller's pointer after returning.
 * - On failure, the client records the code, a message and (for AWS errors) the AWS error
 *   code, HTTP status and request id; the getters below read them. A successful call on a
 *   client clears them.
 * - Thread-safety: a client is used by one thread at a time. Two clients share nothing,
 *   so different threads may use different clients at once.
 */
#ifndef PIAM_H
#define PIAM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PIAM_BUILDING) && defined(__GNUC__)
#define PIAM_API __attribute__((visibility("default")))
#else
#define PIAM_API
#endif

#define PIAM_VERSION_MAJOR 0
#define PIAM_VERSION_MINOR 1
#define PIAM_VERSION_PATCH 0

/**
 * Status codes. Success is 0; errors are negative. Numbers never change once released;
 * new codes are only ever appended.
 */
typedef enum piam_status {
	PIAM_OK = 0,           /**< success */
	PIAM_EINVAL = -1,      /**< an argument is NULL, malformed or out of range; nothing was sent */
	PIAM_ENOMEM = -2,      /**< an allocation failed */
	PIAM_ENETWORK = -3,    /**< could not connect, or the connection broke */
	PIAM_ETIMEOUT = -4,    /**< a connect or request timeout expired */
	PIAM_ECREDENTIALS = -5,/**< no usable credentials were found */
	PIAM_ESERVICE = -6,    /**< AWS returned an error that has no more specific code */
	PIAM_ENOTFOUND = -7,   /**< the resource does not exist (NoSuchEntity, NoSuchBucket, ...) */
	PIAM_EEXISTS = -8,     /**< the resource already exists (EntityAlreadyExists, ...) */
	PIAM_ETHROTTLED = -9,  /**< throttled, and retries did not get through */
	PIAM_EACCESS = -10,    /**< access denied */
	PIAM_ESIGNATURE = -11, /**< AWS rejected the request signature or its time */
	PIAM_EPOLICY = -12,    /**< a policy document is malformed or too large */
	PIAM_ELIMIT = -13,     /**< an AWS quota was reached (LimitExceeded) */
	PIAM_EPROTOCOL = -14,  /**< the reply could not be understood */
	PIAM_ETOOBIG = -15,    /**< the reply exceeded the size cap */
	PIAM_ETLS = -16,       /**< TLS failed (certificate not trusted, handshake error) */
	PIAM_ENOTOWNED = -17,  /**< the resource exists but piam did not create it */
	PIAM_ECONFIG = -18,    /**< a configuration file or setting is malformed */
	PIAM_EIO = -19,        /**< a local file could not be read */
	PIAM_ECONFLICT = -20   /**< AWS refused because of a conflicting state (DeleteConflict, ...) */
} piam_status;

/** Log levels for piam_client_set_log(); a message is passed on when its level is <= the client's. */
typedef enum piam_log_level {
	PIAM_LOG_NONE = 0,
	PIAM_LOG_ERROR = 1,
	PIAM_LOG_WARN = 2,
	PIAM_LOG_INFO = 3,
	PIAM_LOG_DEBUG = 4,
	PIAM_LOG_TRACE = 5
} piam_log_level;

/** The client: configuration, credentials, connection and last error. Opaque. */
typedef struct piam_client piam_client;

/**
 * A custom allocator. All three functions are required; each receives `userdata`.
 * `realloc_fn(NULL, n)` must behave like malloc, as realloc(3) does.
 * The struct is read by piam_client_new() and copied; it need not outlive the call.
 */
typedef struct piam_allocator {
	void *(*malloc_fn)(size_t size, void *userdata);
	void *(*realloc_fn)(void *ptr, size_t size, void *userdata);
	void (*free_fn)(void *ptr, void *userdata);
	void *userdata;
} piam_allocator;

/** Log callback: `message` is one line without a newline, borrowed for the call. Never holds a secret. */
typedef void (*piam_log_fn)(int level, const char *message, void *userdata);

/**
 * The library's version as "MAJOR.MINOR.PATCH".
 * @return a static string. Thread-safe.
 * @since 0.1
 */
PIAM_API const char *piam_version(void);

/**
 * The static description of a status code, e.g. "not found" for PIAM_ENOTFOUND.
 * @param code  a PIAM_* status code (any int is accepted).
 * @return a static string; "unknown error" for a code piam does not define. Thread-safe.
 * @since 0.1
 */
PIAM_API const char *piam_strerror(int code);

/**
 * The name of a status code, e.g. "PIAM_ENOTFOUND"; what a binding puts in its exceptions.
 * @param code  a PIAM_* status code (any int is accepted).
 * @return a static string; "PIAM_EUNKNOWN" for a code piam does not define. Thread-safe.
 * @since 0.1
 */
PIAM_API const char *piam_status_name(int code);

/**
 * Create a client.
 * @param out        receives the client; set to NULL on failure. Free with piam_client_free().
 * @param allocator  the allocator for every allocation piam makes for this client (the client
 *                   itself included); NULL for the C library's malloc, realloc and free. Copied.
 * @return PIAM_OK, PIAM_EINVAL (out is NULL, or an allocator function is missing), PIAM_ENOMEM.
 * Nothing is read from the environment or the network here.
 * @since 0.1
 */
PIAM_API int piam_client_new(piam_client **out, const piam_allocator *allocator);

/**
 * Free a client and everything it owns. Secrets are wiped first. Accepts NULL.
 * Options made with the client must be freed before it (they use its allocator).
 * Results (piam_plan, piam_aws_result, strings from `char **out`) may outlive it.
 * @since 0.1
 */
PIAM_API void piam_client_free(piam_client *client);

/**
 * Release memory that piam returned through a `char **out` parameter. Accepts NULL.
 * The memory remembers its allocator, so it may outlive the client that made it.
 * @param ptr  what piam stored in `*out`; never memory from anywhere else. Thread-safe
 *             (for different pointers).
 * @since 0.1
 */
PIAM_API void piam_free(void *ptr);

/**
 * Set the AWS region (e.g. "eu-west-1"). The partition (aws, aws-cn, aws-us-gov) follows
 * from it.
 * @param region  copied; NULL clears it.
 * @return PIAM_OK, PIAM_EINVAL (not of the AWS region form; the region stays as it was),
 *         PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_client_set_region(piam_client *client, const char *region);

/**
 * The region set on the client, or "" when none is set. Borrowed.
 * @since 0.1
 */
PIAM_API const char *piam_client_region(const piam_client *client);

/**
 * Override the endpoint of one service, as AWS_ENDPOINT_URL_<SERVICE> does.
 * @param service  "iam", "sts" or "s3"; NULL overrides every service (AWS_ENDPOINT_URL).
 * @param url      "https://host[:port][/path]" or, for local servers, "http://..."; NULL
 *                 removes the override.
 * @return PIAM_OK, PIAM_EINVAL (unknown service, not an http(s) URL), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_client_set_endpoint(piam_client *client, const char *service, const char *url);

/**
 * Set static credentials. The strings are copied, and wiped when replaced or freed.
 * They win over every other source of credentials.
 * @param access_key_id      the access key id, e.g. "AKIA...".
 * @param secret_access_key  the secret key; never appears in messages or logs.
 * @param session_token      NULL for long-term keys.
 * @return PIAM_OK, PIAM_EINVAL (a key empty, too long or not printable ASCII), PIAM_ENOMEM.
 * @since 0.1
 */
PIAM_API int piam_client_set_credentials(piam_client *client, const char *access_key_id,
					 const char *secret_access_key, const char *session_token);

/**
 * Let the client fill what was not set explicitly from the environment, as the AWS CLI does:
 * region (AWS_REGION, AWS_DEFAULT_REGION), endpoints (AWS_ENDPOINT_URL_IAM, _STS, _S3, then
 * AWS_ENDPOINT_URL), credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), then the selected profile of the shared config and credentials files
 * (assume-role, web identity, credential_process), container credentials and EC2 instance
 * metadata; see piam/config.h and README.md, "Configuration". Off by default, so that an
 * embedding is hermetic unless it asks: without it nothing is read from the environment or
 * files, and no metadata endpoint is asked. Values are read when a request needs them, not by
 * this call.
 * @param enable  1 to turn on, 0 to turn off.
 * @return PIAM_OK, PIAM_EINVAL.
 * @since 0.1
 */
PIAM_API int piam_client_use_environment(piam_client *client, int enable);

/**
 * Set the connect timeout and the total time one HTTP attempt may take, in milliseconds.
 * 0 keeps the default (connect 5000 ms, total 30000 ms).
 * @param connect_ms  how long connecting may take (TCP and TLS).
 * @param total_ms    how long one attempt may take, connecting included; retries get their own.
 * @return PIAM_OK, PIAM_EINVAL (negative).
 * @since 0.1
 */
PIAM_API int piam_client_set_timeouts(piam_client *client, long connect_ms, long total_ms);

/**
 * Send log messages of `level` and more severe to `fn`. NULL (or PIAM_LOG_NONE) turns logging off.
 * Messages never contain secret keys, session tokens, signing keys or signatures.
 * The callback runs on the thread making the call that logs, during that call.
 * @param fn        the callback; NULL turns logging off.
 * @param level     a piam_log_level: PIAM_LOG_ERROR (1) to PIAM_LOG_TRACE (5), or PIAM_LOG_NONE.
 * @param userdata  passed to every call of `fn`; piam does not own it.
 * @return PIAM_OK, PIAM_EINVAL (level out of range).
 * @since 0.1
 */
PIAM_API int piam_client_set_log(piam_client *client, piam_log_fn fn, int level, void *userdata);

/**
 * The code of the last failed call on this client.
 * @return PIAM_OK after a success, else that call's code (PIAM_EINVAL, PIAM_ENOTFOUND, ...).
 *         Not an error of its own.
 * @since 0.1
 */
PIAM_API int piam_client_error(const piam_client *client);

/**
 * A one-line description of the last failure, e.g.
 * "CreateRole: EntityAlreadyExists (HTTP 409): Role with name X already exists [request id ...]",
 * or "" after a success. Borrowed.
 * @since 0.1
 */
PIAM_API const char *piam_client_error_message(const piam_client *client);

/**
 * The AWS error code of the last failure (e.g. "NoSuchEntity"), or "" when AWS sent none. Borrowed.
 * @since 0.1
 */
PIAM_API const char *piam_client_error_aws_code(const piam_client *client);

/**
 * The HTTP status of the last failed request, or 0 when no reply was received.
 * @since 0.1
 */
PIAM_API long piam_client_error_http_status(const piam_client *client);

/**
 * The AWS request id of the last failed request, or "" when there was none. Borrowed.
 * @since 0.1
 */
PIAM_API const char *piam_client_error_request_id(const piam_client *client);

#ifdef __cplusplus
}
#endif

#include "piam/config.h"
#include "piam/sign.h"
#include "piam/options.h"
#include "piam/policy.h"
#include "piam/aws.h"
#include "piam/setup.h"

#endif
