/* SPDX-License-Identifier: MIT */
/* coflow.h - the umbrella header: Python's generator coroutines for C. */
#ifndef COFLOW_H
#define COFLOW_H

#include "coflow/version.h"
#include "coflow/value.h"
#include "coflow/error.h"
#include "coflow/core.h"
#include "coflow/trace.h"
#include "coflow/pipe.h"
#include "coflow/sched.h"
#include "coflow/coop.h"
#include "coflow/net.h"
#include "coflow/sax.h"
#include "coflow/bridge.h"

#endif
