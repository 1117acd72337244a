// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "landlock.h"
#include "lsm_list.h"
#include "mountinfo.h"
#include "probe.h"
#include "probe.skel.h"

#define BTF_PATH "/sys/kernel/btf/vmlinux"

/* -524 is the kernel's ENOTSUPP, which leaks to user space from BPF. */
#define KERNEL_ENOTSUPP 524

static int failed(struct hb_probe_failure *f, int err, const char *hint,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int failed(struct hb_probe_failure *f, int err, const char *hint,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
	snprintf(f->hint, sizeof(f->hint), "%s", hint);
	return err;
}

static int probe_root(struct hb_probe_failure *f)
{
	if (geteuid() == 0)
		return 0;
	return failed(f, -EPERM, "run it with sudo; the command itself still runs as you",
		      "loading BPF programs needs root");
}

static int probe_lsm_list(struct hb_probe_failure *f)
{
	char list[1024], fixed[1100], hint[1200];
	struct hb_mount sfs;
	int err;

	if (hb_mount_find("securityfs", &sfs))
		return failed(f, -ENOENT, "mount -t securityfs securityfs /sys/kernel/security",
			      "cannot tell whether BPF-LSM is active: securityfs is not mounted");
	err = hb_lsm_list_read(sfs.target, list, sizeof(list));
	if (err == -ENOENT)
		return failed(f, err, "use a kernel built with CONFIG_SECURITY=y and CONFIG_BPF_LSM=y",
			      "this kernel has no LSM list (%s/lsm is missing)", sfs.target);
	if (err)
		return failed(f, err, "", "cannot read %s/lsm: %s", sfs.target,
			      strerror(-err));
	if (hb_lsm_list_has(list, "bpf"))
		return 0;
	hint[0] = '\0';
	if (!hb_lsm_list_with(list, "bpf", fixed, sizeof(fixed)))
		snprintf(hint, sizeof(hint), "boot with lsm=%s (needs CONFIG_BPF_LSM=y)", fixed);
	return failed(f, -EOPNOTSUPP, hint,
		      "BPF-LSM is not active: the kernel's LSM list is \"%s\", without bpf",
		      list);
}

static int probe_btf(struct hb_probe_failure *f)
{
	if (access(BTF_PATH, R_OK) == 0)
		return 0;
	return failed(f, -ENOENT, "use a kernel built with CONFIG_DEBUG_INFO_BTF=y",
		      "the kernel exposes no BTF (%s: %s)", BTF_PATH, strerror(errno));
}

static const char *load_hint(int err)
{
	if (err == -EPERM || err == -EACCES)
		return "this kernel refuses BPF trampolines (ftrace text patching "
		       "disabled, or lockdown); BPF-LSM needs them. Use another "
		       "kernel, or see the demo in a VM: make demo";
	if (err == -EINVAL || err == -EOPNOTSUPP || err == -KERNEL_ENOTSUPP)
		return "the kernel lacks CONFIG_BPF_LSM=y or BPF trampolines; run -v for libbpf's details";
	return "run with -v to see libbpf's details";
}

/* Loads (and for LSM attaches) only @keep of the probe object. */
static int probe_program(struct hb_probe_failure *f, bool lsm)
{
	struct probe *skel = probe__open();
	int err;

	if (!skel)
		return failed(f, -errno, "", "cannot open the probe object: %s",
			      strerror(errno));
	bpf_program__set_autoload(skel->progs.hb_probe_lsm, lsm);
	bpf_program__set_autoload(skel->progs.hb_probe_cg, !lsm);
	err = probe__load(skel);
	if (err && lsm)
		failed(f, err, load_hint(err),
		       "a BPF-LSM program cannot be loaded here (BPF_PROG_LOAD: %s)",
		       strerror(-err));
	else if (err)
		failed(f, err, "use a kernel with CONFIG_CGROUP_BPF=y; run -v for libbpf's details",
		       "a cgroup BPF program cannot be loaded here (%s)", strerror(-err));
	if (!err && lsm) {
		struct bpf_link *link = bpf_program__attach(skel->progs.hb_probe_lsm);

		err = libbpf_get_error(link);
		if (err == -E2BIG)
			failed(f, err, HB_HINT_HOOK_FULL,
			       "BPF-LSM is active, but its socket_connect hook has no "
			       "room for another program (%s)", strerror(-err));
		else if (err)
			failed(f, err, load_hint(err),
			       "a BPF-LSM program cannot be attached here (%s)",
			       strerror(-err));
		bpf_link__destroy(err ? NULL : link);
	}
	probe__destroy(skel);
	return err;
}

int hb_probe_bpf_lsm_listed(struct hb_probe_failure *f)
{
	int err = probe_root(f);

	if (!err)
		err = probe_lsm_list(f);
	if (!err)
		err = probe_btf(f);
	return err;
}

int hb_probe_bpf_lsm(struct hb_probe_failure *f)
{
	int err = hb_probe_bpf_lsm_listed(f);

	if (!err)
		err = probe_program(f, true);
	if (!err)
		hb_debug("probe: BPF-LSM is active and programs load and attach");
	return err;
}

int hb_probe_landlock(int need, struct hb_probe_failure *f)
{
	char list[1024], fixed[1100], hint[1200] = "";
	int abi = hb_landlock_abi();
	struct hb_mount sfs;

	if (abi >= need)
		return abi;
	if (abi >= 0)
		return failed(f, -EOPNOTSUPP, "use Linux 6.2 or later, or a kernel with BPF-LSM",
			      "this kernel's Landlock is ABI %d; this needs ABI %d", abi, need);
	if (abi != -EOPNOTSUPP)
		return failed(f, abi, "use a kernel built with CONFIG_SECURITY_LANDLOCK=y",
			      "this kernel has no Landlock (%s)", strerror(-abi));
	if (!hb_mount_find("securityfs", &sfs) &&
	    !hb_lsm_list_read(sfs.target, list, sizeof(list)) &&
	    !hb_lsm_list_with(list, "landlock", fixed, sizeof(fixed)))
		snprintf(hint, sizeof(hint), "boot with lsm=%s", fixed);
	return failed(f, abi, hint, "Landlock is built in but not active (not in lsm=)");
}

int hb_probe_cgroup2(struct hb_probe_failure *f)
{
	struct hb_mount cg;

	if (!hb_mount_find("cgroup2", &cg))
		return 0;
	return failed(f, -ENOENT, "mount -t cgroup2 none /sys/fs/cgroup, or boot with "
		      "systemd.unified_cgroup_hierarchy=1",
		      "cgroup v2 is not mounted: every sandbox is a cgroup v2 group");
}

int hb_probe_cgroup_bpf(struct hb_probe_failure *f)
{
	int err = probe_root(f);

	if (!err)
		err = probe_btf(f);
	if (!err)
		err = probe_program(f, false);
	if (!err)
		hb_debug("probe: cgroup BPF programs load");
	return err;
}

int hb_probe_attach_type(int type)
{
	const struct bpf_insn ret1[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type);
	int fd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, NULL, "GPL", ret1,
			       sizeof(ret1) / sizeof(ret1[0]), &opts);

	if (fd < 0)
		return fd;
	close(fd);
	return type;
}

void hb_probe_failure_log(const struct hb_probe_failure *f)
{
	hb_log("%s", f->what);
	if (f->hint[0])
		hb_hint("%s", f->hint);
}
