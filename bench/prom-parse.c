/* bench/prom-parse FILE ITERATIONS: parses FILE (read once into memory)
 * ITERATIONS times and prints the throughput as "N MB/s" (10^6 bytes per
 * second of wall time), then the samples per pass on stderr. The samples go
 * to a handler that reads the value and the labels, as a real consumer
 * would, so nothing is optimised away. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "opsdeck/parse/prom.h"

typedef struct tally {
    size_t samples, labels;
    double sum;
} tally;

static int on_sample(const prom_sample *s, void *arg)
{
    tally *t = arg;
    t->samples++;
    t->labels += s->nlabels;
    t->sum += s->value;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: prom-parse FILE ITERATIONS\n");
        return 64;
    }
    long iterations = atol(argv[2]);
    FILE *f = fopen(argv[1], "rb");
    if (!f || iterations < 1) {
        perror(argv[1]);
        return 66;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "prom-parse: cannot read %s\n", argv[1]);
        return 66;
    }
    fclose(f);
    prom_handlers h = {.sample = on_sample};
    tally t = {0};
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < iterations; i++) {
        prom_error err;
        if (prom_parse(buf, (size_t)size, PROM_FORMAT_TEXT, &h, &t, &err) != 0) {
            fprintf(stderr, "prom-parse: %s:%d: %s\n", argv[1], err.line, err.reason);
            return 65;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%.1f MB/s\n", (double)size * (double)iterations / secs / 1e6);
    fprintf(stderr, "%zu samples, %zu labels per pass (checksum %g)\n",
            t.samples / (size_t)iterations, t.labels / (size_t)iterations, t.sum);
    free(buf);
    return 0;
}
