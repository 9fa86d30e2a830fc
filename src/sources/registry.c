/* The sources this build has, by kind. */
#include "opsdeck/sources/source.h"

extern const source_ops containers_source;
extern const source_ops golden_source;
extern const source_ops health_source;
extern const source_ops ws_source;
extern const source_ops alerts_source;
extern const source_ops postgres_source;
extern const source_ops redis_source;

const source_ops *const source_registry[SRC_COUNT] = {
    [SRC_CONTAINERS] = &containers_source, [SRC_GOLDEN] = &golden_source,
    [SRC_HEALTH] = &health_source,         [SRC_WS] = &ws_source,
    [SRC_ALERTS] = &alerts_source,         [SRC_POSTGRES] = &postgres_source,
    [SRC_REDIS] = &redis_source,
};
