/* piam — One function per AWS action piam uses (IAM, STS, S3). Include <piam/piam.h>, which includes this header. */
#ifndef PIAM_AWS_H
#define PIAM_AWS_H

#include "piam/piam.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
