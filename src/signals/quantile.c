/* Counter increases and histogram_quantile(), after Prometheus's
 * promql/quantile.go, so the console and a Grafana panel agree. */
#include <math.h>
#include <stdlib.h>

#include "opsdeck/signals/quantile.h"

double counter_increase(double prev, double cur)
{
    if (isnan(prev) || isnan(cur))
        return NAN;
    return cur >= prev ? cur - prev : cur;
}

static int by_le(const void *a, const void *b)
{
    double x = ((const bucket *)a)->le, y = ((const bucket *)b)->le;
    return x < y ? -1 : x > y;
}

size_t buckets_normalise(bucket *b, size_t n)
{
    if (n == 0)
        return 0;
    qsort(b, n, sizeof(*b), by_le);
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (out && b[out - 1].le == b[i].le)
            b[out - 1].count += b[i].count;
        else
            b[out++] = b[i];
    }
    return out;
}

double histogram_quantile(double q, const bucket *b, size_t n)
{
    if (isnan(q))
        return NAN;
    if (q < 0)
        return -INFINITY;
    if (q > 1)
        return INFINITY;
    if (n < 2 || !isinf(b[n - 1].le) || b[n - 1].le < 0)
        return NAN;
    /* counts must not go down along the buckets (they can, briefly, when
     * a scrape catches buckets mid-update): the highest so far counts */
    double max = 0, counts[n];
    for (size_t i = 0; i < n; i++) {
        max = b[i].count > max ? b[i].count : max;
        counts[i] = max;
    }
    double observations = counts[n - 1];
    if (observations == 0)
        return NAN;
    double rank = q * observations;
    size_t i = 0;
    while (i < n - 1 && counts[i] < rank)
        i++;
    if (i == n - 1)
        return b[n - 2].le;
    if (i == 0 && b[0].le <= 0)
        return b[0].le;
    double start = 0, end = b[i].le, count = counts[i];
    if (i > 0) {
        start = b[i - 1].le;
        count -= counts[i - 1];
        rank -= counts[i - 1];
    }
    if (count == 0)
        return start;
    return start + (end - start) * (rank / count);
}
