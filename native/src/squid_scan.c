/*
 * The Squid scanner's per-line work in C (src/analysis/native-scan.ts loads it): split lines, walk the fields,
 * classify (detection.ts), normalise header values (mobile-matcher.ts) and count, for the lines it is sure of.
 * Every other line is handed back to the JS path, which stays the reference: scan() returns that line's start
 * and JS parses it, then calls scan() again from the next line. A handed-back line is never counted here.
 *
 * Sure of = what the JS byte parser (formats/squid.ts byteParser, formats/bytes.ts) provably does the same
 * way on ASCII: no quoted field with an escape, a time of `digits[.ddd]`, a valid result code, the format's
 * field count, header values of ASCII without `%` (decodeURIComponent), no x-network-info value, an ASCII host.
 *
 * Mobile validity is a libphonenumber RegExp: this file normalises a value as mobileMatcher does, then asks a
 * JS function (the same RegExp) once per distinct all-digit candidate and caches the answer.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* role codes, as native-scan.ts sends them */
enum { R_OTHER = 0, R_TIME = 1, R_METHOD = 2, R_URL = 3, R_RESULT = 4, R_HOST_HEADER = 5, R_HEADER = 6, R_PUNT_HEADER = 7 };
/* counts[]: the same order as native-scan.ts COUNTS */
enum { C_LINES, C_EXPOSURES, C_PARTNER, C_INVALID, C_OUTSIDE, C_CONNECT, C_HIT, C_DENIED, C_NOT_FWD, C_COUNT };
/* state[]: exposures written to the output arrays by the last scan(); 1 when the host table restarted */
enum { S_OUT = 0, S_HOSTS_RESET = 1 };
enum { OUT_FORWARDED = 0, OUT_HIT = 1, OUT_DENIED = 2 };

#define MAX_ROLES 64
#define MAX_CANDIDATE 64
#define HOUR_MS 3600000LL

#define CHECK(call)                                                                                          \
  do {                                                                                                       \
    if ((call) != napi_ok) return NULL;                                                                      \
  } while (0)

/* ---- a table of byte strings (hosts) to ids, by open addressing ---- */
typedef struct {
  uint32_t *slots; /* id + 1, 0 free */
  uint32_t mask;
  uint32_t count;
  uint32_t *off, *len, *hash; /* per id */
  uint32_t cap;               /* ids */
  char *arena;
  size_t arena_used, arena_cap;
  double *tally; /* per id, when the table counts (partner hosts) */
} strtab;

