/* Finding and reading theme files. See include/opsdeck/ui/theme.h. */
#include "opsdeck/ui/theme.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef OPSDECK_THEMEDIR
#define OPSDECK_THEMEDIR "/usr/local/share/opsdeck/themes"
#endif

#define THEME_FILE_MAX (64 * 1024)

static bool readable(const char *path)
{
    return access(path, R_OK) == 0;
}

int theme_find(const char *name, char *buf, size_t bufsize)
{
    if (strchr(name, '/')) {
        snprintf(buf, bufsize, "%s", name);
        return readable(buf) ? 0 : -1;
    }
    const char *home = getenv("HOME");
    const char *xdg = getenv("XDG_CONFIG_HOME");
    /* the tree first, so `./opsdeck` in a checkout uses the themes beside it */
    snprintf(buf, bufsize, "themes/%s.theme", name);
    if (readable(buf))
        return 0;
    if (xdg && *xdg) {
        snprintf(buf, bufsize, "%s/opsdeck/themes/%s.theme", xdg, name);
        if (readable(buf))
            return 0;
    }
    if (home && *home) {
        snprintf(buf, bufsize, "%s/.config/opsdeck/themes/%s.theme", home, name);
        if (readable(buf))
            return 0;
    }
    snprintf(buf, bufsize, "%s/%s.theme", OPSDECK_THEMEDIR, name);
    return readable(buf) ? 0 : -1;
}

static int read_file(const char *path, char **text, size_t *len, char *err, size_t errsize)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(THEME_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, THEME_FILE_MAX + 1, f) : 0;
    int failed = !buf || ferror(f);
    fclose(f);
    if (failed || n > THEME_FILE_MAX) {
        snprintf(err, errsize, "%s: %s", path,
                 failed ? "cannot be read" : "larger than 64 KiB, not a theme");
        free(buf);
        return -1;
    }
    *text = buf;
    *len = n;
    return 0;
}

int theme_load(const char *name, theme *t, char *err, size_t errsize)
{
    if (!name || !*name)
        name = "default";
    theme_builtin_default(t);
    char path[1024];
    if (theme_find(name, path, sizeof(path)) < 0) {
        /* the two built-ins work even when no theme file is installed */
        if (strcmp(name, "default") == 0)
            return 0;
        if (strcmp(name, "mono") == 0) {
            theme_builtin_mono(t);
            return 0;
        }
        snprintf(err, errsize,
                 "theme '%s' not found (looked in ./themes, ~/.config/opsdeck/themes, %s)", name,
                 OPSDECK_THEMEDIR);
        return -1;
    }
    char *text;
    size_t len;
    if (read_file(path, &text, &len, err, errsize) < 0)
        return -1;
    int rc = theme_parse(t, text, len, path, err, errsize);
    free(text);
    return rc;
}
