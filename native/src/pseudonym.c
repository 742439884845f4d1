/* HMAC-SHA256 pseudonyms of E.164 numbers in bulk (Pseudonymiser.pseudonym, purpose 'msisdn'): a run's finish
   pseudonymises every exposed number, ~1M at national scale, and two one-shot hashes through JS cost ~1.8 us
   a number. Here the key's padded blocks are absorbed once and each number costs two compressions of
   OpenSSL's SHA-256 (node exports it: the same code node:crypto runs, SHA-NI included). */
#include <node_api.h>
/* the SHA256_* calls are deprecated in OpenSSL 3 for EVP, whose per-call setup costs more than a number's hash */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <string.h>
#include <stdint.h>

#include "pseudonym.h"

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

static const char HEX[] = "0123456789abcdef";

/* pseudonyms(innerPad: Buffer(64), outerPad: Buffer(64), keys: Float64Array, from, to, out: Buffer)
   writes the 64 hex characters of keys[i]'s pseudonym at out[(i - from) * 64] for i in [from, to). */
napi_value candor_pseudonyms(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) { napi_throw_type_error(env, NULL, "pseudonyms: 6 arguments"); return NULL; }
  uint8_t *ipad, *opad, *out;
  size_t ilen, olen, outlen;
  CHECK(napi_get_buffer_info(env, argv[0], (void **)&ipad, &ilen));
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&opad, &olen));
  napi_typedarray_type type;
  size_t count;
  void *data;
  CHECK(napi_get_typedarray_info(env, argv[2], &type, &count, &data, NULL, NULL));
  int64_t from, to;
  CHECK(napi_get_value_int64(env, argv[3], &from));
  CHECK(napi_get_value_int64(env, argv[4], &to));
  CHECK(napi_get_buffer_info(env, argv[5], (void **)&out, &outlen));
  if (ilen != 64 || olen != 64 || type != napi_float64_array || from < 0 || to < from || (size_t)to > count ||
      outlen < (size_t)(to - from) * 64) {
    napi_throw_range_error(env, NULL, "pseudonyms: bad arguments");
    return NULL;
  }
  const double *keys = data;
  SHA256_CTX inner0, outer0, c;
  SHA256_Init(&inner0);
  SHA256_Update(&inner0, ipad, 64);
  SHA256_Init(&outer0);
  SHA256_Update(&outer0, opad, 64);
  /* "msisdn" NUL "+" digits */
  uint8_t msg[32] = {'m', 's', 'i', 's', 'd', 'n', 0, '+'};
  uint8_t digest[32];
  for (int64_t i = from; i < to; i++) {
    double k = keys[i];
    if (!(k >= 1 && k <= 9007199254740991.0) || k != (double)(uint64_t)k) {
      napi_throw_range_error(env, NULL, "pseudonyms: not an E.164 number key");
      return NULL;
    }
    uint64_t v = (uint64_t)k;
    char digits[20];
    int n = 0;
    while (v) { digits[n++] = (char)('0' + v % 10); v /= 10; }
    for (int j = 0; j < n; j++) msg[8 + j] = (uint8_t)digits[n - 1 - j];
    c = inner0;
    SHA256_Update(&c, msg, 8 + n);
    SHA256_Final(digest, &c);
    c = outer0;
    SHA256_Update(&c, digest, 32);
    SHA256_Final(digest, &c);
    uint8_t *o = out + (i - from) * 64;
    for (int j = 0; j < 32; j++) { o[2 * j] = HEX[digest[j] >> 4]; o[2 * j + 1] = HEX[digest[j] & 15]; }
  }
  return NULL;
}
