/* ${NAME} substitution: a step's command for one host (runbook/runbook.h).
 *
 * Every value is shell-quoted: a host's config value is data, never shell
 * syntax, whatever it holds (quotes, $(...), backticks, newlines). The one
 * exception in form, ${docker}, is a command prefix ("sudo docker"), so
 * each of its words is quoted on its own, as the containers command does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsdeck/runbook/runbook.h"
#include "opsdeck/shell_quote.h"

#define NAME_MAX_LEN 32

/* The value of placeholder name on host hc. *known false: not a placeholder.
 * NULL with *known true: the host has no such value. buf holds values that
 * are computed (redis_db, compose_dir). */
static const char *value_of(const char *name, const host_config *hc, bool *known, char *buf,
                            size_t size)
{
    static const struct {
        const char *name;
        size_t offset;
    } strings[] = {
#define S(field) {#field, offsetof(host_config, field)}
        {"host", offsetof(host_config, name)},
        S(env),
        S(ssh),
        S(docker),
        S(compose),
        S(metrics),
        S(health),
        S(ws_stats),
        S(prometheus),
        S(node_metrics),
        S(alertmanager),
        S(postgres),
        S(redis),
        S(identity),
        S(known_hosts),
        S(jump),
#undef S
    };
    *known = true;
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        if (!strcmp(name, strings[i].name))
            return hc ? *(char *const *)((const char *)hc + strings[i].offset) : NULL;
    if (!strcmp(name, "redis_db")) {
        if (!hc || !hc->redis)
            return NULL;
        snprintf(buf, size, "%d", hc->redis_db);
        return buf;
    }
    if (!strcmp(name, "compose_dir")) {
        const char *slash = hc && hc->compose ? strrchr(hc->compose, '/') : NULL;
        if (!slash)
            return hc && hc->compose ? "." : NULL;
        size_t n = slash == hc->compose ? 1 : (size_t)(slash - hc->compose);
        snprintf(buf, size, "%.*s", (int)n, hc->compose);
        return buf;
    }
    *known = false;
    return NULL;
}

bool runbook_placeholder_known(const char *name)
{
    bool known;
    char buf[32];
    value_of(name, NULL, &known, buf, sizeof(buf));
    return known;
}

static int substitute(const char *tmpl, const host_config *hc, bool quote, char *out, size_t size,
                      char *err, size_t errsize)
{
    const char *host = hc && hc->name ? hc->name : "?";
    size_t len = 0;
    if (size == 0)
        return -1;
    out[0] = '\0';
    for (const char *p = tmpl; *p;) {
        if (p[0] == '$' && p[1] == '$') {
            p += 2;
            if (len + 1 >= size)
                goto too_long;
            out[len++] = '$';
            out[len] = '\0';
            continue;
        }
        if (p[0] != '$' || p[1] != '{') {
            if (len + 1 >= size)
                goto too_long;
            out[len++] = *p++;
            out[len] = '\0';
            continue;
        }
        const char *close = strchr(p + 2, '}');
        size_t n = close ? (size_t)(close - (p + 2)) : 0;
        if (!close || n == 0 || n >= NAME_MAX_LEN) {
            snprintf(err, errsize, "%s: '%.40s': a ${ without a name and } (write $$ for a $)",
                     host, p);
            return -1;
        }
        char name[NAME_MAX_LEN];
        memcpy(name, p + 2, n);
        name[n] = '\0';
        bool known;
        char buf[1024];
        const char *v = value_of(name, hc, &known, buf, sizeof(buf));
        if (!known) {
            snprintf(err, errsize, "%s: ${%s} is not a host value", host, name);
            return -1;
        }
        if (!v) {
            snprintf(err, errsize, "%s: ${%s} is not set for this host", host, name);
            return -1;
        }
        bool ok;
        if (!quote) {
            ok = len + strlen(v) < size;
            if (ok) {
                memcpy(out + len, v, strlen(v) + 1);
                len += strlen(v);
            }
        } else if (!strcmp(name, "docker")) {
            ok = shell_quote_words(out, size, &len, v);
        } else {
            ok = shell_quote_append(out, size, &len, v, strlen(v));
        }
        if (!ok)
            goto too_long;
        p = close + 1;
    }
    return 0;
too_long:
    snprintf(err, errsize, "%s: the command is longer than %zu bytes after substitution", host,
             size - 1);
    return -1;
}

int runbook_substitute(const char *tmpl, const host_config *hc, char *out, size_t size, char *err,
                       size_t errsize)
{
    return substitute(tmpl, hc, true, out, size, err, errsize);
}

int runbook_expand(const char *tmpl, const host_config *hc, char *out, size_t size, char *err,
                   size_t errsize)
{
    return substitute(tmpl, hc, false, out, size, err, errsize);
}