static uint32_t hash_bytes(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static int strtab_init(strtab *t, int tally) {
  memset(t, 0, sizeof *t);
  t->mask = 1023;
  t->slots = calloc(t->mask + 1, sizeof(uint32_t));
  t->cap = 512;
  t->off = malloc(t->cap * sizeof(uint32_t));
  t->len = malloc(t->cap * sizeof(uint32_t));
  t->hash = malloc(t->cap * sizeof(uint32_t));
  t->tally = tally ? calloc(t->cap, sizeof(double)) : NULL;
  t->arena_cap = 1 << 16;
  t->arena = malloc(t->arena_cap);
  return t->slots && t->off && t->len && t->hash && t->arena && (!tally || t->tally);
}

static void strtab_free(strtab *t) {
  free(t->slots), free(t->off), free(t->len), free(t->hash), free(t->arena), free(t->tally);
}

static void strtab_clear(strtab *t) {
  memset(t->slots, 0, (t->mask + 1) * sizeof(uint32_t));
  t->count = 0;
  t->arena_used = 0;
}

/* The id of `p[0, n)` (lower-case ASCII already); *added when it is new. -1 when out of memory. */
static int64_t strtab_id(strtab *t, const uint8_t *p, size_t n, int *added) {
  uint32_t h = hash_bytes(p, n);
  uint32_t i = h & t->mask;
  for (;; i = (i + 1) & t->mask) {
    uint32_t s = t->slots[i];
    if (s == 0) break;
    uint32_t id = s - 1;
    if (t->hash[id] == h && t->len[id] == n && memcmp(t->arena + t->off[id], p, n) == 0) {
      *added = 0;
      return id;
    }
  }
  if (t->count == t->cap) {
    uint32_t cap = t->cap * 2;
    uint32_t *off = realloc(t->off, cap * sizeof(uint32_t));
    if (off) t->off = off;
    uint32_t *len = realloc(t->len, cap * sizeof(uint32_t));
    if (len) t->len = len;
    uint32_t *hash = realloc(t->hash, cap * sizeof(uint32_t));
    if (hash) t->hash = hash;
    if (!off || !len || !hash) return -1;
    if (t->tally) {
      double *tally = realloc(t->tally, cap * sizeof(double));
      if (!tally) return -1;
      memset(tally + t->cap, 0, (cap - t->cap) * sizeof(double));
      t->tally = tally;
    }
    t->cap = cap;
  }
  if (t->arena_used + n > t->arena_cap) {
    size_t cap = t->arena_cap * 2 + n;
    char *a = realloc(t->arena, cap);
    if (!a) return -1;
    t->arena = a;
    t->arena_cap = cap;
  }
  uint32_t id = t->count++;
  memcpy(t->arena + t->arena_used, p, n);
  t->off[id] = (uint32_t)t->arena_used;
  t->len[id] = (uint32_t)n;
  t->hash[id] = h;
  t->arena_used += n;
  t->slots[i] = id + 1;
  if (t->count * 2 > t->mask) { /* grow the slots: load under a half */
    uint32_t mask = t->mask * 2 + 1;
    uint32_t *slots = calloc(mask + 1, sizeof(uint32_t));
    if (!slots) return -1;
    for (uint32_t k = 0; k < t->count; k++) {
      uint32_t j = t->hash[k] & mask;
      while (slots[j]) j = (j + 1) & mask;
      slots[j] = k + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->mask = mask;
  }
  *added = 1;
  return id;
}

/* ---- a cache of mobile answers for all-digit candidates of at most 17 digits ---- */
/* entry: (digits value * 32 + length) * 2 + valid, + 1 so that 0 means free; < 2^64 for 17 digits */
typedef struct {
  uint64_t *slots;
  uint32_t mask;
  uint32_t count;
} answers;

#define ANSWERS_MAX (1u << 21) /* entries before the cache starts again: 32 MB of slots at most */

static uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

/* 1 valid, 0 not, -1 unknown */
static int answers_get(const answers *a, uint64_t key) {
  for (uint32_t i = (uint32_t)mix64(key) & a->mask;; i = (i + 1) & a->mask) {
    uint64_t s = a->slots[i];
    if (s == 0) return -1;
    if (((s - 1) >> 1) == key) return (int)((s - 1) & 1);
  }
}

static void answers_put(answers *a, uint64_t key, int valid) {
  if ((a->count + 1) * 2 > a->mask + 1) {
    if (a->count >= ANSWERS_MAX) { /* a log with more distinct values than this: start again */
      memset(a->slots, 0, (size_t)(a->mask + 1) * sizeof(uint64_t));
      a->count = 0;
    } else {
      uint32_t mask = a->mask * 2 + 1;
      uint64_t *slots = calloc((size_t)mask + 1, sizeof(uint64_t));
      if (!slots) return; /* not cached: asked again next time */
      for (uint32_t k = 0; k <= a->mask; k++) {
        uint64_t s = a->slots[k];
        if (!s) continue;
        uint32_t j = (uint32_t)mix64((s - 1) >> 1) & mask;
        while (slots[j]) j = (j + 1) & mask;
        slots[j] = s;
      }
      free(a->slots);
      a->slots = slots;
      a->mask = mask;
    }
  }
  uint32_t i = (uint32_t)mix64(key) & a->mask;
  while (a->slots[i]) i = (i + 1) & a->mask;
  a->slots[i] = ((key << 1) | (uint64_t)(valid != 0)) + 1;
  a->count++;
}

/* ---- hours: epoch-ms hour to exposure lines ---- */
typedef struct {
  int64_t *keys; /* 0 free: an hour of a valid time is > 0 */
  double *vals;
  uint32_t mask, count;
} hours_t;

static int hours_add(hours_t *h, int64_t hour) {
  uint32_t i = (uint32_t)mix64((uint64_t)hour) & h->mask;
  for (;; i = (i + 1) & h->mask) {
    if (h->keys[i] == hour) {
      h->vals[i]++;
      return 1;
    }
    if (h->keys[i] == 0) break;
  }
  h->keys[i] = hour;
  h->vals[i] = 1;
  if (++h->count * 2 > h->mask) {
    uint32_t mask = h->mask * 2 + 1;
    int64_t *keys = calloc((size_t)mask + 1, sizeof(int64_t));
    double *vals = calloc((size_t)mask + 1, sizeof(double));
    if (!keys || !vals) return free(keys), free(vals), 0;
    for (uint32_t k = 0; k <= h->mask; k++) {
      if (!h->keys[k]) continue;
      uint32_t j = (uint32_t)mix64((uint64_t)h->keys[k]) & mask;
      while (keys[j]) j = (j + 1) & mask;
      keys[j] = h->keys[k];
      vals[j] = h->vals[k];
    }
    free(h->keys), free(h->vals);
    h->keys = keys, h->vals = vals, h->mask = mask;
  }
  return 1;
}

/* ---- the scanner ---- */
typedef struct {
  int nroles;
  uint8_t roles[MAX_ROLES];
  int nheaders; /* header roles: most numbers a line can add */
  double from, to;
  int64_t max_line;
  int npartners;
  char **partners;
  size_t *partner_len;
  char calling[16], national[16];
  size_t calling_len, national_len;
  napi_ref is_mobile, names, counts_ref, keys_ref, hosts_ref, times_ref, state_ref;
  double *counts, *out_keys, *out_times;
  int32_t *out_hosts, *state;
  size_t out_cap;
  uint32_t max_hosts;
  strtab hosts, partner_hosts;
  answers answers;
  hours_t hours;
  uint8_t lower[1 << 16]; /* a host, lower-cased */
} scanner;

static void scanner_free(napi_env env, void *data, void *hint) {
  scanner *s = data;
  if (!s) return;
  napi_ref refs[] = {s->is_mobile, s->names, s->counts_ref, s->keys_ref, s->hosts_ref, s->times_ref, s->state_ref};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
    if (refs[i]) napi_delete_reference(env, refs[i]);
  for (int i = 0; i < s->npartners; i++) free(s->partners[i]);
  free(s->partners), free(s->partner_len);
  strtab_free(&s->hosts), strtab_free(&s->partner_hosts);
  free(s->answers.slots), free(s->hours.keys), free(s->hours.vals);
  free(s);
}

static int is_ws(uint8_t c) { return c == 32 || (c >= 9 && c <= 13); } /* JS \s and trim(), on ASCII */

/* bytes.ts epochMsOf, where it reads the digits itself; 0 when it would go through Number() */
static int epoch_ms(const uint8_t *b, int64_t start, int64_t end, int64_t *out) {
  int64_t i = start, secs = 0;
  while (i < end && i - start < 12) {
    unsigned d = (unsigned)b[i] - 48u;
    if (d > 9) break;
    secs = secs * 10 + d;
    i++;
  }
  if (i == start) return 0;
  if (i == end) return *out = secs * 1000, 1;
  if (b[i] != 46 || end - i > 4) return 0;
  int64_t ms = 0;
  int k = 0;
  for (i++; i < end; i++, k++) {
    unsigned d = (unsigned)b[i] - 48u;
    if (d > 9) return 0;
    ms = ms * 10 + d;
  }
  *out = secs * 1000 + (k == 1 ? ms * 100 : k == 2 ? ms * 10 : ms);
  return 1;
}

/* bytes.ts outcomeOfBytes: DENIED anywhere, else HIT anywhere, ASCII letters in any case */
static int outcome_of(const uint8_t *b, int64_t start, int64_t end) {
  int hit = 0;
  for (int64_t i = start; i < end; i++) {
    uint8_t c = b[i] | 32;
    if (c == 'd' && i + 6 <= end && (b[i + 1] | 32) == 'e' && (b[i + 2] | 32) == 'n' && (b[i + 3] | 32) == 'i' &&
        (b[i + 4] | 32) == 'e' && (b[i + 5] | 32) == 'd')
      return OUT_DENIED;
    if (c == 'h' && !hit && i + 3 <= end && (b[i + 1] | 32) == 'i' && (b[i + 2] | 32) == 't') hit = 1;
  }
  return hit ? OUT_HIT : OUT_FORWARDED;
}

/* bytes.ts hostOfBytes' bounds: [*hs, *he), empty for no host */
static void host_of(const uint8_t *b, int64_t from, int64_t to, int64_t *hs, int64_t *he) {
  int64_t start = from, end = to;
  for (int64_t i = from; i + 2 < to; i++)
    if (b[i] == ':' && b[i + 1] == '/' && b[i + 2] == '/') {
      start = i + 3;
      break;
    }
  for (int64_t i = start; i < end; i++)
    if (b[i] == '/' || b[i] == '?' || b[i] == '#') {
      end = i;
      break;
    }
  for (int64_t i = end - 1; i >= start; i--)
    if (b[i] == '@') {
      start = i + 1;
      break;
    }
  *hs = *he = start;
  if (start < to && b[start] == '[') {
    for (int64_t i = start + 1; i < end; i++)
      if (b[i] == ']') {
        *he = i + 1; /* IPv6 literal */
        return;
      }
    return;
  }
  for (int64_t i = start; i < end; i++)
    if (b[i] == ':') {
      end = i;
      break;
    }
  if (end > start && b[end - 1] == '.') end--;
  if (end <= start) return;
  if (end - start == 1 && b[start] == '-') return;
  *he = end;
}

/* detection.ts isPartner on a lower-case host */
static int is_partner(const scanner *s, const uint8_t *h, size_t n) {
  for (int k = 0; k < s->npartners; k++) {
    size_t pl = s->partner_len[k];
    if (n == pl && memcmp(h, s->partners[k], pl) == 0) return 1;
    if (n > pl && memcmp(h + n - pl, s->partners[k], pl) == 0 && h[n - pl - 1] == '.') return 1;
  }
  return 0;
}

/*
 * mobileMatcher on an ASCII value without `%`: the candidate the RegExp is tested on, in `out`; its length,
 * or -1 when the matcher says null before testing (length outside 6..20).
 */
static int candidate_of(const scanner *s, const uint8_t *v, int64_t n, char *out) {
  int64_t a = 0, z = n;
  while (a < z && is_ws(v[a])) a++; /* trim(): a plain `+?digits` value has nothing to trim or strip */
  while (z > a && is_ws(v[z - 1])) z--;
  if (z - a > 4 && (v[a] | 32) == 't' && (v[a + 1] | 32) == 'e' && (v[a + 2] | 32) == 'l' && v[a + 3] == ':') a += 4;
  char buf[MAX_CANDIDATE];
  int len = 0;
  for (int64_t i = a; i < z; i++) {
    uint8_t c = v[i];
    if (is_ws(c) || c == '(' || c == ')' || c == '.' || c == '-') continue;
    if (len == 21) return -1; /* longer than 20 */
    buf[len++] = (char)c;
  }
  if (len < 6 || len > 20) return -1;
  const char *p = buf;
  int m = len;
  if (p[0] == '+') p++, m--;
  else if (p[0] == '0' && p[1] == '0') p += 2, m -= 2;
  else if (s->national_len && (size_t)m >= s->national_len && memcmp(p, s->national, s->national_len) == 0) {
    memcpy(out, s->calling, s->calling_len);
    memcpy(out + s->calling_len, p + s->national_len, m - s->national_len);
    return (int)(s->calling_len + m - s->national_len);
  }
  memcpy(out, p, m);
  return m;
}

/* The RegExp's answer for a candidate: cached for all-digit ones. -1 when the JS call failed. */
static int is_mobile(napi_env env, scanner *s, const char *c, int n) {
  uint64_t key = 0;
  int digits = n <= 17;
  for (int i = 0; i < n && digits; i++) {
    unsigned d = (unsigned)c[i] - 48u;
    if (d > 9) digits = 0;
    else key = key * 10 + d;
  }
  if (digits) {
    key = key * 32 + (uint64_t)n;
    int known = answers_get(&s->answers, key);
    if (known >= 0) return known;
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return -1;
  napi_value fn, str, undef, result;
  bool valid = false;
  int ok = napi_get_reference_value(env, s->is_mobile, &fn) == napi_ok &&
           napi_create_string_latin1(env, c, (size_t)n, &str) == napi_ok &&
           napi_get_undefined(env, &undef) == napi_ok &&
           napi_call_function(env, undef, fn, 1, &str, &result) == napi_ok &&
           napi_get_value_bool(env, result, &valid) == napi_ok;
  napi_close_handle_scope(env, scope);
  if (!ok) return -1;
  if (digits) answers_put(&s->answers, key, valid);
  return valid;
}

typedef struct {
  int64_t start, end;
} span;

/* The first byte in [i, le) that is `x` or `y`, else le. Reads 16 bytes at a time while within `lim` (the buffer). */
static inline int64_t find2(const uint8_t *b, int64_t i, int64_t le, int64_t lim, uint8_t x, uint8_t y) {
#ifdef __SSE2__
  const __m128i vx = _mm_set1_epi8((char)x), vy = _mm_set1_epi8((char)y);
  while (i < le && i + 16 <= lim) {
    __m128i v = _mm_loadu_si128((const __m128i *)(b + i));
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, vx), _mm_cmpeq_epi8(v, vy)));
    if (m) {
      int64_t j = i + __builtin_ctz(m);
      return j < le ? j : le;
    }
    i += 16;
  }
#endif
  while (i < le && b[i] != x && b[i] != y) i++;
  return i < le ? i : le;
}

