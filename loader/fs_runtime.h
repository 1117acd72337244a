/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The runtime list of --fs-readonly=ROOT (spec/fs.md): what a command needs
 * to start, found without running anything.
 */
#ifndef HB_FS_RUNTIME_H
#define HB_FS_RUNTIME_H

#include <stddef.h>
#include "fs_rule.h"

/* What the kernel reads of a script to find its "#!" line (BINPRM_BUF_SIZE). */
#define HB_SHEBANG_MAX 256

/* Interpreters followed from the command: "#!" and PT_INTERP. */
#define HB_RUNTIME_MAX_LEVELS 4

struct hb_shebang {
	char interp[HB_SHEBANG_MAX]; /* the interpreter, as written */
	char arg[HB_SHEBANG_MAX];    /* its one optional argument, "" if none */
};

/*
 * The name execvp() would run @cmd by, into @out: @cmd itself if it
 * contains a '/', else the first program on @path_env as below, symlinks
 * not resolved. Returns 0 or -errno (-ENOENT when not found).
 */
int hb_find_command(const char *cmd, const char *path_env, char *out, size_t size);

/*
 * Resolves @cmd as execvp() would: @cmd itself if it contains a '/', else the
 * first executable regular file (any x bit, regular file) in the ':'-separated
 * @path_env (NULL or empty: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
 * empty elements mean the current directory). Writes the realpath into @out.
 * Returns 0 or -errno (-ENOENT when not found); logs nothing.
 */
int hb_resolve_command(const char *cmd, const char *path_env, char *out, size_t size);

/*
 * Parses the "#!" line at the start of a file, @len bytes of it in @buf, as
 * Linux's binfmt_script does: only the first HB_SHEBANG_MAX bytes count; the
 * interpreter ends at a space, tab or NUL; the rest of the line, without
 * leading and trailing spaces and tabs, is one argument. A '\r' is no
 * separator (a CRLF script names "/bin/sh\r", as the kernel sees it).
 * Returns 0, or -ENOEXEC when it is no script, names no interpreter, or
 * the interpreter's name is cut by the HB_SHEBANG_MAX bytes.
 */
int hb_shebang_parse(const void *buf, size_t len, struct hb_shebang *sb);

/*
 * For "#!/usr/bin/env NAME" and "#!/usr/bin/env -S [VAR=VALUE]... NAME
 * [ARG]...": the NAME env looks up on PATH, into @name. Returns 0, -ENOENT
 * if @sb's interpreter is not called "env" or names no program, or
 * -ENAMETOOLONG.
 */
int hb_shebang_env_name(const struct hb_shebang *sb, char *name, size_t size);

/*
 * The program interpreter (PT_INTERP) of the ELF file whose first @len
 * bytes are @buf (native byte order, 32- or 64-bit), into @out. Returns 0,
 * -ENOEXEC when @buf is no ELF file or a malformed one (anything outside
 * @buf counts as malformed), -ENOENT when it has no interpreter (static),
 * -ENAMETOOLONG.
 */
int hb_elf_interp(const void *buf, size_t len, char *out, size_t size);

/* What a runtime list entry is to the command. */
enum hb_runtime_kind {
	HB_RUNTIME_READ,    /* read: a file or a directory's subtree */
	HB_RUNTIME_PROGRAM, /* run: the command, an interpreter (a realpath) */
	HB_RUNTIME_NAME,    /* a name a program is run by, symlinks unresolved
			     * (the links on the way are read with readlink) */
};

typedef int (*hb_runtime_fn)(void *ctx, const char *path, enum hb_runtime_kind kind);

/*
 * Calls @fn for each entry of the runtime list (below) that exists, and
 * stops at the first non-zero return, which it returns.
 */
int hb_fs_runtime_each(const char *cmd, const char *path_env, hb_runtime_fn fn, void *ctx);

/*
 * Adds the runtime read list of spec/fs.md ("the runtime list") for @cmd, with
 * HB_FS_RULE_READ (so ancestors get STAT): the resolved command; its ELF PT_INTERP;
 * for a "#!" script its interpreter (for "#!/usr/bin/env [-S] NAME": env itself and
 * NAME resolved on @path_env), recursively up to HB_RUNTIME_MAX_LEVELS levels; for
 * a command that is neither (execvp() runs it with /bin/sh), /bin/sh; for each
 * program in that chain that sits in a directory named "bin" or "sbin",
 * PREFIX/lib and PREFIX/lib64 (PREFIX = parent of that directory, from the
 * program's realpath); the fixed list /lib, /lib64, /usr/lib, /usr/lib64,
 * /etc/ld.so.cache, /usr/share/locale. Only regular files count as programs;
 * missing entries are skipped. A command that cannot be resolved is NOT an
 * error (0, with only the fixed list: the exec will fail with 127 later).
 * Never executes anything. Returns 0 or -errno (logged, as --fs-readonly)
 * on a real failure such as ENOMEM or E2BIG.
 */
int hb_fs_runtime_add(struct hb_fs_rules *r, const char *cmd, const char *path_env);

#endif
