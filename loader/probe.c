// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "lsm_list.h"
#include "mountinfo.h"
#include "probe.h"
#include "probe.skel.h"

#define BTF_PATH "/sys/kernel/btf/vmlinux"

static int probe_lsm_list(void)
{
	struct hb_mount sfs;
	char list[1024], fixed[1100];
	int err;

	err = hb_mount_find("securityfs", &sfs);
	if (err) {
		hb_log("cannot tell whether BPF-LSM is active: securityfs is not mounted");
		hb_hint("mount -t securityfs securityfs /sys/kernel/security");
		return -ENOENT;
	}
	err = hb_lsm_list_read(sfs.target, list, sizeof(list));
	if (err == -ENOENT) {
		hb_log("this kernel has no LSM list (%s/lsm is missing)", sfs.target);
		hb_hint("use a kernel built with CONFIG_SECURITY=y and CONFIG_BPF_LSM=y");
		return err;
	}
	if (err) {
		hb_log("cannot read %s/lsm: %s", sfs.target, strerror(-err));
		return err;
	}
	if (!hb_lsm_list_has(list, "bpf")) {
		hb_log("BPF-LSM is not active: the kernel's LSM list is \"%s\", without bpf",
		       list);
		if (!hb_lsm_list_with_bpf(list, fixed, sizeof(fixed)))
			hb_hint("boot with lsm=%s (needs CONFIG_BPF_LSM=y)", fixed);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int probe_btf(void)
{
	if (access(BTF_PATH, R_OK) == 0)
		return 0;
	hb_log("the kernel exposes no BTF (%s: %s)", BTF_PATH, strerror(errno));
	hb_hint("use a kernel built with CONFIG_DEBUG_INFO_BTF=y");
	return -ENOENT;
}

/* -524 is the kernel's ENOTSUPP, which leaks to user space from BPF. */
static void hint_load_error(int err)
{
	if (err == -EPERM || err == -EACCES)
		hb_hint("this kernel refuses BPF trampolines (ftrace text patching "
			"disabled, or lockdown); BPF-LSM needs them. Use another "
			"kernel, or see the demo in a VM: make demo");
	else if (err == -EINVAL || err == -EOPNOTSUPP || err == -524)
		hb_hint("the kernel lacks CONFIG_BPF_LSM=y or BPF trampolines; run -v for libbpf's details");
	else
		hb_hint("run with -v to see libbpf's details");
}

static int probe_program(void)
{
	struct probe *skel;
	int err;

	skel = probe__open();
	if (!skel) {
		err = -errno;
		hb_log("cannot open the BPF-LSM probe: %s", strerror(-err));
		return err;
	}
	err = probe__load(skel);
	if (err) {
		hb_log("a BPF-LSM program cannot be loaded here (BPF_PROG_LOAD: %s)",
		       strerror(-err));
		hint_load_error(err);
		goto out;
	}
	err = probe__attach(skel);
	if (err) {
		hb_log("a BPF-LSM program cannot be attached here (%s)", strerror(-err));
		hint_load_error(err);
	}
out:
	probe__destroy(skel);
	return err;
}

int hb_probe_bpf_lsm(void)
{
	int err;

	if (geteuid() != 0) {
		hb_log("loading BPF-LSM programs needs root");
		hb_hint("run it with sudo; the command itself still runs as you");
		return -EPERM;
	}
	err = probe_lsm_list();
	if (!err)
		err = probe_btf();
	if (!err)
		err = probe_program();
	if (!err)
		hb_debug("probe: BPF-LSM is active and programs load and attach");
	return err;
}
