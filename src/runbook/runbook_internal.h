/* What the runbook files share among themselves, beyond runbook.h. */
#ifndef OPSDECK_RUNBOOK_INTERNAL_H
#define OPSDECK_RUNBOOK_INTERNAL_H

#include "opsdeck/runbook/runbook.h"

/* runbook_load_file, but rb is kept whenever the YAML itself parsed, even
 * with problems, so that the checks across files can still look at it (a
 * file with an unknown key is told its missing runbook: too). Returns
 * whether rb holds anything; the caller frees it either way. */
bool runbook_load_file_keep(const char *path, runbook *rb, runbook_problems *problems);

#endif
