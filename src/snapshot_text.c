/* The snapshot as text, for a person: per host its state, then each
 * configured source with its age (or why it failed) and its figures, which
 * the source writes itself (source_ops.write_text). Remote text is
 * sanitized; nothing here decides the exit status (snapshot.c). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "opsdeck/snapshot.h"
#include "opsdeck/sources/source.h"

static void text_source_line(FILE *out, const host_model *h, source_kind k, double now)
{
    const source_status *s = &h->status[k];
    double age = model_source_age(h, k, now);
    fprintf(out, "  %-10s ", source_kind_name(k));
    if (s->ok)
        fprintf(out, "ok (age %.0fs)", age);
    else if (age >= 0)
        fprintf(out, "STALE (age %.0fs): ", age);
    else
        fprintf(out, "FAILED: ");
    if (!s->ok)
        snapshot_put_clean(out, s->error);
    fputc('\n', out);
}

int snapshot_write_text(const fleet_model *m, int interval_s, double taken_at, FILE *out)
{
    char when[32];
    time_t secs = (time_t)taken_at;
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(out, "opsdeck %s snapshot %s (interval %ds)\n", OPSDECK_VERSION, when, interval_s);
    snapshot_attention_text(m, taken_at, out);
    for (size_t i = 0; i < m->nhosts; i++) {
        const host_model *h = &m->hosts[i];
        fprintf(out, "\n%s [%s] %s", h->config->name, h->config->env, host_state_name(h->state));
        if (h->error[0]) {
            fputs(": ", out);
            snapshot_put_clean(out, h->error);
        }
        fputc('\n', out);
        for (int k = 0; k < SRC_COUNT; k++) {
            if (!h->status[k].configured || !source_registry[k])
                continue;
            text_source_line(out, h, (source_kind)k, taken_at);
            if (h->status[k].has_sample && source_registry[k]->write_text)
                source_registry[k]->write_text(out, h);
        }
    }
    return ferror(out) ? -1 : 0;
}
