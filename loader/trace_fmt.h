/* SPDX-License-Identifier: GPL-2.0-only */
/* Turning events into the words a user reads. No I/O in here. */
#ifndef HB_TRACE_FMT_H
#define HB_TRACE_FMT_H

#include <stddef.h>
#include "hermetic_abi.h"

/* The action as users name it: "connect", "sendto", "socket". */
const char *hb_hook_action(unsigned int hook);

/* Why it was denied, e.g. "network disabled". */
const char *hb_reason_text(unsigned int reason);

/*
 * Copies @len bytes of untrusted @in (a comm, a path) as printable ASCII:
 * a backslash and anything outside 0x20..0x7e become \xNN, so no name can
 * forge a line or a field. Stops at a NUL. Always terminates @out.
 */
void hb_escape(const char *in, size_t len, char *out, size_t outlen);

/* The same for exactly @len bytes, NULs included (abstract socket names). */
void hb_escape_bytes(const char *in, size_t len, char *out, size_t outlen);

/*
 * One trace line without the "hermetic-bpf: " prefix, e.g.
 * "blocked connect 127.0.0.1:8080 (pid 42 python3): network disabled",
 * "blocked unix /run/x.sock (...)", "blocked DNS(example.org) (...)".
 * Returns the length snprintf() would have written.
 */
int hb_format_event(const struct hb_event *ev, char *buf, size_t len);

/*
 * The summary after a run without --trace, e.g. "blocked 3 actions
 * (connect 2, sendto 1)". @by_hook is indexed by enum hb_hook.
 */
int hb_format_summary(const unsigned long long by_hook[HB_HOOK_MAX],
		      char *buf, size_t len);

#endif
