// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "json_str.h"

/* What hb_json_str_n() writes for @len bytes of @in. */
static char *json(const char *in, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	hb_json_str_n(f, in, len);
	fclose(f);
	return buf;
}

static void check(const char *in, size_t len, const char *want)
{
	char *got = json(in, len);

	assert_string_equal(got, want);
	free(got);
}

static void plain_and_escaped(void **state)
{
	(void)state;
	check("/usr/bin/python3", 16, "\"/usr/bin/python3\"");
	check("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	/* A newline cannot start a forged line; NUL and DEL are kept visible. */
	check("x\n{\"type\":\"lost\"}", 17, "\"x\\u000a{\\\"type\\\":\\\"lost\\\"}\"");
	check("a\0b\x7f", 4, "\"a\\u0000b\\u007f\"");
	check("", 0, "\"\"");
}

static void utf8_kept_invalid_replaced(void **state)
{
	(void)state;
	check("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
	/* Overlong '/', a surrogate, past U+10FFFF, a cut sequence. */
	check("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
	check("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	check("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	check("\xe2\x82", 2, "\"\\ufffd\\ufffd\"");
	check("\xe2\x82x", 3, "\"\\ufffd\\ufffdx\"");
	/* Unicode's own line breaks: escaped, so no consumer splits there. */
	check("a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9", 11,
	      "\"a\\u0085b\\u2028c\\u2029\"");
	check("\xe2\x80\xa7\xe2\x80\xaa", 6, "\"\xe2\x80\xa7\xe2\x80\xaa\""); /* neighbours */
}

static void null_string(void **state)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	(void)state;
	hb_json_str(f, NULL);
	fputc(' ', f);
	hb_json_str(f, "ok");
	fclose(f);
	assert_string_equal(buf, "null \"ok\"");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_and_escaped),
		cmocka_unit_test(utf8_kept_invalid_replaced),
		cmocka_unit_test(null_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
