/* The WebSocket statistics endpoint's answer (`ws_stats =`): a JSON object
 * with active_connections and total_messages_sent (numbers), and where
 * given total_broadcasts and last_broadcast_at. A pure parser over the body,
 * fuzzed (fuzz/ws_fuzz.c). */
#ifndef OPSDECK_PARSE_WS_JSON_H
#define OPSDECK_PARSE_WS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "opsdeck/model.h"

/* Fills the counters of w (not messages_per_s); false with err when the
 * body is not them. body is NUL-terminated. */
bool ws_parse(const char *body, ws_sample *w, char *err, size_t errsize);

#endif
