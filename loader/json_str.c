// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>
#include "json_str.h"

/*
 * The length of the valid UTF-8 sequence at @p (at most @n bytes), or 0.
 * The ranges are Unicode's table of well-formed byte sequences.
 */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/*
 * The code point of a valid sequence that Unicode counts as a line break
 * (U+0085 NEL, U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR), or 0.
 */
static unsigned int line_break(const unsigned char *p, size_t n)
{
	if (n == 2 && p[0] == 0xc2 && p[1] == 0x85)
		return 0x85;
	if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
		return p[2] == 0xa8 ? 0x2028 : 0x2029;
	return 0;
}

void hb_json_str_n(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n;

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, f);
			i++;
		} else if ((n = utf8_len(p + i, len - i))) {
			unsigned int cp = line_break(p + i, n);

			/*
			 * Valid JSON as it is, but a consumer that splits
			 * on Unicode's line breaks would cut the line.
			 */
			if (cp)
				fprintf(f, "\\u%04x", cp);
			else
				fwrite(p + i, 1, n, f);
			i += n;
		} else {
			fputs("\\ufffd", f);
			i++;
		}
	}
	fputc('"', f);
}

void hb_json_str(FILE *f, const char *s)
{
	if (s)
		hb_json_str_n(f, s, strlen(s));
	else
		fputs("null", f);
}
