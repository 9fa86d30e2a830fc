/* Quoting for a POSIX shell: the one helper every command built for a host
 * uses (actions, the containers command, runbook substitution). A value is
 * put between single quotes, and each single quote inside it is written as
 * '\'' , so nothing in it ($, `, ;, newlines, quotes) is ever evaluated. */
#ifndef OPSDECK_SHELL_QUOTE_H
#define OPSDECK_SHELL_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

/* Appends the n bytes of s, quoted, to buf at *len (buf stays
 * NUL-terminated). false, with buf unchanged past *len, when it does not
 * fit in size. */
bool shell_quote_append(char *buf, size_t size, size_t *len, const char *s, size_t n);

/* Appends each blank-separated word of words, quoted on its own and
 * separated by one space ("sudo docker" -> 'sudo' 'docker'): for values
 * that are a command prefix. false when it does not fit. */
bool shell_quote_words(char *buf, size_t size, size_t *len, const char *words);

/* The `docker =` value as the start of a command line: its words quoted
 * one by one (as shell_quote_words), "docker" when it is NULL or blank.
 * The one way every command for the engine begins (the containers
 * source's, restart's). false when it does not fit. */
bool shell_quote_docker(char *buf, size_t size, size_t *len, const char *docker);

/* Appends text of our own as it is (a command word, a space). false, with
 * buf unchanged past *len, when it does not fit. */
bool shell_append(char *buf, size_t size, size_t *len, const char *text);

/* s quoted into buf. Returns buf, or NULL when it does not fit. */
char *shell_quote(const char *s, char *buf, size_t size);

#endif
