/* piam — Policy documents: render, validate, compare, merge. Include <piam/piam.h>, which includes this header. */
#ifndef PIAM_POLICY_H
#define PIAM_POLICY_H

#include "piam/piam.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
