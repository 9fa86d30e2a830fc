/* Theme parsing: pure functions over text. See include/opsdeck/ui/theme.h. */
#include "opsdeck/ui/theme.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const role_names[THEME_COUNT] = {
    [THEME_NORMAL] = "normal",
    [THEME_HEADER] = "header",
    [THEME_TAB] = "tab",
    [THEME_TAB_ACTIVE] = "tab_active",
    [THEME_PRODUCTION] = "production",
    [THEME_READONLY] = "readonly",
    [THEME_TITLE] = "title",
    [THEME_SELECTED] = "selected",
    [THEME_OK] = "ok",
    [THEME_WARN] = "warn",
    [THEME_CRIT] = "crit",
    [THEME_STALE] = "stale",
    [THEME_DIM] = "dim",
    [THEME_STATUS] = "status",
    [THEME_ERROR] = "error",
    [THEME_DIALOG] = "dialog",
};

static const char *const color_names[8] = {"black", "red",     "green", "yellow",
                                           "blue",  "magenta", "cyan",  "white"};

static const struct {
    const char *name;
    unsigned bit;
} attr_names[] = {
    {"bold", THEME_ATTR_BOLD},         {"dim", THEME_ATTR_DIM},
    {"reverse", THEME_ATTR_REVERSE},   {"underline", THEME_ATTR_UNDERLINE},
    {"standout", THEME_ATTR_STANDOUT},
};

const char *theme_role_name(theme_role role)
{
    return role >= 0 && role < THEME_COUNT ? role_names[role] : "?";
}

int theme_role_from_name(const char *name)
{
    for (int i = 0; i < THEME_COUNT; i++)
        if (strcmp(role_names[i], name) == 0)
            return i;
    return -1;
}

static theme_style style(int fg, int bg, unsigned attrs)
{
    return (theme_style){.fg = fg, .bg = bg, .attrs = attrs};
}

enum { BLACK, RED, GREEN, YELLOW, BLUE, MAGENTA, CYAN, WHITE };
#define DEF THEME_COLOR_DEFAULT

void theme_builtin_default(theme *t)
{
    t->roles[THEME_NORMAL] = style(DEF, DEF, 0);
    t->roles[THEME_HEADER] = style(WHITE, BLUE, THEME_ATTR_BOLD);
    t->roles[THEME_TAB] = style(WHITE, BLUE, 0);
    t->roles[THEME_TAB_ACTIVE] = style(BLACK, CYAN, THEME_ATTR_BOLD);
    t->roles[THEME_PRODUCTION] = style(WHITE, RED, THEME_ATTR_BOLD);
    t->roles[THEME_READONLY] = style(BLACK, YELLOW, THEME_ATTR_BOLD);
    t->roles[THEME_TITLE] = style(CYAN, DEF, THEME_ATTR_BOLD);
    t->roles[THEME_SELECTED] = style(DEF, DEF, THEME_ATTR_REVERSE);
    t->roles[THEME_OK] = style(GREEN, DEF, 0);
    t->roles[THEME_WARN] = style(YELLOW, DEF, 0);
    t->roles[THEME_CRIT] = style(RED, DEF, THEME_ATTR_BOLD);
    t->roles[THEME_STALE] = style(MAGENTA, DEF, 0);
    t->roles[THEME_DIM] = style(DEF, DEF, THEME_ATTR_DIM);
    t->roles[THEME_STATUS] = style(DEF, DEF, 0);
    t->roles[THEME_ERROR] = style(RED, DEF, THEME_ATTR_BOLD);
    t->roles[THEME_DIALOG] = style(WHITE, BLACK, 0);
}

void theme_builtin_mono(theme *t)
{
    for (int i = 0; i < THEME_COUNT; i++)
        t->roles[i] = style(DEF, DEF, 0);
    t->roles[THEME_HEADER].attrs = THEME_ATTR_BOLD;
    t->roles[THEME_TAB_ACTIVE].attrs = THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE;
    t->roles[THEME_PRODUCTION].attrs = THEME_ATTR_BOLD | THEME_ATTR_REVERSE;
    t->roles[THEME_READONLY].attrs = THEME_ATTR_BOLD | THEME_ATTR_REVERSE;
    t->roles[THEME_TITLE].attrs = THEME_ATTR_BOLD;
    t->roles[THEME_SELECTED].attrs = THEME_ATTR_REVERSE;
    t->roles[THEME_CRIT].attrs = THEME_ATTR_BOLD;
    t->roles[THEME_WARN].attrs = THEME_ATTR_UNDERLINE;
    t->roles[THEME_STALE].attrs = THEME_ATTR_DIM;
    t->roles[THEME_DIM].attrs = THEME_ATTR_DIM;
    t->roles[THEME_ERROR].attrs = THEME_ATTR_BOLD;
}

