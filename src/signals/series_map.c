/* An open-addressing hash table (linear probing, FNV-1a, at most half
 * full). A scrape marks what it sees with a generation number; forgetting
 * the rest rebuilds the table, which happens only when series went away. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/signals/quantile.h"
#include "opsdeck/signals/series_map.h"

typedef struct entry {
    char *key; /* NULL: empty slot */
    size_t len;
    uint64_t hash;
    double value;
    unsigned gen;
} entry;

struct series_map {
    entry *slots;
    size_t cap, count;
    unsigned gen;
    bool full;
};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

series_map *series_map_new(void)
{
    series_map *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->cap = 1024;
    m->slots = calloc(m->cap, sizeof(entry));
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void series_map_free(series_map *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    free(m);
}

static entry *slot_for(entry *slots, size_t cap, uint64_t hash, const char *key, size_t len)
{
    size_t i = (size_t)hash & (cap - 1);
    for (;; i = (i + 1) & (cap - 1)) {
        entry *e = &slots[i];
        if (!e->key || (e->hash == hash && e->len == len && memcmp(e->key, key, len) == 0))
            return e;
    }
}

/* Moves the entries kept into a table of cap slots. */
static bool rehash(series_map *m, size_t cap, bool keep_unseen)
{
    entry *slots = calloc(cap, sizeof(entry));
    if (!slots)
        return false;
    size_t count = 0;
    for (size_t i = 0; i < m->cap; i++) {
        entry *e = &m->slots[i];
        if (!e->key)
            continue;
        if (!keep_unseen && e->gen != m->gen) {
            free(e->key);
            continue;
        }
        *slot_for(slots, cap, e->hash, e->key, e->len) = *e;
        count++;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->count = count;
    return true;
}

void series_map_begin(series_map *m)
{
    m->gen++;
    m->full = false;
}

double series_map_update(series_map *m, const char *key, size_t len, double cur)
{
    uint64_t hash = fnv1a(key, len);
    entry *e = slot_for(m->slots, m->cap, hash, key, len);
    if (e->key) {
        double inc = e->gen == m->gen
                         ? NAN
                         : counter_increase(
                               e->value, cur); /* twice in one scrape: not a counter we can trust */
        e->value = cur;
        e->gen = m->gen;
        return inc;
    }
    if (m->count >= SERIES_MAP_MAX) {
        m->full = true;
        return NAN;
    }
    if ((m->count + 1) * 2 > m->cap) {
        if (!rehash(m, m->cap * 2, true)) {
            m->full = true;
            return NAN;
        }
        e = slot_for(m->slots, m->cap, hash, key, len);
    }
    e->key = malloc(len ? len : 1);
    if (!e->key) {
        m->full = true;
        return NAN;
    }
    memcpy(e->key, key, len);
    e->len = len;
    e->hash = hash;
    e->value = cur;
    e->gen = m->gen;
    m->count++;
    return NAN;
}

void series_map_end(series_map *m)
{
    size_t seen = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].gen == m->gen)
            seen++;
    if (seen != m->count)
        rehash(m, m->cap, false);
}

size_t series_map_count(const series_map *m)
{
    return m->count;
}

bool series_map_full(const series_map *m)
{
    return m->full;
}

void series_key(const prom_sample *s, const char **key, size_t *len)
{
    const char *start = s->name.p, *end = s->name.p + s->name.len;
    for (size_t i = 0; i < s->nlabels; i++) {
        const prom_label *l = &s->labels[i];
        if (l->name.p < start)
            start = l->name.p;
        if (l->value.p + l->value.len > end)
            end = l->value.p + l->value.len;
    }
    *key = start;
    *len = (size_t)(end - start);
}
