/* Redis's INFO answer, the figures opsdeck shows. Pure. */
#ifndef OPSDECK_PARSE_REDIS_INFO_H
#define OPSDECK_PARSE_REDIS_INFO_H

#include <stddef.h>
#include <stdint.h>

typedef struct redis_info {
    char version[32];
    int64_t used_memory, maxmemory;
    int64_t connected_clients;
    double ops_per_sec;
    int64_t keyspace_hits, keyspace_misses;
    int64_t evicted_keys;
    int64_t db_keys; /* keys of the database asked for (0 when it has none) */
} redis_info;

#define REDIS_INFO_MAX (1024 * 1024) /* a bigger answer is refused */

/* Returns 0, or -1 with err when text is not an INFO answer. */
int redis_info_parse(const char *text, size_t len, int db, redis_info *out, char *err,
                     size_t errsize);

#endif
