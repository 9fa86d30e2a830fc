/* POSIX shell quoting (shell_quote.h). */
#include "opsdeck/shell_quote.h"

#include <string.h>

static bool put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len + n >= size)
        return false;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
    return true;
}

bool shell_quote_append(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
    size_t start = *len;
    bool ok = put(buf, size, len, "'", 1);
    for (size_t i = 0; ok && i < n; i++)
        ok = s[i] == '\'' ? put(buf, size, len, "'\\''", 4) : put(buf, size, len, s + i, 1);
    ok = ok && put(buf, size, len, "'", 1);
    if (!ok) {
        *len = start;
        if (start < size)
            buf[start] = '\0';
    }
    return ok;
}

bool shell_quote_words(char *buf, size_t size, size_t *len, const char *words)
{
    size_t start = *len;
    bool first = true;
    for (const char *p = words; *p;) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, " \t");
        if (n) {
            if ((!first && !put(buf, size, len, " ", 1)) ||
                !shell_quote_append(buf, size, len, p, n)) {
                *len = start;
                if (start < size)
                    buf[start] = '\0';
                return false;
            }
            first = false;
        }
        p += n;
    }
    return true;
}

bool shell_quote_docker(char *buf, size_t size, size_t *len, const char *docker)
{
    if (!docker || !docker[strspn(docker, " \t")])
        docker = "docker";
    return shell_quote_words(buf, size, len, docker);
}

bool shell_append(char *buf, size_t size, size_t *len, const char *text)
{
    return put(buf, size, len, text, strlen(text));
}

char *shell_quote(const char *s, char *buf, size_t size)
{
    size_t len = 0;
    if (size == 0)
        return NULL;
    buf[0] = '\0';
    return shell_quote_append(buf, size, &len, s, strlen(s)) ? buf : NULL;
}
