/* "Needs attention" and "What changed" in the snapshot: the same ranked
 * list the overview shows (attention.h), so a cron mail or a chat bot says
 * what is wrong first; and the ring of changes. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "opsdeck/attention.h"
#include "opsdeck/runbook/runbook.h"
#include "opsdeck/sanitize.h"
#include "opsdeck/snapshot.h"
#include "opsdeck/ui/text.h"

#define TEXT_CHANGES_MAX 10 /* the text lists the newest few; JSON has them all */

static attention_list list; /* large: not on the stack */

static void rfc3339(double t, char *buf, size_t size)
{
    time_t secs = (time_t)t;
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The ranked list, each line with the runbook for it when one is written. */
static void collect(const fleet_model *m, double now)
{
    attention_collect(m, NULL, now, &list);
    if (!m->config)
        return;
    char dir[4096];
    runbook_set set = {0};
    runbook_problems problems = {0};
    runbook_set_load(runbook_find_dir(m->config, dir, sizeof(dir)), m->config, &set, &problems);
    attention_suggest_runbooks(m, &set, &list);
    runbook_set_free(&set);
    runbook_problems_free(&problems);
}

json_t *snapshot_attention_json(const fleet_model *m, double now)
{
    collect(m, now);
    json_t *a = json_array();
    for (size_t i = 0; i < list.count; i++) {
        const attention_item *it = &list.items[i];
        char since[32];
        rfc3339(it->since, since, sizeof(since));
        json_t *o = json_object();
        json_object_set_new(o, "severity", json_string(attention_severity_name(it->severity)));
        json_object_set_new(o, "host", json_string(m->hosts[it->host].config->name));
        json_object_set_new(o, "kind", json_string(attention_kind_name(it->kind)));
        json_object_set_new(o, "what", snapshot_remote_string(it->what));
        json_object_set_new(o, "since", json_string(since));
        json_object_set_new(o, "for_s", json_real(now > it->since ? now - it->since : 0));
        json_object_set_new(o, "remedy", it->remedy[0] ? json_string(it->remedy) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

json_t *snapshot_changes_json(const fleet_model *m)
{
    json_t *a = json_array();
    const change *c;
    for (size_t i = 0; (c = change_ring_newest(&m->changes, i)); i++) {
        char at[32];
        rfc3339(c->at, at, sizeof(at));
        json_t *o = json_object();
        json_object_set_new(o, "at", json_string(at));
        json_object_set_new(o, "host", snapshot_remote_string(c->host));
        json_object_set_new(o, "kind", json_string(change_kind_name(c->kind)));
        json_object_set_new(o, "what", snapshot_remote_string(c->what));
        json_object_set_new(o, "who", c->who[0] ? snapshot_remote_string(c->who) : json_null());
        json_object_set_new(o, "result",
                            c->result[0] ? snapshot_remote_string(c->result) : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static void put_clean(FILE *out, const char *s)
{
    char buf[1024];
    sanitize_text(s, strlen(s), buf, sizeof(buf), SANITIZE_ONE_LINE);
    fputs(buf, out);
}

void snapshot_attention_text(const fleet_model *m, double now, FILE *out)
{
    collect(m, now);
    fprintf(out, "\nNeeds attention (%zu)\n", list.count);
    if (!list.count)
        fputs("  nothing: every check passes\n", out);
    for (size_t i = 0; i < list.count; i++) {
        const attention_item *it = &list.items[i];
        char age[24];
        fprintf(out, "  %-8s %s  ", attention_severity_name(it->severity),
                m->hosts[it->host].config->name);
        put_clean(out, it->what);
        fprintf(out, "  for %s", fmt_age(now - it->since, age, sizeof(age)));
        if (it->remedy[0])
            fprintf(out, "  [%s]", it->remedy);
        fputc('\n', out);
    }
    if (!m->changes.count)
        return;
    fputs("\nWhat changed (newest first)\n", out);
    const change *c;
    for (size_t i = 0; i < TEXT_CHANGES_MAX && (c = change_ring_newest(&m->changes, i)); i++) {
        char at[32];
        rfc3339(c->at, at, sizeof(at));
        fprintf(out, "  %s %s  ", at, c->host);
        put_clean(out, c->what);
        if (c->who[0]) {
            fputs(" by ", out);
            put_clean(out, c->who);
            fputs(": ", out);
            put_clean(out, c->result);
        }
        fputc('\n', out);
    }
}
