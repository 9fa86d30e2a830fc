/* Alertmanager's alerts (see alerts_json.h). */
#include "opsdeck/parse/alerts_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "opsdeck/alert_counts.h"
#include "opsdeck/numbers.h"
#include "opsdeck/utf8_copy.h"

double alerts_parse_time(const char *text)
{
    struct tm tm = {0};
    const char *rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest)
        return 0;
    double frac = 0;
    if (*rest == '.') {
        char *end;
        frac = num_strtod(rest, &end);
        rest = end;
    }
    long offset = 0;
    if (*rest == '+' || *rest == '-') {
        int hh, mm;
        if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2)
            return 0;
        offset = (hh * 3600L + mm * 60L) * (*rest == '+' ? 1 : -1);
    } else if (*rest != 'Z') {
        return 0;
    }
    return (double)(timegm(&tm) - offset) + frac;
}

static const char *string_at(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static bool fill_alert(json_t *a, alert_info *ai)
{
    json_t *labels = json_object_get(a, "labels");
    json_t *annotations = json_object_get(a, "annotations");
    json_t *status = json_object_get(a, "status");
    if (!json_is_object(labels))
        return false;
    utf8_copy(ai->name, sizeof(ai->name), string_at(labels, "alertname"));
    utf8_copy(ai->severity, sizeof(ai->severity), string_at(labels, "severity"));
    utf8_copy(ai->state, sizeof(ai->state),
              json_is_object(status) ? string_at(status, "state") : "unprocessed");
    utf8_copy(ai->starts_at, sizeof(ai->starts_at), string_at(a, "startsAt"));
    ai->starts_at_epoch = alerts_parse_time(ai->starts_at);
    const char *summary = "";
    if (json_is_object(annotations)) {
        summary = string_at(annotations, "summary");
        if (!*summary)
            summary = string_at(annotations, "description");
    }
    utf8_copy(ai->summary, sizeof(ai->summary), summary);
    ai->labels_json = json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS);
    ai->annotations_json =
        json_is_object(annotations) ? json_dumps(annotations, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    return true;
}

static int by_severity_then_age(const void *pa, const void *pb)
{
    const alert_info *a = pa, *b = pb;
    int ra = alert_severity_rank(a->severity), rb = alert_severity_rank(b->severity);
    if (ra != rb)
        return ra - rb;
    if (a->starts_at_epoch != b->starts_at_epoch)
        return a->starts_at_epoch < b->starts_at_epoch ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* Here, beside the parser that allocates what it frees. */
void alerts_sample_clear(alerts_sample *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->items[i].labels_json);
        free(s->items[i].annotations_json);
    }
    free(s->items);
    s->items = NULL;
    s->count = 0;
}

int alerts_parse(const char *json, size_t len, alerts_sample *out, char *err, size_t errsize)
{
    memset(out, 0, sizeof(*out));
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    if (!json_is_array(root)) {
        if (root)
            snprintf(err, errsize, "expected a JSON array of alerts");
        else
            snprintf(err, errsize, "not JSON (line %d: %s)", jerr.line, jerr.text);
        json_decref(root);
        return -1;
    }
    size_t n = json_array_size(root);
    if (n > ALERTS_MAX)
        n = ALERTS_MAX;
    out->items = calloc(n ? n : 1, sizeof(*out->items));
    if (!out->items) {
        json_decref(root);
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(root, i);
        if (json_is_object(a) && fill_alert(a, &out->items[out->count]))
            out->count++;
    }
    json_decref(root);
    qsort(out->items, out->count, sizeof(*out->items), by_severity_then_age);
    return 0;
}
