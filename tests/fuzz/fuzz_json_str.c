// SPDX-License-Identifier: GPL-2.0-only
/*
 * JSON strings from bytes a sandboxed process chose (a path, a name). The
 * output must be one JSON string: quoted, no raw control character, no
 * unescaped quote, valid UTF-8; and unless bytes had to be replaced,
 * decoding it must give the input back exactly.
 */
#include "fuzz.h"
#include "json_str.h"

/*
 * Decodes what hb_json_str_n() writes: escapes only for control
 * characters, U+FFFD and Unicode's line breaks.
 */
static int decode(const char *s, size_t n, char *out, size_t *len)
{
	size_t o = 0;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return -1;
	for (size_t i = 1; i < n - 1; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned int cp;

		if (c < 0x20 || c == 0x7f || c == '"')
			return -1;
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		if (i + 1 >= n - 1)
			return -1;
		c = (unsigned char)s[++i];
		if (c == '"' || c == '\\') {
			out[o++] = (char)c;
			continue;
		}
		if (c != 'u' || i + 4 >= n - 1 || sscanf(s + i + 1, "%4x", &cp) != 1)
			return -1;
		i += 4;
		if (cp == 0xfffd) {
			out[o++] = (char)0xef;
			out[o++] = (char)0xbf;
			out[o++] = (char)0xbd;
		} else if (cp < 0x20 || cp == 0x7f) {
			out[o++] = (char)cp;
		} else if (cp == 0x85) { /* Unicode's line breaks, in UTF-8 */
			out[o++] = (char)0xc2;
			out[o++] = (char)0x85;
		} else if (cp == 0x2028 || cp == 0x2029) {
			out[o++] = (char)0xe2;
			out[o++] = (char)0x80;
			out[o++] = (char)(cp == 0x2028 ? 0xa8 : 0xa9);
		} else {
			return -1; /* we never escape anything else */
		}
	}
	*len = o;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = NULL, *back;
	size_t n = 0, len;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return 0;
	hb_json_str_n(f, (const char *)data, size);
	fclose(f);
	back = malloc(3 * n + 1);
	FUZZ_CHECK(back && !decode(buf, n, back, &len));
	if (!memmem(buf, n, "\\ufffd", 6))
		FUZZ_CHECK(len == size && !memcmp(back, data, size));
	free(back);
	free(buf);
	return 0;
}
