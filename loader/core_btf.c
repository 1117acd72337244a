// SPDX-License-Identifier: GPL-2.0-only
/* The kernel's types our programs relocate against, kept for the boot (core_btf.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "boot_cache.h"
#include "core_btf.h"
#include "log.h"

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"
/* Debian's; run as root, so only a root-owned one that others cannot change. */
#define BPFTOOL "/usr/sbin/bpftool"
/* bpftool takes ~0.1 s natively; a hung one must not hold the run's exit. */
#define MAKE_TIMEOUT_MS 20000

/* Keyed by boot and by object: another build relocates other types. */
static int cache_path(unsigned long sum, char *path, size_t len)
{
	char boot[64];

	if (!hb_boot_id(boot))
		return -ENOENT;
	if ((size_t)snprintf(path, len, "%s/core-%s-%08lx.btf", HB_BOOT_CACHE_DIR, boot,
			     sum) >= len)
		return -ENAMETOOLONG;
	return 0;
}

const char *hb_core_btf_cached(unsigned long sum, char *path, size_t len)
{
	struct stat st, dir;

	if (cache_path(sum, path, len) || lstat(path, &st) || !S_ISREG(st.st_mode))
		return NULL;
	/* libbpf opens it by name: the directory must be root's word too. */
	if (!hb_boot_cache_trusted(&st) || lstat(HB_BOOT_CACHE_DIR, &dir) ||
	    !hb_boot_cache_trusted(&dir)) {
		hb_debug("the kernel's types: %s is not root's alone; not used", path);
		return NULL;
	}
	hb_debug("the kernel's types: as kept earlier in this boot (%s)", path);
	return path;
}

void hb_core_btf_drop(const char *path)
{
	if (path && !unlink(path))
		hb_debug("the kernel's types: removed %s, which the load could not use", path);
}

static int write_all(int fd, const void *buf, size_t size)
{
	for (const char *p = buf; size;) {
		ssize_t n = write(fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

/* bpftool gen min_core_btf KERNEL_BTF @out @obj, with nothing of ours but those. */
static int run_bpftool(const char *out, const char *obj)
{
	char *const argv[] = { "bpftool", "gen", "min_core_btf", KERNEL_BTF, (char *)out,
			       (char *)obj, NULL };
	char *const envp[] = { NULL };
	posix_spawn_file_actions_t fa;
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int status, err;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	err = posix_spawn(&pid, BPFTOOL, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -err;
	for (int ms = 0; (err = waitpid(pid, &status, WNOHANG)) == 0; ms += 10) {
		if (ms >= MAKE_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
	}
	if (err < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPROTO;
}

void hb_core_btf_make(const void *elf, size_t size, unsigned long sum)
{
	char path[HB_CORE_BTF_PATH_MAX], obj[HB_CORE_BTF_PATH_MAX + 16];
	char tmp[HB_CORE_BTF_PATH_MAX + 16];
	struct stat st;
	int fd, err;

	if (geteuid() || cache_path(sum, path, sizeof(path)) || !lstat(path, &st))
		return;
	if (stat(BPFTOOL, &st) || !S_ISREG(st.st_mode) || !hb_boot_cache_trusted(&st)) {
		hb_debug("the kernel's types: not kept for the next cold run (no " BPFTOOL
			 " of root's)");
		return;
	}
	if (hb_boot_cache_dir())
		return;
	snprintf(obj, sizeof(obj), "%s.%d.o", path, (int)getpid());
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(obj, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	err = write_all(fd, elf, size);
	if (close(fd) && !err)
		err = -EIO;
	if (!err)
		err = run_bpftool(tmp, obj);
	unlink(obj);
	/* Readable by all, as the kernel's BTF is; written by root only. */
	if (!err && (chmod(tmp, 0644) || rename(tmp, path)))
		err = -errno;
	if (err) {
		unlink(tmp);
		hb_debug("the kernel's types: not kept for the next cold run (%s)",
			 err == -EPROTO ? "bpftool failed" :
			 err == -ETIMEDOUT ? "bpftool took too long" : strerror(-err));
		return;
	}
	hb_debug("the kernel's types: kept what the programs use for this boot's next cold "
		 "runs (%s)", path);
}
