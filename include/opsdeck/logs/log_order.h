/* The order of a container's log lines. docker logs writes the container's
 * stdout and stderr on two streams, which reach opsdeck separately (the
 * SSH channel's data and extended data): the last 500 lines come as all of
 * stdout's, then all of stderr's. With --timestamps every line starts
 * with its time, and that is the order they are shown in. */
#ifndef OPSDECK_LOGS_LOG_ORDER_H
#define OPSDECK_LOGS_LOG_ORDER_H

#include <stddef.h>

/* Compares the RFC 3339 times that start two lines ("2026-12-02T22:54:44.98074216Z ...",
 * docker drops the fraction's trailing zeros): <0, 0, >0. 0 also when
 * either line does not start with one (they keep the order they came in). */
int log_line_time_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
