/* SPDX-License-Identifier: GPL-2.0-only */
/* The clock BPF's bpf_ktime_get_ns() reads, for events made in user space. */
#ifndef HB_MONO_TIME_H
#define HB_MONO_TIME_H

#include <time.h>
#include <linux/types.h>

static inline __u64 hb_mono_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (__u64)now.tv_sec * 1000000000ull + (__u64)now.tv_nsec;
}

#endif
