/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tier B's Landlock ruleset: the launcher builds it before the command
 * exists and the command's process takes it on just before exec. Every
 * tier B sandbox gets one, whatever its guards: the domain keeps ptrace
 * (and, from ABI 6, signals and abstract unix sockets) inside the
 * sandbox; the filesystem and exec guards add their rights (spec/tiers.md).
 */
#ifndef HB_LANDLOCK_H
#define HB_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>

/* Landlock ABI versions that bring what tier B needs. */
#define HB_LANDLOCK_ABI_EXEC 1     /* execute rights */
#define HB_LANDLOCK_ABI_FS 3       /* truncate(2) is a right from ABI 3 */
#define HB_LANDLOCK_ABI_SCOPE 6    /* signals, abstract unix sockets */

/* The running kernel's Landlock ABI version, or -errno (ENOSYS, EOPNOTSUPP). */
int hb_landlock_abi(void);

/* What the sandbox asks of Landlock. */
struct hb_landlock_plan {
	bool fs_write;  /* --fs-readonly: no change outside write_paths */
	bool fs_read;   /* a read root: no read outside read_paths */
	bool exec;      /* --no-subprocess: run only the command's own programs
			 * (--allow-exec is refused in tier B: cli/run.c) */
	const char *root; /* the read root, or NULL */
	const char *const *write_paths;
	size_t n_write;
	const char *const *read_paths;
	size_t n_read;
	const char *cmd;      /* the command as given, and the PATH it is */
	const char *path_env; /* looked up in: its runtime list */
};

/* A built ruleset, for the command's process to take on. */
struct hb_landlock {
	int fd;                 /* the ruleset (close-on-exec), or -1 */
	unsigned long long own_proc; /* rights on its own /proc/PID */
};

/*
 * Builds the ruleset for @p on a kernel with Landlock ABI @abi (1 or
 * later) into @ll; with no guard's rights in @p, a ruleset that only
 * scopes (ABI 6), or on older ABIs one that handles making block devices
 * only (a ruleset must handle something; only CAP_MKNOD can make them).
 * Returns 0, or -errno after saying what failed (which flag and path).
 * Nothing is restricted yet.
 */
int hb_landlock_build(const struct hb_landlock_plan *p, int abi, struct hb_landlock *ll);

/*
 * In the command's process, before exec (after no_new_privs): takes on
 * the ruleset, its own /proc/PID allowed. Returns 0 or -errno.
 */
int hb_landlock_enforce(const struct hb_landlock *ll);

#endif
