/* piam — SigV4 signing of any AWS request. Include <piam/piam.h>, which includes this header. */
#ifndef PIAM_SIGN_H
#define PIAM_SIGN_H

#include "piam/piam.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Flags for piam_sign_request(), or-ed together. Their values never change. @since 0.1
 */
/** S3's rules: the path is not normalised and not encoded a second time (only characters that
 *  cannot stand in a URI are escaped), and X-Amz-Content-Sha256 is always added and signed. */
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

#ifdef __cplusplus
}
#endif

#endif
