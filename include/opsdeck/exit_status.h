/* opsdeck's exit statuses beyond --once's 0/1/2 (snapshot.h), as
 * man/opsdeck.1 (EXIT STATUS) gives them: the one definition main.c,
 * --once, --check and --plan return. The values are sysexits.h's. */
#ifndef OPSDECK_EXIT_STATUS_H
#define OPSDECK_EXIT_STATUS_H

#define EXIT_USAGE  64 /* EX_USAGE: a usage error; -e/-H select nothing */
#define EXIT_CONFIG 78 /* EX_CONFIG: the config, a theme, runbooks; the app cannot start */

#endif
