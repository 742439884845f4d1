/* HMAC-SHA256 pseudonyms of E.164 numbers in bulk (pseudonym.c), registered by squid_scan.c's init. */
#ifndef CANDOR_PSEUDONYM_H
#define CANDOR_PSEUDONYM_H
#include <node_api.h>

napi_value candor_pseudonyms(napi_env env, napi_callback_info info);

#endif
