// SPDX-License-Identifier: GPL-2.0-only
/*
 * One line per loaded BPF program: id, type, name, the LSM hook it is
 * attached to ("-" if none), run count and run time (both stay 0 unless
 * kernel.bpf_stats_enabled is 1). bpftool's job, for a guest that has no
 * bpftool.
 * Usage: prog_stats [-n]   (-n: no hook names, which cost a read of the
 * kernel's BTF; for polling)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#define LSM_PREFIX "bpf_lsm_"

/* The hook from the attach target: bpf_lsm_<hook> in the kernel's BTF. */
static const char *hook_of(const struct bpf_prog_info *info)
{
	static struct btf *btf;
	static __u32 btf_id;
	const struct btf_type *t;
	const char *name;

	if (!info->attach_btf_id || !info->attach_btf_obj_id)
		return "-";
	if (btf_id != info->attach_btf_obj_id) {
		/* vmlinux's, in practice: loaded once, it is big. */
		btf__free(btf);
		btf = btf__load_from_kernel_by_id(info->attach_btf_obj_id);
		btf_id = btf ? info->attach_btf_obj_id : 0;
	}
	t = btf ? btf__type_by_id(btf, info->attach_btf_id) : NULL;
	name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	if (!name)
		return "-";
	return strncmp(name, LSM_PREFIX, strlen(LSM_PREFIX)) ? name :
							     name + strlen(LSM_PREFIX);
}

int main(int argc, char **argv)
{
	bool hooks = !(argc > 1 && !strcmp(argv[1], "-n"));
	__u32 id = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue; /* unloaded since we saw its id */
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			printf("prog id=%u type=%u name=%s hook=%s run_cnt=%llu run_time_ns=%llu\n",
			       info.id, info.type, info.name, hooks ? hook_of(&info) : "-",
			       (unsigned long long)info.run_cnt,
			       (unsigned long long)info.run_time_ns);
		close(fd);
	}
	if (errno != ENOENT) {
		perror("bpf_prog_get_next_id");
		return 1;
	}
	return 0;
}
