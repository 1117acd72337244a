// SPDX-License-Identifier: GPL-2.0-only
/* The kernel's LSM hook stubs, found once a boot (lsm_hooks.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "boot_cache.h"
#include "log.h"
#include "lsm_hooks.h"

#define STUB_PREFIX "bpf_lsm_"
#define HOOK_MAX 64 /* the longest hook name is under 40 */

/*
 * The answer cannot change before the next boot, and parsing the
 * kernel's BTF costs a cold run ~90 ms natively (more under emulation):
 * kept for this boot, in a file only root can have written. Lines:
 * the boot id, then "<hook> <nargs> <btf id>" for every stub.
 */
#define HOOKS_CACHE HB_BOOT_CACHE_DIR "/lsm-hooks"

struct stub {
	char hook[HOOK_MAX];
	struct hb_lsm_hook h;
};

static struct stub *stubs;
static size_t nstubs;
static int table_err = 1; /* 1: not read yet */

static int by_hook(const void *a, const void *b)
{
	const struct stub *x = a, *y = b;
	int c = strcmp(x->hook, y->hook);

	/* The same name twice: the lower id first, as libbpf would find it. */
	return c ? c : (x->h.btf_id > y->h.btf_id) - (x->h.btf_id < y->h.btf_id);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct stub *)a)->hook, ((const struct stub *)b)->hook);
}

static int add(const char *hook, int btf_id, int nargs)
{
	struct stub *more;

	if (strlen(hook) >= HOOK_MAX || btf_id <= 0)
		return 0; /* no program names such a hook */
	more = realloc(stubs, (nstubs + 1) * sizeof(*stubs));
	if (!more)
		return -ENOMEM;
	stubs = more;
	snprintf(stubs[nstubs].hook, HOOK_MAX, "%s", hook);
	stubs[nstubs].h = (struct hb_lsm_hook){ .btf_id = btf_id, .nargs = nargs };
	nstubs++;
	return 0;
}

static void forget(void)
{
	free(stubs);
	stubs = NULL;
	nstubs = 0;
}

/* 0 with the stubs of this boot's cache, else -ENOENT. */
static int read_cache(const char *boot)
{
	int fd = open(HOOKS_CACHE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), err = 0;
	char line[192], hook[HOOK_MAX + 1];
	struct stat st;
	FILE *f;

	if (fd < 0)
		return -ENOENT;
	/* The directory must be root's word too (it exists: the file opened). */
	if (fstat(fd, &st) || !hb_boot_cache_trusted(&st) || hb_boot_cache_dir() ||
	    !(f = fdopen(fd, "r"))) {
		close(fd);
		return -ENOENT;
	}
	if (!fgets(line, sizeof(line), f) || strncmp(line, boot, strlen(boot)) ||
	    line[strlen(boot)] != '\n') {
		fclose(f);
		return -ENOENT;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		int nargs, id;

		/* A line of another shape (an older build's file): not ours. */
		if (sscanf(line, "%64s %d %d", hook, &nargs, &id) != 3) {
			err = -ENOENT;
			break;
		}
		err = add(hook, id, nargs);
	}
	fclose(f);
	return err ? err : nstubs ? 0 : -ENOENT;
}

/* Kept for the next run of this boot; a failure only costs it the parse. */
static void write_cache(const char *boot)
{
	char tmp[sizeof(HOOKS_CACHE) + 16];
	FILE *f;
	int fd;

	if (geteuid() != 0 || hb_boot_cache_dir())
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d", HOOKS_CACHE, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return;
	}
	fprintf(f, "%s\n", boot);
	for (size_t i = 0; i < nstubs; i++)
		fprintf(f, "%s %d %d\n", stubs[i].hook, stubs[i].h.nargs, stubs[i].h.btf_id);
	if (fclose(f) || rename(tmp, HOOKS_CACHE))
		unlink(tmp);
}

