/* The first run: no config file and no destination. A newcomer is told where
 * the example config is (installed, or examples/ beside a binary run from
 * the source tree), how to check it and how to start, instead of an error
 * that points at --check, which would point back at the missing file. */
#include "opsdeck/first_run.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef OPSDECK_DOCDIR
#define OPSDECK_DOCDIR "/usr/local/share/doc/opsdeck"
#endif

/* The example config: installed, else examples/ next to this binary (a
 * build in the source tree) or one directory up (a build kept in a
 * subdirectory of the tree, as `make sanitize`'s build-san/opsdeck), else
 * the installed path anyway (to say where it would be). */
static void example_path(char *out, size_t size)
{
    const char *installed = OPSDECK_DOCDIR "/examples/opsdeck.conf";
    snprintf(out, size, "%s", installed);
    if (access(installed, R_OK) == 0)
        return;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    char tree[PATH_MAX + 32];
    snprintf(tree, sizeof(tree), "%s/examples/opsdeck.conf", exe);
    if (access(tree, R_OK) == 0) {
        snprintf(out, size, "%s", tree);
        return;
    }
    snprintf(tree, sizeof(tree), "%s/../examples/opsdeck.conf", exe);
    char resolved[PATH_MAX];
    if (access(tree, R_OK) == 0 && realpath(tree, resolved))
        snprintf(out, size, "%s", resolved);
}

/* The length of the example's directory (the runbooks sit beside it) */
static int example_dir_len(const char *example)
{
    const char *slash = strrchr(example, '/');
    return slash ? (int)(slash - example) : 1;
}

void first_run_print(FILE *f, const char *config_path)
{
    char example[PATH_MAX + 32];
    example_path(example, sizeof(example));
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", config_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    fprintf(f,
            "opsdeck: no config file yet (looked for %s and /etc/opsdeck/opsdeck.conf).\n"
            "\n"
            "To look at one host right now, no config needed:\n"
            "  opsdeck deploy@prod-api.example.org      (or a Host alias of ~/.ssh/config)\n"
            "\n"
            "To describe your service, start from the example:\n"
            "  mkdir -p %s\n"
            "  cp %s %s\n"
            "  cp -r %.*s/runbooks %s/\n"
            "  $EDITOR %s\n"
            "  opsdeck --check        lists every problem as FILE:LINE\n"
            "  opsdeck                the console (opsdeck --once for a snapshot)\n"
            "\n"
            "opsdeck(1) and opsdeck.conf(5) say the rest.\n",
            config_path, dir, example, config_path, example_dir_len(example), example, dir,
            config_path);
}