enum { DONE = 0, PUNT = 1, FAIL = 2 };

/* Appends the host's name to the JS names array (once per id); restarts the table past max_hosts. */
static int push_name(napi_env env, scanner *s, uint32_t id, const uint8_t *h, size_t n) {
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return 0;
  napi_value names, str;
  int ok = napi_get_reference_value(env, s->names, &names) == napi_ok &&
           napi_create_string_latin1(env, (const char *)h, n, &str) == napi_ok &&
           napi_set_element(env, names, id, str) == napi_ok;
  napi_close_handle_scope(env, scope);
  return ok;
}

/*
 * One line `b[ls, le)` (no newline, no `\r`), not empty, not a comment, in a buffer of `lim` bytes. DONE: counted (exposures written at
 * out[*nout...]); PUNT: the JS path must take it, nothing was counted; FAIL: a JS exception is pending.
 */
static int line(napi_env env, scanner *s, const uint8_t *b, int64_t ls, int64_t le, int64_t lim, size_t *nout) {
  span method = {-1, -1}, url = {-1, -1}, host_header = {-1, -1};
  span headers[MAX_ROLES];
  int nh = 0;
  int64_t time = 0;
  int has_time = 0, outcome = OUT_FORWARDED;
  int field = 0;
  int64_t i = ls;
  while (i < le) {
    uint8_t c = b[i];
    if (c == 32 || c == 9) {
      i++;
      continue;
    }
    int64_t fs, fe;
    if (c == '"') {
      int64_t j = find2(b, i + 1, le, lim, '"', '\\');
      if (j == le || b[j] == '\\') return PUNT; /* unterminated (malformed), or an escape before the end */
      if (j + 1 < le && b[j + 1] == '"') return PUNT; /* `""` escape */
      fs = i + 1, fe = j, i = j + 1;
    } else {
      int64_t j = find2(b, i + 1, le, lim, ' ', '\t');
      fs = i, fe = j, i = j;
    }
    if (field >= s->nroles) return PUNT; /* more fields than the format: malformed */
    switch (s->roles[field]) {
      case R_TIME:
        if (!epoch_ms(b, fs, fe, &time)) return PUNT;
        has_time = 1;
        break;
      case R_METHOD:
        method.start = fs, method.end = fe;
        break;
      case R_URL:
        url.start = fs, url.end = fe;
        break;
      case R_RESULT: {
        uint8_t f = fe > fs ? b[fs] : 0;
        if (!((f >= 'A' && f <= 'Z') || f == '_')) return PUNT; /* malformed */
        outcome = outcome_of(b, fs, fe);
        break;
      }
      case R_HOST_HEADER:
        host_header.start = fs, host_header.end = fe;
        break;
      case R_HEADER:
      case R_PUNT_HEADER:
        if (fe == fs || (fe - fs == 1 && b[fs] == '-')) break; /* absent */
        if (s->roles[field] == R_PUNT_HEADER) return PUNT;       /* x-network-info: comma items */
        for (int64_t k = fs; k < fe; k++)
          if (b[k] >= 0x80 || b[k] == '%') return PUNT; /* decoded as latin1 / URL-decoded in JS */
        headers[nh].start = fs, headers[nh].end = fe, nh++;
        break;
    }
    field++;
  }
  /* time: epoch_ms gave a finite value; the JS rule also wants it > 0 */
  if (field != s->nroles || !has_time || time <= 0) return PUNT;

  double *counts = s->counts;
  if (nh == 0) { /* classify: clean */
    counts[C_LINES]++;
    return DONE;
  }
  double t = (double)time;
  if (!(t >= s->from && t < s->to)) return counts[C_LINES]++, counts[C_OUTSIDE]++, DONE;
  if (method.start >= 0 && method.end - method.start == 7) {
    static const char connect[] = "CONNECT";
    int k = 0;
    for (; k < 7; k++) {
      uint8_t m = b[method.start + k];
      if ((m >= 'a' && m <= 'z' ? m - 32 : m) != (uint8_t)connect[k]) break;
    }
    if (k == 7) return counts[C_LINES]++, counts[C_CONNECT]++, DONE;
  }
  if (outcome == OUT_HIT) return counts[C_LINES]++, counts[C_HIT]++, DONE;
  if (outcome == OUT_DENIED) return counts[C_LINES]++, counts[C_DENIED]++, DONE;

  double keys[MAX_ROLES];
  int nkeys = 0, invalid = 0;
  for (int h = 0; h < nh; h++) {
    char cand[MAX_CANDIDATE];
    int n = candidate_of(s, b + headers[h].start, headers[h].end - headers[h].start, cand);
    int valid = n < 0 ? 0 : is_mobile(env, s, cand, n);
    if (valid < 0) return FAIL;
    if (!valid) {
      invalid++;
      continue;
    }
    /* numberKey: at most 15 digits, no leading 0; anything else is the JS path's to refuse */
    if (n > 15 || cand[0] == '0') return PUNT;
    double key = 0;
    for (int k = 0; k < n; k++) {
      unsigned d = (unsigned)cand[k] - 48u;
      if (d > 9) return PUNT;
      key = key * 10 + d;
    }
    int seen = 0;
    for (int k = 0; k < nkeys; k++) seen |= keys[k] == key;
    if (!seen) keys[nkeys++] = key;
  }
  if (nkeys == 0) return counts[C_LINES]++, counts[C_INVALID] += invalid, DONE;

  /* the host: the URL's, else the Host header's; lower-cased, ASCII only */
  int64_t hs, he;
  host_of(b, url.start, url.end, &hs, &he);
  if (he == hs && host_header.start >= 0) host_of(b, host_header.start, host_header.end, &hs, &he);
  size_t hn = (size_t)(he - hs);
  if (hn > sizeof s->lower) return PUNT;
  for (size_t k = 0; k < hn; k++) {
    uint8_t c = b[hs + k];
    if (c >= 0x80) return PUNT;
    s->lower[k] = c >= 'A' && c <= 'Z' ? c + 32 : c;
  }
  int added;
  if (is_partner(s, s->lower, hn)) {
    int64_t id = strtab_id(&s->partner_hosts, s->lower, hn, &added);
    if (id < 0) return PUNT;
    s->partner_hosts.tally[id]++;
    counts[C_LINES]++, counts[C_INVALID] += invalid, counts[C_PARTNER]++;
    return DONE;
  }
  int64_t id = strtab_id(&s->hosts, s->lower, hn, &added);
  if (id < 0) return PUNT;
  if (added && !push_name(env, s, (uint32_t)id, s->lower, hn)) return FAIL;
  if (!hours_add(&s->hours, time - time % HOUR_MS)) return PUNT;
  counts[C_LINES]++, counts[C_INVALID] += invalid, counts[C_EXPOSURES]++;
  for (int k = 0; k < nkeys; k++) {
    s->out_keys[*nout] = keys[k];
    s->out_hosts[*nout] = (int32_t)id;
    s->out_times[*nout] = t;
    (*nout)++;
  }
  return DONE;
}

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static void *typed_data(napi_env env, napi_value v, napi_typedarray_type want, size_t *length) {
  napi_typedarray_type type;
  void *data;
  if (napi_get_typedarray_info(env, v, &type, length, &data, NULL, NULL) != napi_ok || type != want) return NULL;
  return data;
}

