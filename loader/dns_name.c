// SPDX-License-Identifier: GPL-2.0-only
#include <stddef.h>
#include <string.h>
#include "dns_name.h"

/* ASCII only: the locale must not decide which names match. */
static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool same_bytes(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/*
 * Whether the byte at @pos of @s is escaped: an odd run of backslashes
 * before it. "\DDD" escapes end in digits, so only the run counts.
 */
static bool escaped(const char *s, size_t pos)
{
	size_t run = 0;

	while (run < pos && s[pos - 1 - run] == '\\')
		run++;
	return run % 2;
}

/* Length without one trailing dot, unless that dot is part of a label. */
static size_t name_len(const char *s)
{
	size_t n = strlen(s);

	if (n && s[n - 1] == '.' && !escaped(s, n - 1))
		n--;
	return n;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool hb_domain_valid(const char *pattern)
{
	size_t len = strlen(pattern), label = 0;

	/* Here a trailing "\." cannot occur: backslashes are refused below. */
	if (len && pattern[len - 1] == '.')
		len--;
	if (!len || len > HB_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (pattern[i] == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (!is_name_char(pattern[i]) || ++label > HB_DOMAIN_LABEL_MAX)
			return false;
	}
	return label > 0;
}

bool hb_domain_equal(const char *a, const char *b)
{
	size_t la = name_len(a);

	return la == name_len(b) && same_bytes(a, b, la);
}

bool hb_domain_matches(const char *name, const char *pattern)
{
	size_t n = name_len(name), p = name_len(pattern), dot;

	if (!p)
		return false;
	if (n == p)
		return same_bytes(name, pattern, p);
	/* A subdomain needs at least one byte of label before the dot. */
	if (n < p + 2)
		return false;
	dot = n - p - 1;
	return name[dot] == '.' && !escaped(name, dot) &&
	       same_bytes(name + dot + 1, pattern, p);
}

bool hb_domain_is_metadata(const char *name)
{
	return hb_domain_equal(name, "metadata") ||
	       hb_domain_matches(name, "metadata.google.internal") ||
	       hb_domain_matches(name, "metadata.tencentyun.com");
}
