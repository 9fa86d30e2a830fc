/* The WebSocket statistics answer. See include/opsdeck/parse/ws_json.h. */
#include "opsdeck/parse/ws_json.h"

#include <jansson.h>
#include <stdio.h>

static bool number_field(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}

/* Parses the counters into w; false with err when the body is not them. */
bool ws_parse(const char *body, ws_sample *w, char *err, size_t errsize)
{
    json_error_t jerr;
    json_t *o = json_loads(body, 0, &jerr);
    if (!json_is_object(o)) {
        snprintf(err, errsize, "not a JSON object (line %d: %s)", jerr.line, jerr.text);
        json_decref(o);
        return false;
    }
    bool ok = number_field(o, "active_connections", &w->active_connections) &&
              number_field(o, "total_messages_sent", &w->total_messages_sent);
    if (!number_field(o, "total_broadcasts", &w->total_broadcasts))
        w->total_broadcasts = -1;
    json_t *last = json_object_get(o, "last_broadcast_at");
    w->last_broadcast_at[0] = '\0';
    if (json_is_string(last))
        snprintf(w->last_broadcast_at, sizeof(w->last_broadcast_at), "%s", json_string_value(last));
    else if (json_is_number(last))
        snprintf(w->last_broadcast_at, sizeof(w->last_broadcast_at), "%.3f",
                 json_number_value(last));
    json_decref(o);
    if (!ok)
        snprintf(err, errsize, "no active_connections or total_messages_sent number in the answer");
    return ok;
}