static int copy_string(napi_env env, napi_value v, char *out, size_t cap, size_t *len) {
  return napi_get_value_string_latin1(env, v, out, cap, len) == napi_ok && *len < cap - 1;
}

/*
 * create(roles: Int32Array, params: Float64Array [from, to, maxLine, maxHosts], partners: string[],
 *        callingCode, nationalPrefix, isMobile: (s) => boolean, names: string[], counts: Float64Array,
 *        keys: Float64Array, hosts: Int32Array, times: Float64Array, state: Int32Array) → scanner
 */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value a[12];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc != 12) return throw_error(env, "create: 12 arguments");
  scanner *s = calloc(1, sizeof *s);
  if (!s || !strtab_init(&s->hosts, 0) || !strtab_init(&s->partner_hosts, 1)) return throw_error(env, "out of memory");
  napi_value external;
  if (napi_create_external(env, s, scanner_free, NULL, &external) != napi_ok) return scanner_free(env, s, NULL), NULL;

  size_t n, nparams, ncounts, nstate, nk, nhosts, nt;
  int32_t *roles = typed_data(env, a[0], napi_int32_array, &n);
  double *params = typed_data(env, a[1], napi_float64_array, &nparams);
  if (!roles || n == 0 || n > MAX_ROLES || !params || nparams < 4) return throw_error(env, "create: roles, params");
  s->nroles = (int)n;
  for (size_t i = 0; i < n; i++) {
    if (roles[i] < R_OTHER || roles[i] > R_PUNT_HEADER) return throw_error(env, "create: bad role");
    s->roles[i] = (uint8_t)roles[i];
    s->nheaders += roles[i] == R_HEADER || roles[i] == R_PUNT_HEADER;
  }
  s->from = params[0], s->to = params[1], s->max_line = (int64_t)params[2], s->max_hosts = (uint32_t)params[3];

  uint32_t np;
  CHECK(napi_get_array_length(env, a[2], &np));
  s->partners = calloc(np + 1, sizeof(char *));
  s->partner_len = calloc(np + 1, sizeof(size_t));
  if (!s->partners || !s->partner_len) return throw_error(env, "out of memory");
  for (uint32_t i = 0; i < np; i++) {
    napi_value p;
    size_t len;
    CHECK(napi_get_element(env, a[2], i, &p));
    CHECK(napi_get_value_string_latin1(env, p, NULL, 0, &len));
    s->partners[i] = malloc(len + 1);
    if (!s->partners[i]) return throw_error(env, "out of memory");
    s->npartners = (int)i + 1;
    CHECK(napi_get_value_string_latin1(env, p, s->partners[i], len + 1, &s->partner_len[i]));
  }
  if (!copy_string(env, a[3], s->calling, sizeof s->calling, &s->calling_len) ||
      !copy_string(env, a[4], s->national, sizeof s->national, &s->national_len))
    return throw_error(env, "create: calling code, national prefix");
  CHECK(napi_create_reference(env, a[5], 1, &s->is_mobile));
  CHECK(napi_create_reference(env, a[6], 1, &s->names));
  s->counts = typed_data(env, a[7], napi_float64_array, &ncounts);
  s->out_keys = typed_data(env, a[8], napi_float64_array, &nk);
  s->out_hosts = typed_data(env, a[9], napi_int32_array, &nhosts);
  s->out_times = typed_data(env, a[10], napi_float64_array, &nt);
  s->state = typed_data(env, a[11], napi_int32_array, &nstate);
  if (!s->counts || ncounts < C_COUNT || !s->out_keys || !s->out_hosts || !s->out_times || !s->state || nstate < 2 ||
      nhosts < nk || nt < nk || nk < (size_t)s->nheaders)
    return throw_error(env, "create: output arrays");
  s->out_cap = nk;
  /* the arrays' memory is read through raw pointers: hold them */
  CHECK(napi_create_reference(env, a[7], 1, &s->counts_ref));
  CHECK(napi_create_reference(env, a[8], 1, &s->keys_ref));
  CHECK(napi_create_reference(env, a[9], 1, &s->hosts_ref));
  CHECK(napi_create_reference(env, a[10], 1, &s->times_ref));
  CHECK(napi_create_reference(env, a[11], 1, &s->state_ref));
  s->answers.mask = (1u << 12) - 1;
  s->answers.slots = calloc((size_t)s->answers.mask + 1, sizeof(uint64_t));
  s->hours.mask = 255;
  s->hours.keys = calloc(256, sizeof(int64_t));
  s->hours.vals = calloc(256, sizeof(double));
  if (!s->answers.slots || !s->hours.keys || !s->hours.vals) return throw_error(env, "out of memory");
  return external;
}

