// SPDX-License-Identifier: GPL-2.0-only
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "dns_name.h"

static void subdomains_not_suffixes(void **state)
{
	(void)state;
	assert_true(hb_domain_matches("example.com", "example.com"));
	assert_true(hb_domain_matches("api.example.com", "example.com"));
	assert_true(hb_domain_matches("a.b.example.com", "example.com"));
	assert_false(hb_domain_matches("badexample.com", "example.com"));
	assert_false(hb_domain_matches("example.com.evil", "example.com"));
	assert_false(hb_domain_matches("com", "example.com"));
	assert_false(hb_domain_matches(".example.com", "example.com"));
	assert_false(hb_domain_matches("", "example.com"));
	assert_false(hb_domain_matches("example.com", ""));
}

static void case_and_trailing_dots(void **state)
{
	(void)state;
	assert_true(hb_domain_matches("API.Example.COM", "example.com"));
	assert_true(hb_domain_matches("api.example.com", "EXAMPLE.com"));
	assert_true(hb_domain_matches("api.example.com.", "example.com"));
	assert_true(hb_domain_matches("example.com", "example.com."));
	assert_true(hb_domain_matches("example.com.", "example.com."));
	assert_false(hb_domain_matches("example.com..", "example.com"));
	assert_true(hb_domain_equal("Metadata.", "metadata"));
	assert_false(hb_domain_equal("metadata", "metadat"));
}

/* Names from queries are in presentation form: "\." is inside a label. */
static void escapes_are_not_boundaries(void **state)
{
	(void)state;
	assert_false(hb_domain_matches("a\\.example.com", "example.com"));
	assert_true(hb_domain_matches("a\\\\.example.com", "example.com"));
	assert_false(hb_domain_matches("example.com\\.", "example.com"));
	assert_true(hb_domain_matches("a\\032b.example.com", "example.com"));
}

static void metadata_names(void **state)
{
	(void)state;
	assert_true(hb_domain_is_metadata("metadata"));
	assert_true(hb_domain_is_metadata("METADATA."));
	assert_true(hb_domain_is_metadata("metadata.google.internal"));
	assert_true(hb_domain_is_metadata("Metadata.Google.Internal."));
	assert_true(hb_domain_is_metadata("computeMetadata.metadata.google.internal"));
	assert_true(hb_domain_is_metadata("metadata.tencentyun.com"));
	assert_false(hb_domain_is_metadata("tencentyun.com"));
	assert_false(hb_domain_is_metadata("metadata.example.com"));
	assert_false(hb_domain_is_metadata("xmetadata.google.internal"));
	assert_false(hb_domain_is_metadata("google.internal"));
	assert_false(hb_domain_is_metadata("example.com"));
}

static void valid_patterns(void **state)
{
	char label63[64], label64[65], long_name[260];

	(void)state;
	assert_true(hb_domain_valid("example.com"));
	assert_true(hb_domain_valid("example.com."));
	assert_true(hb_domain_valid("localhost"));
	assert_true(hb_domain_valid("_dmarc.my-host1.Example.COM"));
	memset(label63, 'a', 63);
	label63[63] = '\0';
	memset(label64, 'a', 64);
	label64[64] = '\0';
	assert_true(hb_domain_valid(label63));
	assert_false(hb_domain_valid(label64));
	/* 4 labels of 63 and a dot each: 255 bytes, over 253. */
	snprintf(long_name, sizeof(long_name), "%s.%s.%s.%s", label63, label63,
		 label63, label63);
	assert_false(hb_domain_valid(long_name));
	long_name[253] = '\0'; /* 253 bytes: the longest */
	assert_true(hb_domain_valid(long_name));
}

static void invalid_patterns(void **state)
{
	(void)state;
	assert_false(hb_domain_valid(""));
	assert_false(hb_domain_valid("."));
	assert_false(hb_domain_valid(".example.com"));
	assert_false(hb_domain_valid("example..com"));
	assert_false(hb_domain_valid("example.com.."));
	assert_false(hb_domain_valid("*.example.com"));
	assert_false(hb_domain_valid("exa?mple.com"));
	assert_false(hb_domain_valid("exa mple.com"));
	assert_false(hb_domain_valid("a\\.example.com"));
	assert_false(hb_domain_valid("ex\xc3\xa4mple.com"));
	assert_false(hb_domain_valid("example.com/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(subdomains_not_suffixes),
		cmocka_unit_test(case_and_trailing_dots),
		cmocka_unit_test(escapes_are_not_boundaries),
		cmocka_unit_test(metadata_names),
		cmocka_unit_test(valid_patterns),
		cmocka_unit_test(invalid_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
