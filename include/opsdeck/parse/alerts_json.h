/* Alertmanager's GET /api/v2/alerts answer, parsed into the model's alerts:
 * every alert (active, suppressed, unprocessed), most severe first, then
 * oldest first. Pure: bytes in, alerts out. */
#ifndef OPSDECK_PARSE_ALERTS_JSON_H
#define OPSDECK_PARSE_ALERTS_JSON_H

#include <stddef.h>

#include "opsdeck/model.h"

#define ALERTS_MAX 1000 /* the first this many of the answer are kept, the rest left out */

/* Returns 0 and the alerts (owned by the caller: free with
 * alerts_sample_clear), or -1 with err saying why the answer is refused. */
int alerts_parse(const char *json, size_t len, alerts_sample *out, char *err, size_t errsize);

/* "2026-11-25T04:00:00.123Z" or with an offset -> seconds since the epoch;
 * 0 when it is not such a time. */
double alerts_parse_time(const char *text);

#endif
