// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trace lines from events whose comm and path a sandboxed process chose.
 * Input: a struct hb_event (zero-padded), then one byte for the size of
 * the output buffer. A line that is not one line of printable ASCII could
 * forge or hide a denial in the user's terminal or logs.
 */
#include "fuzz.h"
#include "trace_fmt.h"

/* Large enough for any line: the path escaped in full, and the rest. */
#define LINE_MAX_LEN 1536

/* Into a buffer of exactly @len bytes, so that ASan sees any overrun. */
static void check_event(const struct hb_event *ev, size_t len)
{
	char *buf = malloc(len);
	int n;

	if (!buf)
		return;
	n = hb_format_event(ev, buf, len);
	FUZZ_CHECK(n > 0 && (len < LINE_MAX_LEN || (size_t)n < len));
	FUZZ_CHECK(fuzz_printable(buf, len));
	if ((size_t)n < len)
		FUZZ_CHECK(strlen(buf) == (size_t)n);
	else
		FUZZ_CHECK(strlen(buf) == len - 1);
	FUZZ_CHECK(!strncmp(buf, ev->verdict == HB_VERDICT_AUDIT ? "audited " : "blocked ",
			    len - 1 < 8 ? len - 1 : 8));
	free(buf);
}

static void check_summary(const unsigned long long *by_hook, size_t len)
{
	char *buf = malloc(len);
	int n;

	if (!buf)
		return;
	n = hb_format_summary(by_hook, "blocked", buf, len);
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(fuzz_printable(buf, len));
	if ((size_t)n < len)
		FUZZ_CHECK(strlen(buf) == (size_t)n);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long by_hook[HB_HOOK_MAX];
	struct hb_event ev;
	size_t len = LINE_MAX_LEN;

	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, data, size < sizeof(ev) ? size : sizeof(ev));
	if (size > sizeof(ev))
		len = (size_t)data[sizeof(ev)] + 1;
	check_event(&ev, LINE_MAX_LEN);
	if (len != LINE_MAX_LEN)
		check_event(&ev, len);

	/* The event's first bytes, read as counters: any values at all. */
	_Static_assert(sizeof(by_hook) <= sizeof(ev), "counters fit in an event");
	memcpy(by_hook, &ev, sizeof(by_hook));
	check_summary(by_hook, LINE_MAX_LEN);
	check_summary(by_hook, len);
	return 0;
}
