// SPDX-License-Identifier: GPL-2.0-only
/*
 * Domain names and --allow-domain patterns (dns_name.h), checked against a
 * plain restatement of the header's rules. Input: NAME '\0' PATTERN; with
 * no NUL, the one string is both.
 */
#include <stdbool.h>
#include <strings.h>
#include "dns_name.h"
#include "fuzz.h"

/* An odd run of backslashes before @pos escapes the byte at @pos. */
static bool ref_escaped(const char *s, size_t pos)
{
	bool odd = false;

	while (pos && s[--pos] == '\\')
		odd = !odd;
	return odd;
}

/* Length without one trailing dot, unless it is escaped ("a\."). */
static size_t ref_len(const char *s)
{
	size_t n = strlen(s);

	return n && s[n - 1] == '.' && !ref_escaped(s, n - 1) ? n - 1 : n;
}

static bool ref_equal(const char *a, const char *b)
{
	size_t n = ref_len(a);

	return n == ref_len(b) && !strncasecmp(a, b, n);
}

/* @name is @pattern, or ends in an unescaped '.' + @pattern after a label. */
static bool ref_matches(const char *name, const char *pattern)
{
	size_t n = ref_len(name), p = ref_len(pattern);

	if (!p || n < p || strncasecmp(name + n - p, pattern, p))
		return false;
	return n == p || (n - p >= 2 && name[n - p - 1] == '.' &&
			  !ref_escaped(name, n - p - 1));
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

static void upcase(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

static void check_pattern(const char *p)
{
	char *sub = join("a.", p), *glued = join("a", p);

	FUZZ_CHECK(!strchr(p, '\\') && p[0] != '.');
	FUZZ_CHECK(ref_len(p) > 0 && ref_len(p) <= HB_DOMAIN_MAX);
	FUZZ_CHECK(hb_domain_equal(p, p));
	FUZZ_CHECK(hb_domain_matches(p, p));
	/* Subdomains are covered; a longer first label ("badexample") is not. */
	if (sub)
		FUZZ_CHECK(hb_domain_matches(sub, p));
	if (glued)
		FUZZ_CHECK(!hb_domain_matches(glued, p));
	free(sub);
	free(glued);
}

static void check_pair(const char *name, const char *pattern)
{
	bool m = hb_domain_matches(name, pattern);
	size_t n = ref_len(name), p = ref_len(pattern);
	char *up = join(name, "");

	FUZZ_CHECK(m == ref_matches(name, pattern));
	if (m)
		FUZZ_CHECK(p && n >= p && !strncasecmp(name + n - p, pattern, p));
	FUZZ_CHECK(hb_domain_equal(name, pattern) == ref_equal(name, pattern));
	FUZZ_CHECK(hb_domain_equal(name, pattern) == hb_domain_equal(pattern, name));
	if (hb_domain_equal(name, pattern) && p)
		FUZZ_CHECK(m);
	FUZZ_CHECK(hb_domain_is_metadata(name) ==
		   (ref_equal(name, "metadata") ||
		    ref_matches(name, "metadata.google.internal")));
	if (up) {
		upcase(up);
		FUZZ_CHECK(hb_domain_matches(up, pattern) == m);
		FUZZ_CHECK(hb_domain_is_metadata(up) == hb_domain_is_metadata(name));
		free(up);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_cstr(data, size), *name, *pattern;

	if (!buf)
		return 0;
	name = buf;
	pattern = strlen(buf) < size ? buf + strlen(buf) + 1 : buf;
	if (hb_domain_valid(pattern))
		check_pattern(pattern);
	if (hb_domain_valid(name))
		check_pattern(name);
	check_pair(name, pattern);
	check_pair(pattern, name);
	free(buf);
	return 0;
}
