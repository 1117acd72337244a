// SPDX-License-Identifier: GPL-2.0-only
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "file_id.h"
#include "fs_runtime.h"
#include "hermetic_abi.h"
#include "log.h"
#include "path.h"

/* What glibc's execvp() searches when PATH is unset (confstr _CS_PATH). */
static const char default_path[] = "/bin:/usr/bin";

/* What the dynamic loader and libc read whatever the program. */
static const char *const system_paths[] = {
	"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/etc/ld.so.cache", "/usr/share/locale",
};

/*
 * How much of a program we read: its ELF and program headers and its
 * interpreter's name sit at the start of any file a linker wrote.
 */
#define HEAD_SIZE 65536

static const char spacetab[] = " \t";

/* realpath() into a caller's buffer of any size. */
static int real_path(const char *path, char *out, size_t size)
{
	char *p = realpath(path, NULL);
	int err = 0;

	if (!p)
		return -errno;
	if (strlen(p) < size)
		strcpy(out, p);
	else
		err = -ENAMETOOLONG;
	free(p);
	return err;
}

/* What execvp() would run: a regular file with any x bit. */
static bool is_program(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

int hb_find_command(const char *cmd, const char *path_env, char *cand, size_t size)
{
	char *dirs, *rest, *dir;
	int err = -ENOENT;

	if (strchr(cmd, '/'))
		return snprintf(cand, size, "%s", cmd) < (int)size ? 0 : -ENAMETOOLONG;
	if (!*cmd)
		return -ENOENT;
	if (!path_env || !*path_env)
		path_env = default_path;
	dirs = rest = strdup(path_env);
	if (!dirs)
		return -ENOMEM;
	while ((dir = strsep(&rest, ":"))) {
		/* An empty element is the current directory, as for execvp(). */
		if (hb_path_join(cand, size, *dir ? dir : ".", cmd) || !is_program(cand))
			continue;
		err = 0;
		break;
	}
	free(dirs);
	return err;
}

int hb_resolve_command(const char *cmd, const char *path_env, char *out, size_t size)
{
	char cand[PATH_MAX];
	int err = hb_find_command(cmd, path_env, cand, sizeof(cand));

	return err ? err : real_path(cand, out, size);
}

/*
 * The line ends at a newline; without one in the buffer it is the whole
 * buffer but its last byte, if the interpreter's name ends in it (else the
 * name was cut: the kernel refuses it). NULL then.
 */
static char *line_end(char *b, const char *name)
{
	char *nl = memchr(b, '\n', HB_SHEBANG_MAX);

	if (nl)
		return nl;
	if (name + strcspn(name, spacetab) > b + HB_SHEBANG_MAX - 1)
		return NULL;
	return b + HB_SHEBANG_MAX - 1;
}

int hb_shebang_parse(const void *buf, size_t len, struct hb_shebang *sb)
{
	/* The kernel's view: NUL-padded, what is beyond its buffer unseen. */
	char b[HB_SHEBANG_MAX + 1] = { 0 };
	char *name, *end;
	size_t n;

	memcpy(b, buf, len < HB_SHEBANG_MAX ? len : HB_SHEBANG_MAX);
	if (b[0] != '#' || b[1] != '!')
		return -ENOEXEC;
	name = b + 2 + strspn(b + 2, spacetab);
	end = line_end(b, name);
	if (!end)
		return -ENOEXEC;
	*end = '\0';
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (!*name)
		return -ENOEXEC;
	n = strcspn(name, spacetab);
	memcpy(sb->interp, name, n);
	sb->interp[n] = '\0';
	name += n;
	strcpy(sb->arg, name + strspn(name, spacetab));
	return 0;
}

int hb_shebang_env_name(const struct hb_shebang *sb, char *name, size_t size)
{
	const char *base = strrchr(sb->interp, '/');
	const char *word = sb->arg;
	size_t n = strlen(word);

	if (strcmp(base ? base + 1 : sb->interp, "env"))
		return -ENOENT;
	/* Without -S, env gets the rest of the line as one word: the name. */
	if (!strncmp(word, "-S", 2)) {
		for (word += 2;; word += n) {
			word += strspn(word, spacetab);
			n = strcspn(word, spacetab);
			if (!memchr(word, '=', n))
				break; /* not a VAR=VALUE for the program */
		}
	}
	if (!n || word[0] == '-')
		return -ENOENT;
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(name, word, n);
	name[n] = '\0';
	return 0;
}

/* Where the program headers are, whatever the ELF class. */
struct elf_view {
	bool is64;
	__u64 phoff;
	size_t phnum, phentsize;
};

/* Fields are copied out: @buf may come from anywhere, with any alignment. */
static bool get(const void *buf, size_t len, __u64 off, void *dst, size_t n)
{
	if (off > len || n > len - off)
		return false;
	memcpy(dst, (const char *)buf + off, n);
	return true;
}

static int read_ehdr(const void *buf, size_t len, struct elf_view *v)
{
	unsigned char id[EI_NIDENT];
	Elf64_Ehdr e64;
	Elf32_Ehdr e32;

	if (!get(buf, len, 0, id, sizeof(id)) || memcmp(id, ELFMAG, SELFMAG) ||
	    id[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB
								   : ELFDATA2MSB))
		return -ENOEXEC;
	/* The kernel refuses other program header sizes too. */
	if (id[EI_CLASS] == ELFCLASS64 && get(buf, len, 0, &e64, sizeof(e64)) &&
	    e64.e_phentsize == sizeof(Elf64_Phdr)) {
		*v = (struct elf_view){ true, e64.e_phoff, e64.e_phnum, e64.e_phentsize };
		return 0;
	}
	if (id[EI_CLASS] == ELFCLASS32 && get(buf, len, 0, &e32, sizeof(e32)) &&
	    e32.e_phentsize == sizeof(Elf32_Phdr)) {
		*v = (struct elf_view){ false, e32.e_phoff, e32.e_phnum, e32.e_phentsize };
		return 0;
	}
	return -ENOEXEC;
}

/* Program header @i as a 64-bit one. */
static bool read_phdr(const void *buf, size_t len, const struct elf_view *v, size_t i,
		      Elf64_Phdr *p)
{
	Elf32_Phdr p32;

	if (v->is64)
		return get(buf, len, v->phoff + i * v->phentsize, p, sizeof(*p));
	if (!get(buf, len, v->phoff + i * v->phentsize, &p32, sizeof(p32)))
		return false;
	*p = (Elf64_Phdr){ .p_type = p32.p_type, .p_offset = p32.p_offset,
			   .p_filesz = p32.p_filesz };
	return true;
}

static int copy_interp(const void *buf, size_t len, const Elf64_Phdr *p, char *out,
		       size_t size)
{
	const char *s;

	/* The kernel's checks: 2 to PATH_MAX bytes, NUL-terminated. */
	if (p->p_filesz < 2 || p->p_filesz > PATH_MAX || p->p_offset > len ||
	    p->p_filesz > len - p->p_offset)
		return -ENOEXEC;
	s = (const char *)buf + p->p_offset;
	if (s[p->p_filesz - 1] || !s[0]) /* "" would run nothing */
		return -ENOEXEC;
	if (strlen(s) >= size)
		return -ENAMETOOLONG;
	strcpy(out, s);
	return 0;
}

int hb_elf_interp(const void *buf, size_t len, char *out, size_t size)
{
	struct elf_view v;
	Elf64_Phdr p;
	int err = read_ehdr(buf, len, &v);

	/* The kernel reads the whole table, which must not be empty. */
	if (!err && (!v.phnum || v.phoff > len ||
		     v.phnum * v.phentsize > len - v.phoff))
		err = -ENOEXEC;
	for (size_t i = 0; !err && i < v.phnum; i++) {
		if (!read_phdr(buf, len, &v, i, &p))
			return -ENOEXEC;
		if (p.p_type == PT_INTERP)
			return copy_interp(buf, len, &p, out, size);
	}
	return err ? err : -ENOENT;
}

/* One walk down a command's chain of interpreters. */
struct runtime {
	hb_runtime_fn fn;
	void *ctx;
	const char *path_env;
	char *head; /* HEAD_SIZE bytes, for one program at a time */
};

/* @path, if it exists, as @kind. */
static int add(struct runtime *rt, const char *path, enum hb_runtime_kind kind)
{
	struct stat st;

	if (lstat(path, &st))
		return 0;
	return rt->fn(rt->ctx, path, kind);
}

/* "PREFIX/bin/prog" and "PREFIX/sbin/prog" need PREFIX/lib and PREFIX/lib64. */
static int add_prefix_libs(struct runtime *rt, const char *prog)
{
	const char *slash = strrchr(prog, '/');
	const char *dir = memrchr(prog, '/', slash - prog);
	char lib[PATH_MAX];
	int len, err;

	if (!dir || ((slash - dir != 4 || strncmp(dir, "/bin", 4)) &&
		     (slash - dir != 5 || strncmp(dir, "/sbin", 5))))
		return 0;
	len = (int)(dir - prog);
	if (snprintf(lib, sizeof(lib), "%.*s/lib", len, prog) >= (int)sizeof(lib))
		return 0;
	err = add(rt, lib, HB_RUNTIME_READ);
	if (!err && snprintf(lib, sizeof(lib), "%.*s/lib64", len, prog) < (int)sizeof(lib))
		err = add(rt, lib, HB_RUNTIME_READ);
	return err;
}

/* The start of @path into rt->head: its length, or -1. */
static ssize_t read_head(struct runtime *rt, const char *path)
{
	/* Not to hang on a FIFO or a terminal swapped in since the stat(). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -1;
	/* A short read is a shorter head: fewer rules, so less allowed. */
	n = pread(fd, rt->head, HEAD_SIZE, 0);
	close(fd);
	return n;
}

static int add_program(struct runtime *rt, const char *path, int level);

/*
 * An interpreter named by a path, relative ones to our (the command's)
 * cwd; the symlinks on the way to it too (readlink of its own name).
 */
static int add_named(struct runtime *rt, const char *name, int level)
{
	char path[PATH_MAX];
	int err = add(rt, name, HB_RUNTIME_NAME);

	if (err || real_path(name, path, sizeof(path)))
		return err;
	return add_program(rt, path, level);
}

/* A program looked up as execvp() would. */
static int add_command(struct runtime *rt, const char *cmd, int level)
{
	char cand[PATH_MAX];

	return hb_find_command(cmd, rt->path_env, cand, sizeof(cand)) ? 0 :
	       add_named(rt, cand, level);
}

/*
 * Debian's Python reads its sitecustomize.py through a symlink into
 * /etc/pythonX.Y: part of the interpreter, like its stdlib.
 */
static int add_python_config(struct runtime *rt, const char *prog)
{
	const char *base = strrchr(prog, '/');
	unsigned int major, minor;
	char etc[64], end;

	base = base ? base + 1 : prog;
	if (sscanf(base, "python%u.%u%c", &major, &minor, &end) != 2)
		return 0;
	snprintf(etc, sizeof(etc), "/etc/python%u.%u", major, minor);
	return add(rt, etc, HB_RUNTIME_READ);
}

/* What runs @path (at @level): its ELF or "#!" interpreter, or /bin/sh. */
static int add_interpreters(struct runtime *rt, const char *path, int level)
{
	ssize_t len = read_head(rt, path);
	char next[PATH_MAX];
	struct hb_shebang sb;
	int err;

	if (len < 0)
		return 0; /* nothing more to learn: the exec may fail */
	err = hb_elf_interp(rt->head, (size_t)len, next, sizeof(next));
	if (err != -ENOEXEC)
		return err ? 0 : add_named(rt, next, level + 1); /* static, or cannot run */
	if (hb_shebang_parse(rt->head, (size_t)len, &sb))
		/* execvp() hands the command itself, not its interpreters, to /bin/sh. */
		return level ? 0 : add_named(rt, "/bin/sh", level + 1);
	err = add_named(rt, sb.interp, level + 1);
	if (!err && !hb_shebang_env_name(&sb, next, sizeof(next)))
		err = add_command(rt, next, level + 1);
	return err;
}

/* @path is a realpath; @level counts the interpreters followed to reach it. */
static int add_program(struct runtime *rt, const char *path, int level)
{
	struct hb_file_id id;
	int err;

	/* Only files run: a directory named in a "#!" line stays unreadable. */
	if (hb_file_id_stat(path, &id) || !S_ISREG(id.mode))
		return 0;
	err = add(rt, path, HB_RUNTIME_PROGRAM);
	if (!err)
		err = add_prefix_libs(rt, path);
	if (!err)
		err = add_python_config(rt, path);
	if (!err && level < HB_RUNTIME_MAX_LEVELS)
		err = add_interpreters(rt, path, level);
	return err;
}

int hb_fs_runtime_each(const char *cmd, const char *path_env, hb_runtime_fn fn, void *ctx)
{
	struct runtime rt = { .fn = fn, .ctx = ctx, .path_env = path_env,
			      .head = malloc(HEAD_SIZE) };
	int err = 0;

	if (!rt.head) {
		hb_log("--fs-readonly: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (size_t i = 0; !err && i < sizeof(system_paths) / sizeof(system_paths[0]); i++)
		err = add(&rt, system_paths[i], HB_RUNTIME_READ);
	if (!err)
		err = add_command(&rt, cmd, 0);
	free(rt.head);
	return err;
}

/* Tier A: readable by identity; a name the command is started by, its links. */
static int add_rule(void *ctx, const char *path, enum hb_runtime_kind kind)
{
	struct hb_fs_rules *r = ctx;

	if (kind == HB_RUNTIME_NAME)
		return hb_fs_rules_add_links(r, path);
	return hb_fs_rules_add_optional(r, "fs-readonly", path, HB_FS_RULE_READ);
}

int hb_fs_runtime_add(struct hb_fs_rules *r, const char *cmd, const char *path_env)
{
	return hb_fs_runtime_each(cmd, path_env, add_rule, r);
}
