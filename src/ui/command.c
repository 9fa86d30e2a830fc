/* Parsing the `:` command line. See include/opsdeck/ui/command.h. */
#include "opsdeck/ui/command.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    command_kind kind;
    int nargs; /* 0, 1, or OPTIONAL (0 or 1) */
} verbs[] = {
    {"env", CMD_ENV, 1},          {"host", CMD_HOST, 1},     {"panel", CMD_PANEL, 1},
    {"quit", CMD_QUIT, 0},        {"q", CMD_QUIT, 0},        {"help", CMD_HELP, 0},
    {"restart", CMD_ACTION, 2},   {"cancel", CMD_ACTION, 2}, {"terminate", CMD_ACTION, 2},
    {"kill-idle", CMD_ACTION, 0}, {"flush", CMD_ACTION, 0},  {"run", CMD_RUN, 1},
};

#define OPTIONAL 2

/* Copies the next space-separated word of *p into buf; returns its length. */
static size_t next_word(const char **p, char *buf, size_t size)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\t')
        n++;
    size_t copy = n < size ? n : size - 1;
    memcpy(buf, s, copy);
    buf[copy] = '\0';
    *p = s + n;
    return n;
}

void command_parse(const char *line, command *out)
{
    memset(out, 0, sizeof(*out));
    const char *p = line;
    char verb[64], extra[64];
    if (next_word(&p, verb, sizeof(verb)) == 0) {
        out->kind = CMD_NONE;
        return;
    }
    size_t nverbs = sizeof(verbs) / sizeof(*verbs);
    size_t i = 0;
    while (i < nverbs && strcmp(verbs[i].name, verb) != 0)
        i++;
    out->kind = CMD_INVALID;
    if (i == nverbs) {
        snprintf(out->message, sizeof(out->message),
                 "unknown command ':%.40s' (:env :host :panel :help :quit :restart :cancel "
                 ":terminate :kill-idle :flush :run)",
                 verb);
        return;
    }
    size_t arglen = next_word(&p, out->arg, sizeof(out->arg));
    if (verbs[i].nargs == 1 && arglen == 0) {
        snprintf(out->message, sizeof(out->message), ":%s needs a name", verbs[i].name);
        return;
    }
    if ((verbs[i].nargs == 0 && arglen > 0) || next_word(&p, extra, sizeof(extra)) > 0) {
        snprintf(out->message, sizeof(out->message), ":%s takes %s", verbs[i].name,
                 verbs[i].nargs == 0   ? "no argument"
                 : verbs[i].nargs == 1 ? "one name"
                                       : "at most one name");
        return;
    }
    if (arglen >= sizeof(out->arg)) {
        snprintf(out->message, sizeof(out->message), ":%s: name too long", verbs[i].name);
        return;
    }
    out->kind = verbs[i].kind;
    if (out->kind == CMD_ACTION)
        snprintf(out->action, sizeof(out->action), "%s", verbs[i].name);
}