static scanner *scanner_of(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return data;
}

/*
 * scan(scanner, buf, start, end) → position. `[start, end)` is whole lines, each ending with `\n`. Returns
 * `end` when all were taken, else the start of a line the JS path must take (then scan again after it).
 * Also returns early when the output arrays may not hold another line's exposures. state[S_OUT] says how
 * many exposures the output arrays hold.
 */
static napi_value scan(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  scanner *s = argc == 4 ? scanner_of(env, a[0]) : NULL;
  if (!s) return throw_error(env, "scan: (scanner, buf, start, end)");
  size_t blen;
  const uint8_t *b = typed_data(env, a[1], napi_uint8_array, &blen);
  int64_t start, end;
  CHECK(napi_get_value_int64(env, a[2], &start));
  CHECK(napi_get_value_int64(env, a[3], &end));
  if (!b || start < 0 || end < start || (size_t)end > blen) return throw_error(env, "scan: bad range");

  s->state[S_HOSTS_RESET] = 0;
  if (s->hosts.count >= s->max_hosts) { /* many hosts: start the table again (JS drops its map of ids) */
    strtab_clear(&s->hosts);
    napi_value names, zero;
    CHECK(napi_get_reference_value(env, s->names, &names));
    CHECK(napi_create_uint32(env, 0, &zero));
    CHECK(napi_set_named_property(env, names, "length", zero));
    s->state[S_HOSTS_RESET] = 1;
  }
  size_t nout = 0;
  int64_t p = start;
  while (p < end) {
    if (nout + (size_t)s->nheaders > s->out_cap) break;
    const uint8_t *nl = memchr(b + p, '\n', (size_t)(end - p));
    int64_t e = nl ? nl - b : end; /* always found: the range ends with one */
    if (e - p > s->max_line) break; /* the splitter's overlong-line rule */
    int64_t le = e > p && b[e - 1] == '\r' ? e - 1 : e;
    if (le > p && b[p] != '#') { /* else: blank or comment, not a request (SKIP) */
      int r = line(env, s, b, p, le, (int64_t)blen, &nout);
      if (r == FAIL) {
        s->state[S_OUT] = (int32_t)nout;
        return NULL;
      }
      if (r == PUNT) break;
    }
    p = e + 1;
  }
  s->state[S_OUT] = (int32_t)nout;
  napi_value ret;
  CHECK(napi_create_int64(env, p, &ret));
  return ret;
}

