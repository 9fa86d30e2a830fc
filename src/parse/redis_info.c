/* INFO's "key:value" lines (see redis_info.h). */
#include "opsdeck/parse/redis_info.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_int64(const char *s, size_t len, int64_t *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    long long v = strtoll(buf, &end, 10);
    if (*end)
        return false;
    *out = v;
    return true;
}

/* "keys=12,expires=0,avg_ttl=0" -> 12 */
static void parse_db_keys(const char *v, size_t len, int64_t *out)
{
    if (len > 5 && !strncmp(v, "keys=", 5)) {
        /* bounded by the value: the answer is not NUL-terminated here
         * (strcspn read past its end: found by fuzz/redis_info_fuzz.c) */
        const char *comma = memchr(v + 5, ',', len - 5);
        parse_int64(v + 5, comma ? (size_t)(comma - (v + 5)) : len - 5, out);
    }
}

static void take_field(redis_info *info, const char *key, size_t klen, const char *v, size_t vlen,
                       const char *db_key, bool *has_version, bool *has_memory)
{
#define IS(name) (klen == sizeof(name) - 1 && !memcmp(key, name, klen))
    if (IS("redis_version")) {
        snprintf(info->version, sizeof(info->version), "%.*s", (int)vlen, v);
        *has_version = true;
    } else if (IS("used_memory")) {
        *has_memory = parse_int64(v, vlen, &info->used_memory);
    } else if (IS("maxmemory")) {
        parse_int64(v, vlen, &info->maxmemory);
    } else if (IS("connected_clients")) {
        parse_int64(v, vlen, &info->connected_clients);
    } else if (IS("instantaneous_ops_per_sec")) {
        int64_t ops = 0;
        if (parse_int64(v, vlen, &ops))
            info->ops_per_sec = (double)ops;
    } else if (IS("keyspace_hits")) {
        parse_int64(v, vlen, &info->keyspace_hits);
    } else if (IS("keyspace_misses")) {
        parse_int64(v, vlen, &info->keyspace_misses);
    } else if (IS("evicted_keys")) {
        parse_int64(v, vlen, &info->evicted_keys);
    } else if (klen == strlen(db_key) && !memcmp(key, db_key, klen)) {
        parse_db_keys(v, vlen, &info->db_keys);
    }
#undef IS
}

int redis_info_parse(const char *text, size_t len, int db, redis_info *out, char *err,
                     size_t errsize)
{
    memset(out, 0, sizeof(*out));
    if (len > REDIS_INFO_MAX) {
        snprintf(err, errsize, "INFO answer larger than %d bytes", REDIS_INFO_MAX);
        return -1;
    }
    char db_key[32];
    snprintf(db_key, sizeof(db_key), "db%d", db);
    bool has_version = false, has_memory = false;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        size_t n = (size_t)(line_end - p);
        if (n && p[n - 1] == '\r')
            n--;
        const char *colon = n && p[0] != '#' ? memchr(p, ':', n) : NULL;
        if (colon)
            take_field(out, p, (size_t)(colon - p), colon + 1, n - (size_t)(colon - p) - 1, db_key,
                       &has_version, &has_memory);
        p = eol ? eol + 1 : end;
    }
    if (!has_version || !has_memory) {
        snprintf(err, errsize, "not an INFO answer (no redis_version or used_memory)");
        return -1;
    }
    return 0;
}