/* Every bpf_lsm_<hook> function of the kernel's BTF, in one pass. */
static int scan_btf(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	__u32 n;
	int err = 0;

	if (!btf)
		return -EIO;
	n = btf__type_cnt(btf);
	for (__u32 id = 1; !err && id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id), *proto;
		const char *name;

		if (!btf_is_func(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (!name || strncmp(name, STUB_PREFIX, sizeof(STUB_PREFIX) - 1))
			continue;
		proto = btf__type_by_id(btf, t->type);
		if (proto && btf_is_func_proto(proto))
			err = add(name + sizeof(STUB_PREFIX) - 1, (int)id, btf_vlen(proto));
	}
	btf__free(btf);
	return err;
}

static int read_table(void)
{
	char boot[64];
	bool booted = hb_boot_id(boot);

	if (booted && !read_cache(boot)) {
		hb_debug("the kernel's LSM hooks: as found earlier in this boot");
	} else {
		forget();
		if (scan_btf()) {
			forget();
			hb_log("cannot read the kernel's BTF (/sys/kernel/btf/vmlinux) to find "
			       "its LSM hooks");
			return -EIO;
		}
		if (booted)
			write_cache(boot);
	}
	qsort(stubs, nstubs, sizeof(*stubs), by_hook);
	return 0;
}

int hb_lsm_hook_find(const char *hook, struct hb_lsm_hook *out)
{
	struct stub key = { 0 }, *s;

	if (table_err == 1)
		table_err = read_table();
	if (table_err)
		return table_err;
	if (strlen(hook) >= HOOK_MAX)
		return -ENOENT;
	snprintf(key.hook, HOOK_MAX, "%s", hook);
	/* Sorted by name, then id: the first of equal names is the lowest id. */
	s = bsearch(&key, stubs, nstubs, sizeof(*stubs), by_name);
	while (s && s > stubs && !strcmp(s[-1].hook, hook))
		s--;
	if (!s)
		return -ENOENT;
	*out = s->h;
	return 0;
}

/* cookie 1: "lsm.s/", a sleepable program. */
static int prepare_load(struct bpf_program *prog, struct bpf_prog_load_opts *opts,
			long cookie)
{
	const char *sec = bpf_program__section_name(prog);
	const char *hook = strchr(sec, '/');
	struct hb_lsm_hook h;
	int err;

	if (!hook || !hook[1]) {
		hb_log("BPF program %s names no LSM hook (section %s)",
		       bpf_program__name(prog), sec);
		return -EINVAL;
	}
	err = hb_lsm_hook_find(hook + 1, &h);
	if (err == -ENOENT)
		hb_log("this kernel has no LSM hook %s, which program %s needs", hook + 1,
		       bpf_program__name(prog));
	if (err)
		return err;
	opts->attach_btf_obj_fd = 0; /* the kernel's own BTF, not a module's */
	opts->attach_btf_id = h.btf_id;
	if (cookie)
		opts->prog_flags |= BPF_F_SLEEPABLE;
	return 0;
}

static int attach(const struct bpf_program *prog, long cookie, struct bpf_link **link)
{
	(void)cookie;
	*link = bpf_program__attach_lsm(prog);
	return libbpf_get_error(*link);
}

int hb_lsm_hooks_use(void)
{
	static int plain, sleepable; /* the handlers' ids, once registered */
	LIBBPF_OPTS(libbpf_prog_handler_opts, opts, .prog_prepare_load_fn = prepare_load,
		    .prog_attach_fn = attach);
	int err;

	/* Custom handlers come before libbpf's own for the same sections. */
	if (!plain)
		plain = libbpf_register_prog_handler("lsm+", BPF_PROG_TYPE_LSM, BPF_LSM_MAC,
						     &opts);
	opts.cookie = 1;
	if (plain > 0 && !sleepable)
		sleepable = libbpf_register_prog_handler("lsm.s+", BPF_PROG_TYPE_LSM,
							 BPF_LSM_MAC, &opts);
	if (plain > 0 && sleepable > 0)
		return 0;
	err = plain < 0 ? plain : sleepable;
	hb_log("cannot register the LSM programs' loader with libbpf: %s", strerror(-err));
	if (plain < 0) /* the next call tries again */
		plain = 0;
	if (sleepable < 0)
		sleepable = 0;
	return err;
}
