/* piam — SigV4 signing of any AWS request. Include <piam/piam.h>, which includes this header. */
#ifndef PIAM_SIGN_H
#define PIAM_SIGN_H

#include "piam/piam.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
