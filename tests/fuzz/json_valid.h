/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A strict JSON checker (RFC 8259) for tests and fuzz targets: whether
 * @s is exactly one value, strings without raw control characters and in
 * valid UTF-8. Small on purpose: it only says yes or no.
 */
#ifndef HB_JSON_VALID_H
#define HB_JSON_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define JSON_VALID_DEPTH 16

struct json_in {
	const unsigned char *p, *end;
};

static inline void json_ws(struct json_in *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' ||
				   *in->p == '\r'))
		in->p++;
}

static inline bool json_lit(struct json_in *in, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(in->end - in->p) < n || memcmp(in->p, w, n))
		return false;
	in->p += n;
	return true;
}

static inline bool json_digits(struct json_in *in)
{
	const unsigned char *s = in->p;

	while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
		in->p++;
	return in->p > s;
}

static inline bool json_number(struct json_in *in)
{
	if (in->p < in->end && *in->p == '-')
		in->p++;
	if (in->p < in->end && *in->p == '0')
		in->p++;
	else if (!json_digits(in))
		return false;
	if (in->p < in->end && *in->p == '.' && (in->p++, !json_digits(in)))
		return false;
	if (in->p < in->end && (*in->p == 'e' || *in->p == 'E')) {
		in->p++;
		if (in->p < in->end && (*in->p == '+' || *in->p == '-'))
			in->p++;
		return json_digits(in);
	}
	return true;
}

/* One UTF-8 sequence of 2-4 bytes, well-formed (no overlong, surrogate). */
static inline bool json_utf8(struct json_in *in)
{
	unsigned char c = *in->p, lo = 0x80, hi = 0xbf;
	size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
		   c >= 0xf0 && c <= 0xf4 ? 4 : 0;

	if (!n || (size_t)(in->end - in->p) < n)
		return false;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (in->p[1] < lo || in->p[1] > hi)
		return false;
	for (size_t i = 2; i < n; i++)
		if (in->p[i] < 0x80 || in->p[i] > 0xbf)
			return false;
	in->p += n;
	return true;
}

static inline bool json_string(struct json_in *in)
{
	if (in->p >= in->end || *in->p++ != '"')
		return false;
	while (in->p < in->end) {
		unsigned char c = *in->p;

		if (c == '"') {
			in->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c >= 0x80) {
			if (!json_utf8(in))
				return false;
			continue;
		}
		in->p++;
		if (c != '\\')
			continue;
		if (in->p >= in->end)
			return false;
		c = *in->p++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++, in->p++)
				if (in->p >= in->end || !strchr("0123456789abcdefABCDEF", *in->p) ||
				    !*in->p)
					return false;
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return false;
		}
	}
	return false;
}

static inline bool json_value(struct json_in *in, int depth);

/* An object or array: @close ends it, members are "key": value when @obj. */
static inline bool json_compound(struct json_in *in, int depth, bool obj)
{
	unsigned char close = obj ? '}' : ']';

	in->p++;
	json_ws(in);
	if (in->p < in->end && *in->p == close) {
		in->p++;
		return true;
	}
	for (;;) {
		if (obj) {
			json_ws(in);
			if (!json_string(in))
				return false;
			json_ws(in);
			if (in->p >= in->end || *in->p++ != ':')
				return false;
		}
		if (!json_value(in, depth + 1))
			return false;
		if (in->p >= in->end)
			return false;
		if (*in->p == close) {
			in->p++;
			return true;
		}
		if (*in->p++ != ',')
			return false;
	}
}

static inline bool json_value(struct json_in *in, int depth)
{
	bool ok;

	if (depth > JSON_VALID_DEPTH)
		return false;
	json_ws(in);
	if (in->p >= in->end)
		return false;
	switch (*in->p) {
	case '{':
		ok = json_compound(in, depth, true);
		break;
	case '[':
		ok = json_compound(in, depth, false);
		break;
	case '"':
		ok = json_string(in);
		break;
	case 't':
		ok = json_lit(in, "true");
		break;
	case 'f':
		ok = json_lit(in, "false");
		break;
	case 'n':
		ok = json_lit(in, "null");
		break;
	default:
		ok = json_number(in);
	}
	json_ws(in);
	return ok;
}

/* Whether @len bytes of @s are exactly one JSON value. */
static inline bool json_valid(const char *s, size_t len)
{
	struct json_in in = { (const unsigned char *)s, (const unsigned char *)s + len };

	return json_value(&in, 0) && in.p == in.end;
}

#endif
