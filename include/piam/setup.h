/* piam — The guide as one call: plan, setup, teardown. Include <piam/piam.h>, which includes this header. */
#ifndef PIAM_SETUP_H
#define PIAM_SETUP_H

#include "piam/piam.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
