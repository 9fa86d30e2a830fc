/* The sources this build has, by kind. */
#include "opsdeck/sources/source.h"

extern const source_ops containers_source;

const source_ops *const source_registry[SRC_COUNT] = {
    [SRC_CONTAINERS] = &containers_source,
};
