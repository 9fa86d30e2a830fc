/* The one-line editor. See include/opsdeck/ui/lineedit.h. */
#include "opsdeck/ui/lineedit.h"

#include <string.h>

void line_clear(line_edit *e)
{
    e->len = 0;
    e->text[0] = '\0';
}

void line_wipe(line_edit *e)
{
    /* volatile so the compiler cannot drop the stores as dead */
    volatile char *p = e->text;
    for (size_t i = 0; i < sizeof(e->text); i++)
        p[i] = 0;
    e->len = 0;
}

static size_t utf8_encode(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            return 0; /* a surrogate is not a character */
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF)
        return 0;
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static void backspace(line_edit *e)
{
    /* back over continuation bytes to the start of the last character */
    while (e->len > 0) {
        unsigned char c = (unsigned char)e->text[--e->len];
        if ((c & 0xC0) != 0x80)
            break;
    }
    e->text[e->len] = '\0';
}

static void delete_word(line_edit *e)
{
    while (e->len > 0 && e->text[e->len - 1] == ' ')
        e->len--;
    while (e->len > 0 && e->text[e->len - 1] != ' ')
        e->len--;
    e->text[e->len] = '\0';
}

line_result line_key(line_edit *e, int key)
{
    switch (key) {
    case LINE_KEY_ENTER:
        return LINE_DONE;
    case LINE_KEY_ESCAPE:
        return LINE_CANCELLED;
    case LINE_KEY_BACKSPACE:
        backspace(e);
        return LINE_EDITING;
    case 0x15: /* Ctrl-U */
        line_clear(e);
        return LINE_EDITING;
    case 0x17: /* Ctrl-W */
        delete_word(e);
        return LINE_EDITING;
    default:
        break;
    }
    if (key < 0x20 || key == 0x7F || (key >= 0x80 && key < 0xA0))
        return LINE_EDITING;
    char buf[4];
    size_t n = utf8_encode((unsigned)key, buf);
    if (n == 0 || e->len + n >= sizeof(e->text))
        return LINE_EDITING;
    memcpy(e->text + e->len, buf, n);
    e->len += n;
    e->text[e->len] = '\0';
    return LINE_EDITING;
}
