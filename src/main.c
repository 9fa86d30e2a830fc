/* opsdeck: the entry point. Parses the command line and hands over to the
 * console, the snapshot, the config check or the audit verifier. */
#include <stdio.h>
#include <string.h>

#define EXIT_USAGE 64

static void usage(FILE *f)
{
    fputs(
        "usage: opsdeck [-c FILE] [-e ENV] [-H HOST]... [-r|--read-only] [-t THEME] [-i SECONDS]\n"
        "       opsdeck --once [--json] [-c FILE] [-e ENV] [-H HOST]... [-i SECONDS]\n"
        "       opsdeck --check [-c FILE]\n"
        "       opsdeck --verify-audit FILE\n"
        "       opsdeck --version | --help\n",
        f);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("opsdeck %s\n", OPSDECK_VERSION);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return EXIT_USAGE;
}
