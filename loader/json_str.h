/* SPDX-License-Identifier: GPL-2.0-only */
/* JSON strings from untrusted bytes: nothing can end the string early. */
#ifndef HB_JSON_STR_H
#define HB_JSON_STR_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes @len bytes of @s as a quoted JSON string to @f: '"' and '\\'
 * escaped, control characters and DEL as \u00XX, valid UTF-8 kept, and
 * each byte of invalid UTF-8 (overlong forms, surrogates, past U+10FFFF,
 * cut sequences) as U+FFFD.
 */
void hb_json_str_n(FILE *f, const char *s, size_t len);

/* The same for a NUL-terminated string; NULL is written as null. */
void hb_json_str(FILE *f, const char *s);

#endif
