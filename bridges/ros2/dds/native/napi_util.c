/* Small Node-API helpers shared by the binding's files. */
#include <stdio.h>

#include "dds/dds.h"

#include "napi_util.h"

napi_value throw_dds(napi_env env, const char *what, dds_return_t rc) {
  char msg[256];
  snprintf(msg, sizeof(msg), "%s: %s", what, dds_strretcode(rc < 0 ? -rc : rc));
  napi_throw_error(env, "DDS_ERROR", msg);
  return NULL;
}

napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "DDS_BAD_ARGUMENT", msg);
  return NULL;
}

napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  if (napi_create_int64(env, v, &out) != napi_ok) return NULL;
  return out;
}

napi_value hex16(napi_env env, const unsigned char *bytes) {
  char hex[33];
  for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
  napi_value out;
  napi_create_string_utf8(env, hex, 32, &out);
  return out;
}
