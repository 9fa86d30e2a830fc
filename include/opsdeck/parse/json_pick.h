/* A few numbers out of a JSON text, without building it: the engine's
 * stats answer is read every refresh for every running container, and
 * jansson's tree of it (every key hashed, every value allocated) was one
 * sixth of the console's own instructions. Pure over bytes; the text came
 * from a host. */
#ifndef OPSDECK_PARSE_JSON_PICK_H
#define OPSDECK_PARSE_JSON_PICK_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_PICK_MAX 32 /* picks per call */

/* One wanted value: its keys from the top object down (NULL ended). As in
 * a parsed tree, the last of duplicate keys is the one that counts. */
typedef struct json_pick {
    const char *const *path;
    bool found;       /* a number there: value */
    double value;     /* (a number past a double's range: +-inf) */
    size_t array_len; /* an array there: its length; else 0 */
} json_pick;

/* Checks that buf is one JSON value (whitespace around it only; nesting
 * at most 2048 deep) and fills the picks. Returns 1 when the value is an
 * object, 0 another value, -1 not JSON. */
int json_pick_numbers(const char *buf, size_t len, json_pick *picks, size_t npicks);

#endif