/* results(scanner) → { hours: number[] (hour, count, ...), partners: (string | number)[] (host, count, ...) } */
static napi_value results(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  scanner *s = argc == 1 ? scanner_of(env, a[0]) : NULL;
  if (!s) return throw_error(env, "results: (scanner)");
  napi_value out, hours, partners, v;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_array(env, &hours));
  CHECK(napi_create_array(env, &partners));
  uint32_t k = 0;
  for (uint32_t i = 0; i <= s->hours.mask; i++) {
    if (!s->hours.keys[i]) continue;
    CHECK(napi_create_double(env, (double)s->hours.keys[i], &v));
    CHECK(napi_set_element(env, hours, k++, v));
    CHECK(napi_create_double(env, s->hours.vals[i], &v));
    CHECK(napi_set_element(env, hours, k++, v));
  }
  k = 0;
  strtab *t = &s->partner_hosts;
  for (uint32_t id = 0; id < t->count; id++) {
    CHECK(napi_create_string_latin1(env, t->arena + t->off[id], t->len[id], &v));
    CHECK(napi_set_element(env, partners, k++, v));
    CHECK(napi_create_double(env, t->tally[id], &v));
    CHECK(napi_set_element(env, partners, k++, v));
  }
  CHECK(napi_set_named_property(env, out, "hours", hours));
  CHECK(napi_set_named_property(env, out, "partners", partners));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"scan", NULL, scan, NULL, NULL, NULL, napi_default, NULL},
      {"results", NULL, results, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
