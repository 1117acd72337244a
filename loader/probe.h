/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Can BPF-LSM enforce on this kernel? Asked in layers, cheapest first;
 * the first layer that fails says what is missing and how to fix it.
 */
#ifndef HB_PROBE_H
#define HB_PROBE_H

/* 0 when a BPF-LSM program loads and attaches here; else -errno, logged. */
int hb_probe_bpf_lsm(void);

#endif
