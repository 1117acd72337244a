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

/* Usage errors go to stdio's stderr, pointed at /dev/null; reports use fd 2. */
static inline void fuzz_quiet_stderr(void)
{
	FILE *null = fopen("/dev/null", "w");

	if (null)
		stderr = null;
}

/*
 * A command line from @buf's @size bytes: @argv0, then each NUL-separated
 * string, at most @max words in all; NULL-terminated (@argv has @max + 1
 * slots). Returns the count.
 */
static inline int fuzz_argv(char *buf, size_t size, char *argv0, char **argv, int max)
{
	int argc = 0;

	argv[argc++] = argv0;
	for (char *p = buf; p < buf + size && argc < max; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	return argc;
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
