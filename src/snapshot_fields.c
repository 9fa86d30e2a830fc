/* The snapshot's shared pieces (snapshot_fields.h). */
#include "opsdeck/snapshot_fields.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/sanitize.h"
#include "opsdeck/signals/levels.h"

/* jansson rejects invalid UTF-8; a host may send some. Control bytes are
 * legal in JSON strings (escaped), so only the encoding is repaired here. */
json_t *snapshot_remote_string(const char *s)
{
    if (!s)
        return json_null();
    size_t len = strlen(s);
    json_t *j = json_stringn(s, len);
    if (j)
        return j;
    char *fixed = sanitize_dup(s, len, SANITIZE_KEEP_NEWLINES);
    j = json_string(fixed ? fixed : "");
    free(fixed);
    return j;
}

json_t *snapshot_number(double v)
{
    return (isnan(v) || v < 0) ? json_null() : json_real(v);
}

json_t *snapshot_figure(bool known, double v)
{
    return known ? snapshot_number(v) : json_null();
}

json_t *snapshot_count(bool known, long long v)
{
    return known ? json_integer(v) : json_null();
}

json_t *snapshot_list(bool known, json_t *array)
{
    if (known)
        return array;
    json_decref(array);
    return json_null();
}

json_t *snapshot_embedded_json(const char *text)
{
    if (!text)
        return json_object();
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
    return j ? j : snapshot_remote_string(text);
}

void snapshot_put_clean(FILE *out, const char *s)
{
    char buf[1024];
    sanitize_text(s, strlen(s), buf, sizeof(buf), SANITIZE_ONE_LINE);
    fputs(buf, out);
}

void snapshot_put_figure(FILE *out, const char *label, double v, double scale, const char *fmt,
                         const char *unit)
{
    fprintf(out, " %s ", label);
    if (!signal_known(v)) {
        fputc('-', out);
    } else {
        fprintf(out, fmt, v * scale);
        fputs(unit, out);
    }
}
