/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The running kernel's LSM hooks as BPF-LSM sees them: each hook has a
 * stub, bpf_lsm_<hook>, in the kernel's BTF; a program attaches to its
 * id, and its prototype says the hook's shape (hooks come and go, and
 * change shape, across versions). One pass over the kernel's BTF finds
 * every stub, kept for the boot's next runs (boot_cache.h).
 */
#ifndef HB_LSM_HOOKS_H
#define HB_LSM_HOOKS_H

struct hb_lsm_hook {
	int btf_id; /* bpf_lsm_<hook>'s id in the kernel's BTF */
	int nargs;  /* how many arguments the hook takes */
};

/*
 * @hook's stub (e.g. "socket_connect") into @out. Returns 0, -ENOENT if
 * the kernel has no such hook, or -EIO if its BTF cannot be read (said
 * once, by the first call).
 */
int hb_lsm_hook_find(const char *hook, struct hb_lsm_hook *out);

/*
 * Makes libbpf load "lsm/<hook>" and "lsm.s/<hook>" programs against
 * the stubs found here: libbpf 1.1 scans the whole BTF for each
 * program's stub (~4 ms a program under emulation). Once per process,
 * before its first object with LSM programs is opened. Returns 0 or
 * -errno.
 */
int hb_lsm_hooks_use(void);

#endif
