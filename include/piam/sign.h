/* piam — SigV4 signing of any AWS request. Include <piam/piam.h>, which includes this header. */
#ifndef PIAM_SIGN_H
#define PIAM_SIGN_H

#include "piam/piam.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Flags for piam_sign_request(), or-ed together. Their values never change. All @since 0.1.
 */
/** S3's rules: the path is not normalised and not encoded a second time (only characters that
 *  cannot stand in a URI are escaped, %XX escapes are kept), and X-Amz-Content-Sha256 is always
 *  added and signed. Presigned S3 URLs sign "UNSIGNED-PAYLOAD", as S3 expects. */
#define PIAM_SIGN_S3 0x01u
/** Sign the payload as "UNSIGNED-PAYLOAD" instead of its SHA-256 (the body is not read). In
 *  header mode X-Amz-Content-Sha256: UNSIGNED-PAYLOAD is added and signed. */
#define PIAM_SIGN_UNSIGNED_PAYLOAD 0x02u
/** Keep the path as given: no removal of "." and ".." segments or of repeated slashes. */
#define PIAM_SIGN_NO_NORMALIZE 0x04u
/** Add and sign X-Amz-Content-Sha256 (the payload hash) for services other than S3. */
#define PIAM_SIGN_BODY 0x08u
/** Leave the session token out of the signature; it is still returned, to be sent unsigned
 *  (what a few services expect). */
#define PIAM_SIGN_OMIT_SESSION_TOKEN 0x10u
/** Presign: the signature goes into query parameters instead of an Authorization header. */
#define PIAM_SIGN_PRESIGN 0x20u

/**
 * Sign a request with SigV4, using the client's credentials (set with
 * piam_client_set_credentials(), or from the environment after piam_client_use_environment()).
 * Nothing is sent: the caller adds what comes back to its own request. Pure apart from the
 * credentials: the time is an argument, no clock, environment (beyond credentials) or I/O.
 *
 * The results are headers to add (header mode) or query parameters to append (presign mode),
 * read with piam_sign_result():
 * - header mode: [X-Amz-Security-Token], X-Amz-Date, [x-amz-content-sha256], Authorization.
 *   A request header with one of these names is ignored and must be replaced by the result.
 * - PIAM_SIGN_PRESIGN: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders,
 *   X-Amz-Expires, [X-Amz-Security-Token], X-Amz-Signature, values already URI-encoded: append
 *   each as "&name=value" to the query (or "?name=value" for the first when there was none).
 *
 * Canonicalisation: the path is normalised ("." and ".." segments, repeated slashes) and
 * encoded again unless PIAM_SIGN_S3 or PIAM_SIGN_NO_NORMALIZE say otherwise; query pairs are
 * decoded, re-encoded (RFC 3986 unreserved characters stay) and sorted by key then value; empty
 * pairs are dropped. Header names are compared case-insensitively; values are trimmed with
 * inner runs of spaces and tabs as one space; repeated names are joined with ',' in their
 * order. Headers that proxies and agents rewrite are not signed: Authorization, Connection,
 * Expect, Keep-Alive, Proxy-Authenticate, Proxy-Authorization, Sec-WebSocket-Key/-Protocol/
 * -Version, TE, Trailer, Transfer-Encoding, Upgrade, User-Agent, X-Amzn-Trace-Id.
 *
 * @param out_count     receives the number of results (0 on failure).
 * @param client        the client; its credentials sign, its scratch space holds the results.
 * @param service       the signing name of the service, e.g. "iam", "s3", "execute-api".
 * @param region        the signing region, e.g. "us-east-1" (IAM: "us-east-1").
 * @param time          the signing time in seconds since the epoch, UTC (0 to year 9999).
 * @param flags         PIAM_SIGN_* flags or-ed together, or 0.
 * @param expires       with PIAM_SIGN_PRESIGN, how long the URL is valid: 1 to 604800
 *                      seconds; otherwise 0.
 * @param method        "GET", "POST", ... (upper-case letters).
 * @param path          the path as sent, percent-encoded, starting with '/'.
 * @param query         the query as sent, without '?'; NULL or "" for none.
 * @param header_names  header_count names (RFC 9110 tokens); Host must be there, once. Send
 *                      the headers as they are signed: a proxy or HTTP library that rewrites a
 *                      signed header (Content-Length, Content-Type, ...) breaks the signature.
 * @param header_values header_count values, without CR or LF (fold continuation lines first).
 * @param header_count  the number of headers.
 * @param body          the payload, body_len bytes; NULL when body_len is 0. Hashed unless
 *                      payload_hash is given or PIAM_SIGN_UNSIGNED_PAYLOAD is set.
 * @param body_len      the payload's length in bytes.
 * @param payload_hash  the payload's SHA-256 in lower-case hex (for bodies hashed elsewhere),
 *                      or a token such as "UNSIGNED-PAYLOAD"; NULL to hash body.
 * @return PIAM_OK; PIAM_EINVAL for any bad argument (a NULL, a malformed name or value, a
 *         missing Host, a bad method, flag or time; the message says which) and nothing is
 *         signed; PIAM_ECREDENTIALS when the client has no credentials; PIAM_ENOMEM.
 * The strings are borrowed from the client until its next signing call (including the ones
 * piam makes itself) or piam_client_free(); a failed call leaves no results to read, so that
 * stale ones cannot be sent by mistake. Once the client's buffers have grown to the size
 * of the requests it signs and the signing key is cached (same secret, day, region and
 * service), a call makes no heap allocation.
 * @since 0.1
 */
PIAM_API int piam_sign_request(size_t *out_count, piam_client *client, const char *service,
			       const char *region, long long time, unsigned flags, long long expires,
			       const char *method, const char *path, const char *query,
			       const char *const *header_names, const char *const *header_values,
			       size_t header_count, const void *body, size_t body_len,
			       const char *payload_hash);

/**
 * One result of the last successful piam_sign_request() on the client.
 * @param out_name   receives the header or query parameter name. Borrowed.
 * @param out_value  receives its value (URI-encoded for query parameters). Borrowed.
 * @param client     the client that signed.
 * @param index      0 to out_count - 1.
 * @return PIAM_OK; PIAM_EINVAL (NULL argument, no results, index out of range), with both
 *         outputs set to NULL. Does not touch the client's last error.
 * @since 0.1
 */
PIAM_API int piam_sign_result(const char **out_name, const char **out_value,
			      const piam_client *client, size_t index);

/**
 * The canonical request and string to sign of the last successful signature on the client,
 * to compare with what AWS reports in a SignatureDoesNotMatch error. Both may hold the session
 * token (never the secret key). Borrowed like piam_sign_result()'s.
 * @param out_canonical_request  receives the canonical request (NULL on failure).
 * @param out_string_to_sign     receives the string to sign (NULL on failure).
 * @return PIAM_OK; PIAM_EINVAL (NULL argument, or no successful signature since the last
 *         failed piam_sign_request()).
 * @since 0.1
 */
PIAM_API int piam_sign_steps(const char **out_canonical_request, const char **out_string_to_sign,
			     const piam_client *client);

#ifdef __cplusplus
}
#endif

#endif
