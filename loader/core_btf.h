/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's types our programs relocate against (CO-RE), kept for the
 * boot. libbpf finds each type the object reads by scanning the whole of
 * the kernel's BTF, once per type: about 30 scans, a third of a cold
 * run's time on 6.1 under emulation. bpftool's min_core_btf keeps just
 * what the object uses, a few KB; a cold run then relocates against that.
 */
#ifndef HB_CORE_BTF_H
#define HB_CORE_BTF_H

#include <stdbool.h>
#include <stddef.h>

#define HB_CORE_BTF_PATH_MAX 160

/*
 * This boot's types for the object whose checksum is @sum, if root made
 * them: the file's path in @path, returned; else NULL (libbpf reads the
 * kernel's whole BTF).
 */
const char *hb_core_btf_cached(unsigned long sum, char *path, size_t len);

/*
 * Made by bpftool from the kernel's BTF and the object's @size bytes at
 * @elf, if not there yet: after a load that relocated against the whole
 * BTF, so that the next cold run of the boot need not. A failure only
 * costs the next run that scan again; said at -v.
 */
void hb_core_btf_make(const void *elf, size_t size, unsigned long sum);

/* A kept file that a load could not use: gone, so the next run makes it anew. */
void hb_core_btf_drop(const char *path);

#endif /* HB_CORE_BTF_H */
