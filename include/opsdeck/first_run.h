/* What `opsdeck` says when there is no config file and no destination: where
 * the example config is, how to check it, how to start. */
#ifndef OPSDECK_FIRST_RUN_H
#define OPSDECK_FIRST_RUN_H

#include <stdio.h>

/* config_path: where opsdeck looked first (the XDG path). Prints to f. */
void first_run_print(FILE *f, const char *config_path);

#endif
