/* Numbers read the same in every locale.
 *
 * Config values, PromQL samples, alert timestamps and Postgres figures are
 * written with a decimal point whatever the engineer's locale says; a
 * Spanish or German LC_NUMERIC (decimal comma) must not make "0.25" read as
 * 0 with ".25" left over. main() sets only LC_CTYPE from the environment,
 * and every decimal opsdeck reads goes through num_strtod(), which reads in
 * the "C" locale even if some library changed LC_NUMERIC behind our back. */
#ifndef OPSDECK_NUMBERS_H
#define OPSDECK_NUMBERS_H

/* strtod() in the "C" locale: same contract (end may be NULL). */
double num_strtod(const char *s, char **end);

#endif
