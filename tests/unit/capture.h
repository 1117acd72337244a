/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For tests of what code says on stderr (hb_log(), misuse): between
 * capture_start() and capture_end() it goes to a temporary file.
 * Include after <cmocka.h>.
 */
#ifndef HB_TEST_CAPTURE_H
#define HB_TEST_CAPTURE_H

#include <stdio.h>
#include <unistd.h>

static FILE *capture;
static int capture_saved = -1;

static void capture_start(void)
{
	capture = tmpfile();
	assert_non_null(capture);
	fflush(stderr);
	capture_saved = dup(STDERR_FILENO);
	assert_true(capture_saved >= 0);
	dup2(fileno(capture), STDERR_FILENO);
}

/* Ends the capture: what was said, in @out (cut to @len, terminated). */
static void capture_end(char *out, size_t len)
{
	size_t n;

	fflush(stderr);
	dup2(capture_saved, STDERR_FILENO);
	close(capture_saved);
	rewind(capture);
	n = fread(out, 1, len - 1, capture);
	out[n] = '\0';
	fclose(capture);
}

#endif