void theme_to_mono(theme *t)
{
    for (int i = 0; i < THEME_COUNT; i++)
        t->roles[i].fg = t->roles[i].bg = DEF;
    /* What colour alone told apart must still be told apart. The header
     * bar drops reverse so that production, reversed, stands out in it. */
    t->roles[THEME_HEADER].attrs =
        (t->roles[THEME_HEADER].attrs & ~THEME_ATTR_REVERSE) | THEME_ATTR_BOLD;
    t->roles[THEME_TAB].attrs &= ~THEME_ATTR_REVERSE;
    t->roles[THEME_PRODUCTION].attrs |= THEME_ATTR_BOLD | THEME_ATTR_REVERSE;
    t->roles[THEME_SELECTED].attrs |= THEME_ATTR_REVERSE;
    t->roles[THEME_CRIT].attrs |= THEME_ATTR_BOLD;
    t->roles[THEME_TAB_ACTIVE].attrs |= THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE;
    t->roles[THEME_READONLY].attrs |= THEME_ATTR_BOLD;
}

static int parse_color(const char *word, int *out)
{
    if (strcasecmp(word, "default") == 0) {
        *out = DEF;
        return 0;
    }
    int bright = 0;
    if (strncasecmp(word, "bright-", 7) == 0) {
        bright = 8;
        word += 7;
    }
    for (int i = 0; i < 8; i++) {
        if (strcasecmp(word, color_names[i]) == 0) {
            *out = i + bright;
            return 0;
        }
    }
    if (bright || !isdigit((unsigned char)word[0]))
        return -1;
    char *end;
    long n = strtol(word, &end, 10);
    if (*end || n < 0 || n > 255)
        return -1;
    *out = (int)n;
    return 0;
}

static int parse_attr(const char *word, unsigned *attrs)
{
    if (strcasecmp(word, "normal") == 0)
        return 0;
    for (size_t i = 0; i < sizeof(attr_names) / sizeof(*attr_names); i++) {
        if (strcasecmp(word, attr_names[i].name) == 0) {
            *attrs |= attr_names[i].bit;
            return 0;
        }
    }
    return -1;
}

/* Splits value into at most max words (in place). Returns the count, or -1
 * when there are more. */
static int split_words(char *value, char **words, int max)
{
    int n = 0;
    for (char *tok = strtok(value, " \t"); tok; tok = strtok(NULL, " \t")) {
        if (n == max)
            return -1;
        words[n++] = tok;
    }
    return n;
}

int theme_parse_style(const char *value, theme_style *out, char *err, size_t errsize)
{
    char copy[256];
    if (snprintf(copy, sizeof(copy), "%s", value) >= (int)sizeof(copy)) {
        snprintf(err, errsize, "value too long");
        return -1;
    }
    char *w[16];
    int n = split_words(copy, w, 16);
    if (n <= 0) {
        snprintf(err, errsize, n < 0 ? "too many words" : "empty value");
        return -1;
    }
    theme_style s = style(DEF, DEF, 0);
    int i = 0;
    if (strcasecmp(w[0], "on") != 0 && parse_color(w[0], &s.fg) == 0)
        i = 1;
    if (i < n && strcasecmp(w[i], "on") == 0) {
        if (i + 1 >= n || parse_color(w[i + 1], &s.bg) < 0) {
            snprintf(err, errsize, "'on' needs a colour after it");
            return -1;
        }
        i += 2;
    }
    for (; i < n; i++) {
        if (parse_attr(w[i], &s.attrs) < 0) {
            snprintf(err, errsize, "'%s' is neither a colour nor an attribute", w[i]);
            return -1;
        }
    }
    *out = s;
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* One line (NUL-terminated, writable). Returns 0, or -1 with msg set. */
static int parse_line(theme *t, char *line, char *msg, size_t msgsize)
{
    char *hash = strpbrk(line, "#;");
    if (hash)
        *hash = '\0';
    char *s = trim(line);
    if (!*s)
        return 0;
    char *eq = strchr(s, '=');
    if (!eq) {
        snprintf(msg, msgsize, "expected 'role = style'");
        return -1;
    }
    *eq = '\0';
    char *key = trim(s), *value = trim(eq + 1);
    int role = theme_role_from_name(key);
    if (role < 0) {
        snprintf(msg, msgsize, "unknown role '%.64s'", key);
        return -1;
    }
    char why[128];
    if (theme_parse_style(value, &t->roles[role], why, sizeof(why)) < 0) {
        snprintf(msg, msgsize, "%s: %s", key, why);
        return -1;
    }
    return 0;
}

int theme_parse(theme *t, const char *text, size_t len, const char *file, char *err, size_t errsize)
{
    size_t pos = 0;
    for (int lineno = 1; pos < len; lineno++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        char line[512], msg[256];
        if (n >= sizeof(line)) {
            snprintf(err, errsize, "%s:%d: line too long", file, lineno);
            return -1;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        int rc = 0;
        if (memchr(text + pos, '\0', n)) {
            snprintf(msg, sizeof(msg), "NUL byte in line");
            rc = -1;
        } else {
            rc = parse_line(t, line, msg, sizeof(msg));
        }
        if (rc < 0) {
            snprintf(err, errsize, "%s:%d: %s", file, lineno, msg);
            return -1;
        }
        pos += n + 1;
    }
    return 0;
}
