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

#include "pseudonym.h"
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

/* Doubles the slots (load under a half); 0 when out of memory, the table as it was. */
static int strtab_grow(strtab *t) {
  uint32_t mask = t->mask * 2 + 1;
  uint32_t *slots = calloc((size_t)mask + 1, sizeof(uint32_t));
  if (!slots) return 0;
  for (uint32_t k = 0; k < t->count; k++) {
    uint32_t j = t->hash[k] & mask;
    while (slots[j]) j = (j + 1) & mask;
    slots[j] = k + 1;
  }
  free(t->slots);
  t->slots = slots;
  t->mask = mask;
  return 1;
}

/* The id of `p[0, n)` (lower-case ASCII already); *added when it is new. -1 when out of memory (nothing added). */
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
  if ((t->count + 1) * 2 > t->mask + 1) {
    if (!strtab_grow(t)) return -1;
    for (i = h & t->mask; t->slots[i]; i = (i + 1) & t->mask) continue;
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

/*
 * ---- the mobile RegExp as an automaton ----
 * libphonenumber's patterns (as mobile-number.ts anchors them) use digits, `\d`, classes of digits and digit
 * ranges, `(?:...)`, `|` and `{n}` / `{n,m}`: a regular language of digit strings, so an automaton accepts
 * exactly the strings the RegExp's test() does (a full match: `^...$`, no flags). A pattern with anything
 * else is not compiled, and the JS RegExp answers instead. Thompson NFA, turned into a DFA lazily.
 */
enum { N_CHAR, N_SPLIT, N_ACCEPT };
typedef struct {
  uint8_t kind;
  uint16_t mask; /* N_CHAR: digits taken */
  int32_t a, b;  /* N_CHAR: next in a; N_SPLIT: both */
} nstate;

typedef struct {
  const char *p, *end;
  int bad;
} rparser;

enum { A_SET, A_CAT, A_ALT, A_REP };
typedef struct anode {
  int kind;
  uint16_t mask;
  int min, max;
  int n;
  struct anode **kids;
} anode;

#define DFA_MAX 16384
#define NFA_MAX 65536

typedef struct {
  nstate *nfa;
  int32_t nn, ncap, start;
  /* DFA: states as sorted NFA state sets */
  int32_t *set_off, *set_len, *next; /* next[d * 10 + digit]: -2 not computed, -1 dead */
  uint8_t *accept;
  int32_t *sets;
  size_t sets_used, sets_cap;
  int32_t nd;
  uint32_t *slots, mask; /* DFA id + 1 by set hash */
  int32_t *stack, *buf;
  uint32_t *mark, gen;
} automaton;

static anode *anode_new(rparser *r, int kind) {
  anode *n = calloc(1, sizeof *n);
  if (!n) r->bad = 1;
  else n->kind = kind;
  return n;
}

static void anode_free(anode *n) {
  if (!n) return;
  for (int i = 0; i < n->n; i++) anode_free(n->kids[i]);
  free(n->kids);
  free(n);
}

static int anode_add(rparser *r, anode *parent, anode *kid) {
  anode **k = kid ? realloc(parent->kids, (size_t)(parent->n + 1) * sizeof *k) : NULL;
  if (!k) {
    anode_free(kid);
    r->bad = 1;
    return 0;
  }
  parent->kids = k;
  parent->kids[parent->n++] = kid;
  return 1;
}

static int read_int(rparser *r, int *v) {
  if (r->p >= r->end || *r->p < '0' || *r->p > '9') return 0;
  *v = 0;
  while (r->p < r->end && *r->p >= '0' && *r->p <= '9' && *v < 1000) *v = *v * 10 + (*r->p++ - '0');
  return *v < 1000;
}

static anode *parse_alt(rparser *r);

static anode *parse_atom(rparser *r) {
  char c = *r->p;
  if (c >= '0' && c <= '9') {
    anode *n = anode_new(r, A_SET);
    if (n) n->mask = (uint16_t)(1u << (c - '0'));
    r->p++;
    return n;
  }
  if (c == '\\' && r->p + 1 < r->end && r->p[1] == 'd') {
    anode *n = anode_new(r, A_SET);
    if (n) n->mask = 0x3ff;
    r->p += 2;
    return n;
  }
  if (c == '[') {
    uint16_t mask = 0;
    r->p++;
    while (r->p < r->end && *r->p != ']') {
      char lo = *r->p, hi = lo;
      if (lo < '0' || lo > '9') return r->bad = 1, NULL;
      if (r->p + 2 < r->end && r->p[1] == '-' && r->p[2] != ']') {
        hi = r->p[2];
        if (hi < lo || hi > '9') return r->bad = 1, NULL;
        r->p += 3;
      } else r->p++;
      for (char d = lo; d <= hi; d++) mask |= (uint16_t)(1u << (d - '0'));
    }
    if (r->p >= r->end || mask == 0) return r->bad = 1, NULL;
    r->p++;
    anode *n = anode_new(r, A_SET);
    if (n) n->mask = mask;
    return n;
  }
  if (c == '(' && r->p + 2 < r->end && r->p[1] == '?' && r->p[2] == ':') {
    r->p += 3;
    anode *n = parse_alt(r);
    if (r->bad || r->p >= r->end || *r->p != ')') return anode_free(n), r->bad = 1, NULL;
    r->p++;
    return n;
  }
  r->bad = 1;
  return NULL;
}

static anode *parse_cat(rparser *r) {
  anode *cat = anode_new(r, A_CAT);
  while (cat && !r->bad && r->p < r->end && *r->p != '|' && *r->p != ')') {
    anode *a = parse_atom(r);
    if (r->bad) return anode_free(a), anode_free(cat), NULL;
    if (r->p < r->end && *r->p == '{') {
      int min, max;
      r->p++;
      if (!read_int(r, &min)) return anode_free(a), anode_free(cat), r->bad = 1, NULL;
      max = min;
      if (r->p < r->end && *r->p == ',') {
        r->p++;
        if (!read_int(r, &max) || max < min) return anode_free(a), anode_free(cat), r->bad = 1, NULL;
      }
      if (r->p >= r->end || *r->p != '}') return anode_free(a), anode_free(cat), r->bad = 1, NULL;
      r->p++;
      anode *rep = anode_new(r, A_REP);
      if (!rep || !anode_add(r, rep, a)) return anode_free(rep), anode_free(cat), NULL;
      rep->min = min, rep->max = max;
      a = rep;
    }
    if (r->p < r->end && (*r->p == '{' || *r->p == '?' || *r->p == '*' || *r->p == '+'))
      return anode_free(a), anode_free(cat), r->bad = 1, NULL; /* not in the subset */
    if (!anode_add(r, cat, a)) return anode_free(cat), NULL;
  }
  return cat;
}

static anode *parse_alt(rparser *r) {
  anode *alt = anode_new(r, A_ALT);
  for (;;) {
    anode *c = alt ? parse_cat(r) : NULL;
    if (r->bad || !anode_add(r, alt, c)) return anode_free(alt), NULL;
    if (r->p < r->end && *r->p == '|') r->p++;
    else return alt;
  }
}

static int32_t nfa_add(automaton *m, uint8_t kind, uint16_t mask, int32_t a, int32_t b) {
  if (m->nn == m->ncap) {
    if (m->ncap >= NFA_MAX) return -1;
    int32_t cap = m->ncap ? m->ncap * 2 : 256;
    nstate *n = realloc(m->nfa, (size_t)cap * sizeof *n);
    if (!n) return -1;
    m->nfa = n, m->ncap = cap;
  }
  m->nfa[m->nn] = (nstate){kind, mask, a, b};
  return m->nn++;
}

/* The NFA for `n` followed by state `out`; its start, or -1. */
static int32_t compile_node(automaton *m, const anode *n, int32_t out) {
  switch (n->kind) {
    case A_SET:
      return nfa_add(m, N_CHAR, n->mask, out, -1);
    case A_CAT:
      for (int i = n->n - 1; i >= 0 && out >= 0; i--) out = compile_node(m, n->kids[i], out);
      return out;
    case A_ALT: {
      int32_t s = compile_node(m, n->kids[n->n - 1], out);
      for (int i = n->n - 2; i >= 0 && s >= 0; i--) {
        int32_t k = compile_node(m, n->kids[i], out);
        s = k < 0 ? -1 : nfa_add(m, N_SPLIT, 0, k, s);
      }
      return s;
    }
    default: { /* A_REP: min copies, then max - min optional ones */
      int32_t s = out;
      for (int i = n->min; i < n->max && s >= 0; i++) {
        int32_t k = compile_node(m, n->kids[0], s);
        s = k < 0 ? -1 : nfa_add(m, N_SPLIT, 0, k, s);
      }
      for (int i = 0; i < n->min && s >= 0; i++) s = compile_node(m, n->kids[0], s);
      return s;
    }
  }
}

static void automaton_free(automaton *m) {
  if (!m) return;
  free(m->nfa), free(m->set_off), free(m->set_len), free(m->next), free(m->accept), free(m->sets);
  free(m->slots), free(m->stack), free(m->buf), free(m->mark);
  free(m);
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* The DFA state of the closure of `seeds` (n of them); -1 dead (empty), -3 out of room. */
static int32_t dfa_state(automaton *m, const int32_t *seeds, int n) {
  m->gen++;
  int sp = 0, len = 0, accept = 0;
  for (int i = 0; i < n; i++) m->stack[sp++] = seeds[i];
  while (sp > 0) {
    int32_t q = m->stack[--sp];
    if (m->mark[q] == m->gen) continue;
    m->mark[q] = m->gen;
    nstate *st = &m->nfa[q];
    if (st->kind == N_SPLIT) {
      m->stack[sp++] = st->a;
      m->stack[sp++] = st->b;
    } else {
      if (st->kind == N_ACCEPT) accept = 1;
      m->buf[len++] = q;
    }
  }
  if (len == 0) return -1;
  qsort(m->buf, (size_t)len, sizeof(int32_t), cmp_i32);
  uint32_t h = hash_bytes((const uint8_t *)m->buf, (size_t)len * sizeof(int32_t));
  uint32_t i = h & m->mask;
  for (; m->slots[i]; i = (i + 1) & m->mask) {
    int32_t d = (int32_t)m->slots[i] - 1;
    if (m->set_len[d] == len && memcmp(m->sets + m->set_off[d], m->buf, (size_t)len * sizeof(int32_t)) == 0)
      return d;
  }
  if (m->nd == DFA_MAX) return -3;
  if (m->sets_used + (size_t)len > m->sets_cap) {
    size_t cap = m->sets_cap * 2 + (size_t)len;
    int32_t *sets = realloc(m->sets, cap * sizeof(int32_t));
    if (!sets) return -3;
    m->sets = sets, m->sets_cap = cap;
  }
  int32_t d = m->nd++;
  memcpy(m->sets + m->sets_used, m->buf, (size_t)len * sizeof(int32_t));
  m->set_off[d] = (int32_t)m->sets_used, m->set_len[d] = len, m->accept[d] = (uint8_t)accept;
  m->sets_used += (size_t)len;
  for (int k = 0; k < 10; k++) m->next[d * 10 + k] = -2;
  m->slots[i] = (uint32_t)d + 1;
  return d;
}

/* Compiles `^...$`; NULL when the pattern is not in the subset (or no memory). */
static automaton *automaton_of(const char *pattern, size_t len) {
  if (len < 2 || pattern[0] != '^' || pattern[len - 1] != '$') return NULL;
  rparser r = {pattern + 1, pattern + len - 1, 0};
  anode *ast = parse_alt(&r);
  if (r.bad || r.p != r.end) return anode_free(ast), NULL;
  automaton *m = calloc(1, sizeof *m);
  if (!m) return anode_free(ast), NULL;
  int32_t accept = nfa_add(m, N_ACCEPT, 0, -1, -1);
  m->start = accept < 0 ? -1 : compile_node(m, ast, accept);
  anode_free(ast);
  m->set_off = malloc(DFA_MAX * sizeof(int32_t));
  m->set_len = malloc(DFA_MAX * sizeof(int32_t));
  m->next = malloc((size_t)DFA_MAX * 10 * sizeof(int32_t));
  m->accept = malloc(DFA_MAX);
  m->mask = DFA_MAX * 2 - 1;
  m->slots = calloc((size_t)m->mask + 1, sizeof(uint32_t));
  m->stack = malloc((size_t)(m->nn * 2 + 1024 + 2) * sizeof(int32_t)); /* seeds, then two per split state */
  m->buf = malloc((size_t)(m->nn + 1) * sizeof(int32_t));
  m->mark = calloc((size_t)m->nn + 1, sizeof(uint32_t));
  if (m->start < 0 || !m->set_off || !m->set_len || !m->next || !m->accept || !m->slots || !m->stack || !m->buf ||
      !m->mark || dfa_state(m, &m->start, 1) != 0)
    return automaton_free(m), NULL;
  return m;
}

/* 1 the pattern matches all of `c`, 0 not, -1 the DFA is out of room (ask the RegExp) */
static int automaton_test(automaton *m, const char *c, int n) {
  int32_t d = 0;
  for (int i = 0; i < n; i++) {
    unsigned k = (unsigned)c[i] - 48u;
    if (k > 9) return 0; /* every atom takes digits only */
    int32_t next = m->next[d * 10 + k];
    if (next == -2) { /* not computed yet: the states `d` steps to on `k` */
      int32_t seeds[1024];
      int ns = 0;
      for (int32_t j = 0; j < m->set_len[d]; j++) {
        nstate *st = &m->nfa[m->sets[m->set_off[d] + j]];
        if (st->kind == N_CHAR && (st->mask >> k & 1)) {
          if (ns == 1024) return -1;
          seeds[ns++] = st->a;
        }
      }
      next = ns == 0 ? -1 : dfa_state(m, seeds, ns);
      if (next == -3) return -1;
      m->next[d * 10 + k] = next;
    }
    if (next < 0) return 0;
    d = next;
  }
  return m->accept[d];
}

/* ---- hours: epoch-ms hour to exposure lines ---- */
typedef struct {
  int64_t *keys; /* hour + 1 (an hour may be 0), 0 free */
  double *vals;
  uint32_t mask, count;
} hours_t;

/* Counts one exposure line in its hour; 0 when out of memory (nothing counted). */
static int hours_add(hours_t *h, int64_t hour) {
  hour++;
  if ((h->count + 1) * 2 > h->mask + 1) {
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
  uint32_t i = (uint32_t)mix64((uint64_t)hour) & h->mask;
  for (; h->keys[i]; i = (i + 1) & h->mask)
    if (h->keys[i] == hour) return h->vals[i]++, 1;
  h->keys[i] = hour;
  h->vals[i] = 1;
  h->count++;
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
  automaton *dfa; /* the RegExp compiled, or NULL: the JS RegExp answers (cached) */
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
  automaton_free(s->dfa);
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

/* The RegExp's answer for a candidate: the automaton's, else the JS RegExp's, cached for all-digit ones. -1 when
   the JS call failed. */
static int is_mobile(napi_env env, scanner *s, const char *c, int n) {
  if (s->dfa) {
    int r = automaton_test(s->dfa, c, n);
    if (r >= 0) return r;
  }
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

/* A JS string's latin1 bytes, malloc'ed (NUL-terminated); NULL on failure. */
static char *string_of(napi_env env, napi_value v, size_t *len) {
  if (napi_get_value_string_latin1(env, v, NULL, 0, len) != napi_ok) return NULL;
  char *out = malloc(*len + 1);
  if (out && napi_get_value_string_latin1(env, v, out, *len + 1, len) != napi_ok) return free(out), NULL;
  return out;
}

/*
 * create(roles: Int32Array, params: Float64Array [from, to, maxLine, maxHosts, compile], partners: string[],
 *        callingCode, nationalPrefix, isMobile: (s) => boolean, names: string[], counts: Float64Array,
 *        keys: Float64Array, hosts: Int32Array, times: Float64Array, state: Int32Array, pattern) → scanner
 * With compile = 0 the pattern is not compiled: isMobile answers every candidate (once each, cached).
 */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value a[13];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc != 13) return throw_error(env, "create: 13 arguments");
  scanner *s = calloc(1, sizeof *s);
  if (!s || !strtab_init(&s->hosts, 0) || !strtab_init(&s->partner_hosts, 1)) return throw_error(env, "out of memory");
  napi_value external;
  if (napi_create_external(env, s, scanner_free, NULL, &external) != napi_ok) return scanner_free(env, s, NULL), NULL;

  size_t n, nparams, ncounts, nstate, nk, nhosts, nt;
  int32_t *roles = typed_data(env, a[0], napi_int32_array, &n);
  double *params = typed_data(env, a[1], napi_float64_array, &nparams);
  if (!roles || n == 0 || n > MAX_ROLES || !params || nparams < 5) return throw_error(env, "create: roles, params");
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
  if (params[4] != 0) {
    size_t plen;
    char *pattern = string_of(env, a[12], &plen);
    if (!pattern) return throw_error(env, "create: pattern");
    s->dfa = automaton_of(pattern, plen);
    free(pattern);
  }
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
    CHECK(napi_create_double(env, (double)(s->hours.keys[i] - 1), &v));
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

/* patternTest(pattern, candidates: string[]) → boolean[], or null when the pattern is not compiled (specs) */
static napi_value pattern_test(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2], out, v;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  size_t plen;
  char *pattern = argc == 2 ? string_of(env, a[0], &plen) : NULL;
  if (!pattern) return throw_error(env, "patternTest: (pattern, candidates)");
  automaton *m = automaton_of(pattern, plen);
  free(pattern);
  if (!m) {
    CHECK(napi_get_null(env, &out));
    return out;
  }
  uint32_t n;
  if (napi_get_array_length(env, a[1], &n) != napi_ok || napi_create_array(env, &out) != napi_ok)
    return automaton_free(m), NULL;
  for (uint32_t i = 0; i < n; i++) {
    size_t len;
    char *c = NULL;
    if (napi_get_element(env, a[1], i, &v) != napi_ok || !(c = string_of(env, v, &len))) return automaton_free(m), NULL;
    int r = automaton_test(m, c, (int)len);
    free(c);
    if (r < 0) return automaton_free(m), throw_error(env, "patternTest: out of room");
    if (napi_get_boolean(env, r == 1, &v) != napi_ok || napi_set_element(env, out, i, v) != napi_ok)
      return automaton_free(m), NULL;
  }
  automaton_free(m);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"patternTest", NULL, pattern_test, NULL, NULL, NULL, napi_default, NULL},
      {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"scan", NULL, scan, NULL, NULL, NULL, napi_default, NULL},
      {"results", NULL, results, NULL, NULL, NULL, napi_default, NULL},
      {"pseudonyms", NULL, candor_pseudonyms, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
