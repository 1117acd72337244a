/* SPDX-License-Identifier: GPL-2.0-only */
/* Turning events into the words a user reads. No I/O in here. */
#ifndef HB_TRACE_FMT_H
#define HB_TRACE_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include "hermetic_abi.h"

/* The action as users name it: "connect", "sendto", "socket". */
const char *hb_hook_action(unsigned int hook);

/*
 * The hook's stable code for machine-readable output: the enum's name in
 * lower case without HB_HOOK_ ("connect", "exec_file", "fs_write"); NULL
 * for HB_HOOK_NONE and values this build does not know.
 */
const char *hb_hook_code(unsigned int hook);

/* Why it was denied, e.g. "network disabled". */
const char *hb_reason_text(unsigned int reason);

/* The same as a stable code ("net_disabled"), like hb_hook_code(). */
const char *hb_reason_code(unsigned int reason);

/*
 * Names of what events carry, NULL when this build has none for the value:
 * "AF_PACKET", "SOCK_RAW", "CAP_SYS_MODULE", an fs op ("unlink"), a perf
 * access ("cpu"), a terminal ioctl ("TIOCSTI") and a road into memory
 * ("userfaultfd").
 */
const char *hb_family_name(unsigned int family);
const char *hb_socket_type_name(unsigned int type);
const char *hb_cap_name(unsigned int cap);
const char *hb_fs_op_name(unsigned int op);
const char *hb_perf_access_name(unsigned int access);
const char *hb_ioctl_name(unsigned int request);
const char *hb_memory_road_name(unsigned int road);
/* A socket option (or control message) by level: "IPV6_RTHDR". */
const char *hb_sockopt_name(unsigned int level, unsigned int name);

/*
 * Whether a byte of an untrusted name is written as \xNN: a backslash and
 * anything outside printable ASCII (0x20..0x7e).
 */
static inline bool hb_escape_needed(unsigned char c)
{
	return c < 0x20 || c > 0x7e || c == '\\';
}

/*
 * Copies @len bytes of untrusted @in (a comm, a path) as printable ASCII:
 * a backslash and anything outside 0x20..0x7e become \xNN, so no name can
 * forge a line or a field. Stops at a NUL. Always terminates @out.
 */
void hb_escape(const char *in, size_t len, char *out, size_t outlen);

/* The same for exactly @len bytes, NULs included (abstract socket names). */
void hb_escape_bytes(const char *in, size_t len, char *out, size_t outlen);

/*
 * The event's IP address as text ("127.0.0.1", "::ffff:10.0.0.1"), in @buf
 * (INET6_ADDRSTRLEN bytes); NULL when the family is neither HB_AF_INET nor
 * HB_AF_INET6.
 */
const char *hb_event_ip(const struct hb_event *ev, char *buf, size_t len);

/*
 * The names an event's path field holds, as the sandbox gave them, still
 * to be escaped (len[i] bytes each, NULs included): none (count 0: no path,
 * anonymous memory, an unnamed socket); one: a file's path or a DNS name,
 * cut at its first NUL, or an abstract unix socket's name (@abstract, the
 * leading NUL left out, every byte after it kept); two for rename and link
 * ("old\0new": the second runs to path_len).
 */
struct hb_event_names {
	const char *name[2];
	size_t len[2];
	unsigned int count;
	bool abstract;
};

void hb_event_names(const struct hb_event *ev, struct hb_event_names *out);

/*
 * One trace line without the "hermetic-bpf: " prefix, e.g.
 * "blocked connect 127.0.0.1:8080 (pid 42 python3): network disabled",
 * "blocked unix /run/x.sock (...)", "blocked DNS(example.org) (...)";
 * "audited ..." for an event of --audit (verdict HB_VERDICT_AUDIT).
 * Returns the length snprintf() would have written.
 */
int hb_format_event(const struct hb_event *ev, char *buf, size_t len);

/*
 * The summary after a run without --trace, e.g. "blocked 3 actions
 * (connect 2, sendto 1)" for @verb "blocked". @by_hook is indexed by
 * enum hb_hook.
 */
int hb_format_summary(const unsigned long long by_hook[HB_HOOK_MAX], const char *verb,
		      char *buf, size_t len);

#endif
