/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain names as --allow-domain and the DNS proxy see them: patterns from
 * the command line, and names in presentation form (ns_name_ntop(), with
 * "\." and "\DDD" escapes) from queries. No I/O in here.
 */
#ifndef HB_DNS_NAME_H
#define HB_DNS_NAME_H

#include <stdbool.h>

/* Longest name in presentation form without the trailing dot (RFC 1035). */
#define HB_DOMAIN_MAX 253
#define HB_DOMAIN_LABEL_MAX 63

/*
 * An --allow-domain value: ASCII letters, digits, '-', '_' and dots, labels
 * of 1..63 bytes, at most 253 bytes (one trailing dot not counted). No
 * leading dot, no empty label, no wildcard: a pattern covers its
 * subdomains already.
 */
bool hb_domain_valid(const char *pattern);

/* Same name: ASCII case-insensitive, one trailing dot ignored on each side. */
bool hb_domain_equal(const char *a, const char *b);

/*
 * @name is @pattern or ends in "." + @pattern at a label boundary:
 * "example.com" covers "api.example.com" but never "badexample.com" nor
 * "a\.example.com" (one label "a.example" under "com"). Compared as
 * hb_domain_equal() does.
 */
bool hb_domain_matches(const char *name, const char *pattern);

/*
 * Cloud metadata names, always refused: "metadata", and
 * "metadata.google.internal" with its subdomains.
 */
bool hb_domain_is_metadata(const char *name);

#endif
