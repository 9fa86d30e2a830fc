/* Parsing the `:` command line. See include/opsdeck/ui/command.h. */
#include "opsdeck/ui/command.h"

#include <stdio.h>
#include <string.h>

#include "opsdeck/action_table.h"

static const struct {
    const char *name;
    command_kind kind;
    int nargs; /* 0, 1, or OPTIONAL (0 or 1) */
} verbs[] = {
    {"env", CMD_ENV, 1},
    {"host", CMD_HOST, 1},
    {"panel", CMD_PANEL, 1},
    {"quit", CMD_QUIT, 0},
    {"q", CMD_QUIT, 0},
    {"help", CMD_HELP, 0},
    {"reconnect", CMD_RECONNECT, 0},
    {"run", CMD_RUN, 1},
    {"logs", CMD_LOGS, 2 /* OPTIONAL */},
};

#define OPTIONAL 2

typedef struct verb {
    const char *name;
    command_kind kind;
    int nargs;
} verb;

/* The verb named, from the table above or the actions' (action_table.h):
 * an action on a row takes an optional target, one on the host none. */
static bool find_verb(const char *name, verb *out)
{
    for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++)
        if (!strcmp(verbs[i].name, name)) {
            *out = (verb){verbs[i].name, verbs[i].kind, verbs[i].nargs};
            return true;
        }
    const builtin_action *a = builtin_action_find(name);
    if (!a)
        return false;
    *out = (verb){a->name, CMD_ACTION, a->target == ACTION_TARGET_HOST ? 0 : OPTIONAL};
    return true;
}

/* ":env :host ... :restart ..." for the unknown-command message. */
static void list_verbs(char *buf, size_t size)
{
    static const char *const shown[] = {"env",  "host",      "panel", "help",
                                        "quit", "reconnect", "logs",  "run"};
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(shown) / sizeof(*shown) + builtin_actions_count; i++) {
        const char *name = i < sizeof(shown) / sizeof(*shown)
                               ? shown[i]
                               : builtin_actions[i - sizeof(shown) / sizeof(*shown)].name;
        int n = snprintf(buf + len, size - len, "%s:%s", len ? " " : "", name);
        if (n < 0 || (size_t)n >= size - len)
            break;
        len += (size_t)n;
    }
}

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
    char word[64], extra[64];
    if (next_word(&p, word, sizeof(word)) == 0) {
        out->kind = CMD_NONE;
        return;
    }
    out->kind = CMD_INVALID;
    verb v;
    if (!find_verb(word, &v)) {
        char names[160];
        list_verbs(names, sizeof(names));
        snprintf(out->message, sizeof(out->message), "unknown command ':%.40s' (%.120s)", word,
                 names); /* bounded: -O1 (make sanitize) sees a possible cut */
        return;
    }
    size_t arglen = next_word(&p, out->arg, sizeof(out->arg));
    if (v.nargs == 1 && arglen == 0) {
        snprintf(out->message, sizeof(out->message), ":%s needs a name", v.name);
        return;
    }
    if ((v.nargs == 0 && arglen > 0) || next_word(&p, extra, sizeof(extra)) > 0) {
        snprintf(out->message, sizeof(out->message), ":%s takes %s", v.name,
                 v.nargs == 0   ? "no argument"
                 : v.nargs == 1 ? "one name"
                                : "at most one name");
        return;
    }
    if (arglen >= sizeof(out->arg)) {
        snprintf(out->message, sizeof(out->message), ":%s: name too long", v.name);
        return;
    }
    out->kind = v.kind;
    if (out->kind == CMD_ACTION)
        snprintf(out->action, sizeof(out->action), "%s", v.name);
}
