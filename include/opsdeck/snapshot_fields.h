/* The pieces every source writes its part of the snapshot with (its
 * source_ops write_json and write_text), so that all sources say "unknown"
 * and show remote text the same way.
 *
 * JSON: a source that is not ok knows no figure. What the model holds is
 * then either nothing yet (zeros) or an older sample, and a script must
 * never read "0 requests per second" from a dead source: its figures,
 * counts and lists are null (`known` false); ok, error and age_s say what
 * happened. Strings from hosts go out as they came (jansson escapes them),
 * invalid UTF-8 repaired.
 *
 * Text: for a person, remote text sanitized onto one line. */
#ifndef OPSDECK_SNAPSHOT_FIELDS_H
#define OPSDECK_SNAPSHOT_FIELDS_H

#include <stdbool.h>
#include <stdio.h>

struct json_t;

/* A host's string as JSON: as received, invalid UTF-8 repaired; null for
 * NULL. */
struct json_t *snapshot_remote_string(const char *s);
/* A number, or null when unknown (negative or NaN by the model's rules). */
struct json_t *snapshot_number(double v);
/* snapshot_number(v), or null when not known. */
struct json_t *snapshot_figure(bool known, double v);
/* An integer, or null when not known. */
struct json_t *snapshot_count(bool known, long long v);
/* array (taken), or null when not known (array is then freed). */
struct json_t *snapshot_list(bool known, struct json_t *array);
/* JSON text we or a host produced, parsed; as a string when it is not
 * JSON; an empty object for NULL. */
struct json_t *snapshot_embedded_json(const char *text);

/* Remote text, sanitized onto one line. */
void snapshot_put_clean(FILE *out, const char *s);
/* " label value unit" with value * scale printed by fmt; "-" for a value
 * that is NaN or negative (unknown). */
void snapshot_put_figure(FILE *out, const char *label, double v, double scale, const char *fmt,
                         const char *unit);

#endif
