#ifndef CXP_NAPI_UTIL_H
#define CXP_NAPI_UTIL_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>

#include "dds/dds.h"

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), "DDS_NAPI", "Node-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

/* Throws a DDS_ERROR with Cyclone's text for `rc`; returns NULL for `return throw_dds(...)`. */
napi_value throw_dds(napi_env env, const char *what, dds_return_t rc);
/* Throws a TypeError coded DDS_BAD_ARGUMENT; returns NULL. */
napi_value throw_type(napi_env env, const char *msg);
napi_value make_int(napi_env env, int64_t v);
/* 16 bytes (a GUID) as 32 lowercase hex digits. */
napi_value hex16(napi_env env, const unsigned char *bytes);

#endif
