/* SPDX-License-Identifier: GPL-2.0-only */
/* What every fuzz target shares: the entry points and invariant checks. */
#ifndef HB_FUZZ_H
#define HB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A broken invariant is a crash: libFuzzer keeps the input. Written to fd 2
 * directly, as a target may have pointed stdio's stderr elsewhere.
 */
#define FUZZ_CHECK(cond)							\
	do {									\
		if (!(cond)) {							\
			dprintf(STDERR_FILENO, "INVARIANT: %s (%s:%d)\n",	\
				#cond, __FILE__, __LINE__);			\
			abort();						\
		}								\
	} while (0)

/* @size bytes of @data as a C string; the parsers stop at a NUL anyway. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* Whether @s is terminated within @len bytes and all printable ASCII. */
static inline int fuzz_printable(const char *s, size_t len)
{
	size_t n = strnlen(s, len);

	if (n == len)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

#endif
