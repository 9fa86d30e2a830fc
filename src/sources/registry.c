/* The sources this build has, by kind. */
#include "opsdeck/sources/source.h"

const source_ops *const source_registry[SRC_COUNT] = {
    [SRC_CONTAINERS] = NULL,
};
