// SPDX-License-Identifier: GPL-2.0-only
/*
 * JSON lines from events whose comm, path and codes a sandboxed process
 * (or a future BPF side) chose. Input: a struct hb_event (zero-padded),
 * then 8 bytes of clock offset, then one byte for a second, small buffer.
 * A line that is not exactly one line of valid JSON could forge or hide
 * a denial in whatever reads the trace.
 */
#include <errno.h>
#include "event_json.h"
#include "fuzz.h"
#include "json_valid.h"

/* What spec/events.md promises of every line. */
static void check_line(const char *buf, int n)
{
	FUZZ_CHECK(n > 0 && n < HB_EVENT_JSON_MAX);
	FUZZ_CHECK(strlen(buf) == (size_t)n);
	FUZZ_CHECK(buf[n - 1] == '\n' && memchr(buf, '\n', (size_t)n - 1) == NULL);
	FUZZ_CHECK(json_valid(buf, (size_t)n - 1));
	FUZZ_CHECK(!strncmp(buf, "{\"schema\":1,\"type\":\"", 20));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The longest head the agent writes: a host name of HOST_NAME_MAX, a unit, a container. */
	struct hb_event_json_ctx ctx = {
		.cgroup = "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789"
			  "abcdef0123456789abcdef.scope/\"\n",
		.host = "h234567890123456789012345678901234567890123456789012345678901234",
	};
	static char full[HB_EVENT_JSON_MAX];
	struct hb_event ev;
	size_t small = 0;
	char *buf;
	int n, m;

	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, data, size < sizeof(ev) ? size : sizeof(ev));
	if (size >= sizeof(ev) + sizeof(ctx.clock_offset_ns))
		memcpy(&ctx.clock_offset_ns, data + sizeof(ev), sizeof(ctx.clock_offset_ns));
	if (size > sizeof(ev) + sizeof(ctx.clock_offset_ns))
		small = data[sizeof(ev) + sizeof(ctx.clock_offset_ns)] * 8u;

	/* Any event fits the documented bound. */
	n = hb_event_json_line(full, sizeof(full), &ev, &ctx);
	check_line(full, n);
	n = hb_event_json_lost(full, sizeof(full), ev.ts_ns, ev.sandbox_id, &ctx);
	check_line(full, n);
	n = hb_event_json_line(full, sizeof(full), &ev, &ctx);

	/* A buffer of exactly @small bytes, so that ASan sees any overrun. */
	buf = malloc(small ? small : 1);
	if (!buf)
		return 0;
	m = hb_event_json_line(buf, small, &ev, &ctx);
	FUZZ_CHECK(m == n || m == -ENOSPC);
	if (m == n)
		FUZZ_CHECK(!memcmp(buf, full, (size_t)n + 1));
	free(buf);
	return 0;
}
