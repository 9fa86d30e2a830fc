/* The math of the golden signals, as Prometheus does it: counter deltas
 * that survive resets, and histogram_quantile() over cumulative buckets. */
#ifndef OPSDECK_SIGNALS_QUANTILE_H
#define OPSDECK_SIGNALS_QUANTILE_H

#include <stddef.h>

/* The increase of a counter from prev to cur: a value that went down means
 * the counter was reset (the process restarted), and counts from zero. */
double counter_increase(double prev, double cur);

typedef struct bucket {
    double le;    /* upper bound; +Inf for the last */
    double count; /* cumulative */
} bucket;

/* Sorts buckets by le, merging equal bounds (their counts add). Returns the
 * new count. */
size_t buckets_normalise(bucket *b, size_t n);

/* histogram_quantile(q, ...) over sorted cumulative buckets, with
 * Prometheus's rules: q < 0 gives -Inf and q > 1 +Inf; fewer than two
 * buckets, no +Inf bucket or no observations give NaN; counts that go down
 * are taken as the highest seen so far; linear within the bucket the rank
 * falls in, from 0 for the first bucket (when its bound is positive); a
 * rank in the +Inf bucket gives the highest finite bound. */
double histogram_quantile(double q, const bucket *b, size_t n);

#endif
