// SPDX-License-Identifier: GPL-2.0-only
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "fs_tree.h"
#include "file_id.h"
#include "fs_runtime.h"
#include "hermetic_abi.h"


static void write_file(const char *name, const char *text, mode_t mode)
{
	FILE *f = fopen(at(name), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(at(name), mode), 0);
}

static int setup(void **state)
{
	(void)state;
	return tree_create("hb-fs-runtime");
}

static int shebang(const char *text, struct hb_shebang *sb)
{
	return hb_shebang_parse(text, strlen(text), sb);
}

static void shebang_lines(void **state)
{
	static const struct {
		const char *text, *interp, *arg;
	} cases[] = {
		{ "#!/bin/sh\necho\n", "/bin/sh", "" },
		{ "#! /usr/bin/python3 -u \n", "/usr/bin/python3", "-u" },
		/* One argument: the rest of the line, inner blanks kept. */
		{ "#!\t/bin/bash\t-e  -x\t \n", "/bin/bash", "-e  -x" },
		/* No newline: the file's end (the kernel's NUL padding) ends it. */
		{ "#!/bin/sh", "/bin/sh", "" },
		{ "#!/bin/sh -x", "/bin/sh", "-x" },
		/* CRLF: the kernel runs "/bin/sh\r", which does not exist. */
		{ "#!/bin/sh\r\n", "/bin/sh\r", "" },
		{ "#!/usr/bin/env python3\r\n", "/usr/bin/env", "python3\r" },
	};
	struct hb_shebang sb;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(shebang(cases[i].text, &sb), 0);
		assert_string_equal(sb.interp, cases[i].interp);
		assert_string_equal(sb.arg, cases[i].arg);
	}
	/* A NUL ends the name as a space would. */
	assert_int_equal(hb_shebang_parse("#!/bin/sh\0 -x\n", 14, &sb), 0);
	assert_string_equal(sb.interp, "/bin/sh");
	assert_string_equal(sb.arg, "");
}

static void not_scripts(void **state)
{
	struct hb_shebang sb;

	(void)state;
	assert_int_equal(shebang("echo hi\n", &sb), -ENOEXEC);
	assert_int_equal(shebang("", &sb), -ENOEXEC);
	assert_int_equal(shebang("#", &sb), -ENOEXEC);
	assert_int_equal(shebang("#!", &sb), -ENOEXEC);
	assert_int_equal(shebang("#! \t \n/bin/sh\n", &sb), -ENOEXEC);
	assert_int_equal(shebang(" #!/bin/sh\n", &sb), -ENOEXEC);
	assert_int_equal(hb_shebang_parse("\x7f" "ELF", 4, &sb), -ENOEXEC);
}

static void overlong_lines(void **state)
{
	char line[400];
	struct hb_shebang sb;

	(void)state;
	/* The argument is cut at the kernel's 256 bytes (its last byte unused). */
	memset(line, 'a', sizeof(line));
	memcpy(line, "#!/usr/bin/python3 ", 19);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(shebang(line, &sb), 0);
	assert_string_equal(sb.interp, "/usr/bin/python3");
	assert_int_equal(strlen(sb.arg), HB_SHEBANG_MAX - 1 - 19);

	/* A name ending in the buffer's last byte is whole... */
	memset(line, 'x', sizeof(line));
	memcpy(line, "#!/", 3);
	line[HB_SHEBANG_MAX - 1] = ' ';
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(shebang(line, &sb), 0);
	assert_int_equal(strlen(sb.interp), HB_SHEBANG_MAX - 3);
	assert_string_equal(sb.arg, "");
	/* ...one byte later it was cut: the kernel refuses it. */
	line[HB_SHEBANG_MAX - 1] = 'x';
	line[HB_SHEBANG_MAX] = ' ';
	assert_int_equal(shebang(line, &sb), -ENOEXEC);
	assert_int_equal(hb_shebang_parse(line, HB_SHEBANG_MAX, &sb), -ENOEXEC);
	/* A short file is padded: its end ends the name. */
	assert_int_equal(hb_shebang_parse(line, HB_SHEBANG_MAX - 1, &sb), 0);
	assert_int_equal(strlen(sb.interp), HB_SHEBANG_MAX - 3);
	/* Only blanks in the buffer. */
	memset(line + 2, ' ', sizeof(line) - 3);
	assert_int_equal(shebang(line, &sb), -ENOEXEC);
}

static int env_name(const char *text, char *name, size_t size)
{
	struct hb_shebang sb;

	assert_int_equal(shebang(text, &sb), 0);
	return hb_shebang_env_name(&sb, name, size);
}

static void env_names(void **state)
{
	static const struct {
		const char *text, *name; /* name NULL: -ENOENT */
	} cases[] = {
		{ "#!/usr/bin/env python3\n", "python3" },
		{ "#!/usr/bin/env -S python3 -u\n", "python3" },
		{ "#!/bin/env -S\tA=1  B=x=y\tnode --x\n", "node" },
		{ "#!/usr/bin/env -Sruby -w\n", "ruby" },
		{ "#!env ./tool\n", "./tool" },
		/* Without -S env gets one word, spaces and all: no such program. */
		{ "#!/usr/bin/env python3 -u\n", "python3 -u" },
		{ "#!/usr/bin/env\n", NULL },
		{ "#!/usr/bin/env -S\n", NULL },
		{ "#!/usr/bin/env -S A=1\n", NULL },
		{ "#!/usr/bin/env -i\n", NULL },
		{ "#!/bin/sh python3\n", NULL },
		{ "#!/usr/bin/envy python3\n", NULL },
	};
	char name[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = env_name(cases[i].text, name, sizeof(name));

		if (!cases[i].name) {
			assert_int_equal(err, -ENOENT);
			continue;
		}
		assert_int_equal(err, 0);
		assert_string_equal(name, cases[i].name);
	}
	assert_int_equal(env_name("#!/usr/bin/env python3\n", name, 7), -ENAMETOOLONG);
	assert_int_equal(env_name("#!/usr/bin/env python3\n", name, 8), 0);
}

static void *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	void *buf = malloc(1 << 24);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 24, f);
	fclose(f);
	return buf;
}

static void elf_interp_of_bin_sh(void **state)
{
	static const char ld[] = "/lib64/ld-linux-x86-64.so.2";
	char out[PATH_MAX];
	size_t len, end;
	char *buf = read_all("/bin/sh", &len);
	char *s = memmem(buf, len, ld, sizeof(ld));

	(void)state;
	if (!s) {
		free(buf);
		skip(); /* another architecture */
	}
	assert_int_equal(hb_elf_interp(buf, len, out, sizeof(out)), 0);
	assert_string_equal(out, ld);
	assert_int_equal(hb_elf_interp(buf, len, out, sizeof(ld) - 1), -ENAMETOOLONG);
	/* Cut anywhere before the name's NUL, the file is malformed. */
	end = (size_t)(s - buf) + sizeof(ld);
	for (size_t n = 0; n < end; n++)
		assert_int_equal(hb_elf_interp(buf, n, out, sizeof(out)), -ENOEXEC);
	assert_int_equal(hb_elf_interp(buf, end, out, sizeof(out)), 0);
	/* Not the start of a file: no ELF. */
	assert_int_equal(hb_elf_interp(buf + 1, len - 1, out, sizeof(out)), -ENOEXEC);
	free(buf);
}

/* A minimal 64-bit ELF: header, @n program headers, the name at 0x100. */
struct elf64 {
	Elf64_Ehdr e;
	Elf64_Phdr p[2];
	char pad[0x100 - sizeof(Elf64_Ehdr) - 2 * sizeof(Elf64_Phdr)];
	char name[16];
};

static struct elf64 elf64(void)
{
	struct elf64 f = { 0 };

	memcpy(f.e.e_ident, ELFMAG, SELFMAG);
	f.e.e_ident[EI_CLASS] = ELFCLASS64;
	f.e.e_ident[EI_DATA] = ELFDATA2LSB;
	f.e.e_phoff = offsetof(struct elf64, p);
	f.e.e_phentsize = sizeof(Elf64_Phdr);
	f.e.e_phnum = 2;
	f.p[0].p_type = PT_LOAD;
	f.p[1].p_type = PT_INTERP;
	f.p[1].p_offset = offsetof(struct elf64, name);
	f.p[1].p_filesz = sizeof("/x/ld.so");
	strcpy(f.name, "/x/ld.so");
	return f;
}

static int interp64(const struct elf64 *f, char *out)
{
	/* One byte in: the parser must not rely on alignment. */
	char buf[sizeof(*f) + 1];

	memcpy(buf + 1, f, sizeof(*f));
	return hb_elf_interp(buf + 1, sizeof(*f), out, PATH_MAX);
}

static void elf_interp_malformed(void **state)
{
	char out[PATH_MAX];
	struct elf64 f;

	(void)state;
	f = elf64();
	assert_int_equal(interp64(&f, out), 0);
	assert_string_equal(out, "/x/ld.so");
	f = elf64();
	f.p[1].p_type = PT_NOTE; /* static */
	assert_int_equal(interp64(&f, out), -ENOENT);
	f = elf64();
	f.e.e_ident[EI_MAG3] = 'X';
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.e.e_ident[EI_CLASS] = ELFCLASSNONE;
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.e.e_ident[EI_DATA] = ELFDATA2MSB;
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.e.e_phentsize = sizeof(Elf64_Phdr) - 1;
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.e.e_phoff = UINT64_MAX - 8; /* would wrap */
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.e.e_phnum = 0xffff;
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.p[1].p_offset = UINT64_MAX - 4;
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.p[1].p_filesz = UINT64_MAX;
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.p[1].p_filesz = 1;
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.p[1].p_filesz = 4; /* no NUL at its end */
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.p[1].p_offset = sizeof(f) - 2;
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.name[0] = '\0'; /* names nothing */
	assert_int_equal(interp64(&f, out), -ENOEXEC);
	f = elf64();
	f.e.e_phnum = 0; /* the kernel wants a table */
	assert_int_equal(interp64(&f, out), -ENOEXEC);
}

static void elf32_interp(void **state)
{
	struct {
		Elf32_Ehdr e;
		Elf32_Phdr p;
		char name[12];
	} f = { 0 };
	char out[PATH_MAX];

	(void)state;
	memcpy(f.e.e_ident, ELFMAG, SELFMAG);
	f.e.e_ident[EI_CLASS] = ELFCLASS32;
	f.e.e_ident[EI_DATA] = ELFDATA2LSB;
	f.e.e_phoff = sizeof(f.e);
	f.e.e_phentsize = sizeof(Elf32_Phdr);
	f.e.e_phnum = 1;
	f.p.p_type = PT_INTERP;
	f.p.p_offset = offsetof(typeof(f), name);
	f.p.p_filesz = sizeof("/lib/ld.so");
	strcpy(f.name, "/lib/ld.so");
	assert_int_equal(hb_elf_interp(&f, sizeof(f), out, sizeof(out)), 0);
	assert_string_equal(out, "/lib/ld.so");
	/* A 64-bit header's size says nothing to a 32-bit file. */
	f.e.e_phentsize = sizeof(Elf64_Phdr);
	assert_int_equal(hb_elf_interp(&f, sizeof(f), out, sizeof(out)), -ENOEXEC);
}

static void resolves_commands(void **state)
{
	char out[PATH_MAX], real[PATH_MAX], path[2 * sizeof(tmp) + 8];
	int cwd;

	(void)state;
	assert_int_equal(mkdir(at("d1"), 0755), 0);
	assert_int_equal(mkdir(at("d2"), 0755), 0);
	assert_int_equal(mkdir(at("d1/dirtool"), 0755), 0);
	write_file("d1/tool", "#!/bin/sh\n", 0644);  /* no x bit: skipped */
	write_file("d2/tool", "#!/bin/sh\n", 0700);
	write_file("d2/dirtool", "#!/bin/sh\n", 0001); /* any x bit counts */
	assert_int_equal(symlink("tool", at("d2/link")), 0);
	snprintf(path, sizeof(path), "%s/d1:%s/d2", tmp, tmp);

	assert_int_equal(hb_resolve_command("tool", path, out, sizeof(out)), 0);
	assert_string_equal(out, at("d2/tool"));
	assert_int_equal(hb_resolve_command("dirtool", path, out, sizeof(out)), 0);
	assert_string_equal(out, at("d2/dirtool"));
	assert_int_equal(hb_resolve_command("link", path, out, sizeof(out)), 0);
	assert_string_equal(out, at("d2/tool")); /* symlinks resolved */
	assert_int_equal(hb_resolve_command("nope", path, out, sizeof(out)), -ENOENT);
	assert_int_equal(hb_resolve_command("", path, out, sizeof(out)), -ENOENT);
	assert_int_equal(hb_resolve_command("tool", path, out, strlen(at("d2/tool"))),
			 -ENAMETOOLONG);

	/* With a '/', the name itself, executable or not. */
	assert_int_equal(hb_resolve_command(at("d1/tool"), path, out, sizeof(out)), 0);
	assert_string_equal(out, at("d1/tool"));
	assert_int_equal(hb_resolve_command(at("d1/nope"), path, out, sizeof(out)), -ENOENT);

	/* An empty element is the current directory. */
	cwd = open(".", O_RDONLY | O_DIRECTORY);
	assert_true(cwd >= 0);
	assert_int_equal(chdir(at("d2")), 0);
	assert_int_equal(hb_resolve_command("tool", "/nonexistent:", out, sizeof(out)), 0);
	assert_string_equal(out, at("d2/tool"));
	assert_int_equal(hb_resolve_command("tool", ":/nonexistent", out, sizeof(out)), 0);
	assert_int_equal(hb_resolve_command("tool", "/nonexistent", out, sizeof(out)), -ENOENT);
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);

	/* No PATH: execvp()'s default list. */
	assert_non_null(realpath("/usr/bin/env", real));
	assert_int_equal(hb_resolve_command("env", NULL, out, sizeof(out)), 0);
	assert_string_equal(out, real);
	assert_int_equal(hb_resolve_command("env", "", out, sizeof(out)), 0);
	assert_string_equal(out, real);
}

/* Everything a command needs is READ, and the directories to it STAT. */
static void assert_readable(const struct hb_fs_rules *r, const char *path)
{
	if (!(flags_of(r, path) & HB_FS_RULE_READ))
		fail_msg("%s is not readable", path);
}

static void runtime_of_env_script(void **state)
{
	static const char *const needed[] = {
		"/usr/bin/env", "/usr/bin/python3", "/lib64/ld-linux-x86-64.so.2",
		"/usr/lib", "/lib", "/etc/ld.so.cache",
	};
	struct hb_fs_rules r = { 0 };
	char path[sizeof(tmp) + 16];

	(void)state;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (access(needed[i], F_OK))
			skip();
	assert_int_equal(mkdir(at("s"), 0755), 0);
	write_file("s/script", "#!/usr/bin/env python3\nprint(1)\n", 0755);
	assert_int_equal(hb_fs_runtime_add(&r, at("s/script"), "/usr/bin"), 0);
	assert_readable(&r, at("s/script"));
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		assert_readable(&r, needed[i]);
	assert_int_equal(flags_of(&r, at("s")), HB_FS_RULE_STAT);
	assert_int_equal(flags_of(&r, tmp), HB_FS_RULE_STAT);
	assert_true(flags_of(&r, "/") & HB_FS_RULE_STAT);
	assert_false(flags_of(&r, "/") & HB_FS_RULE_READ);
	assert_int_equal(flags_of(&r, "/usr/bin"), HB_FS_RULE_STAT);
	hb_fs_rules_free(&r);

	/* By name, on the PATH it will run with: python3 too. */
	snprintf(path, sizeof(path), "%s:/usr/bin", at("s"));
	assert_int_equal(hb_fs_runtime_add(&r, "script", path), 0);
	assert_readable(&r, at("s/script"));
	assert_readable(&r, "/usr/bin/python3");
	hb_fs_rules_free(&r);
}

static void runtime_prefix_and_levels(void **state)
{
	struct hb_fs_rules r = { 0 };
	char line[PATH_MAX + 4], name[16];

	(void)state;
	assert_int_equal(mkdir(at("p"), 0755), 0);
	assert_int_equal(mkdir(at("p/bin"), 0755), 0);
	assert_int_equal(mkdir(at("p/lib"), 0755), 0);
	assert_int_equal(mkdir(at("q"), 0755), 0);
	assert_int_equal(mkdir(at("q/lib"), 0755), 0);
	/* tool -> i1 -> ... -> i5: the command and 4 levels of interpreters. */
	for (int i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "#!%s/q/i%d\n", tmp, i + 1);
		snprintf(name, sizeof(name), i ? "q/i%d" : "p/bin/tool", i);
		write_file(name, line, 0755);
	}
	write_file("q/i5", "#!/bin/sh\n", 0755);
	assert_int_equal(hb_fs_runtime_add(&r, at("p/bin/tool"), NULL), 0);
	assert_readable(&r, at("p/bin/tool"));
	assert_readable(&r, at("p/lib")); /* PREFIX/lib of a program in bin */
	assert_int_equal(flags_of(&r, at("q/lib")), 0); /* q/ is no bin */
	assert_int_equal(flags_of(&r, at("p/bin")), HB_FS_RULE_STAT);
	for (int i = 1; i <= 4; i++) {
		snprintf(name, sizeof(name), "q/i%d", i);
		assert_readable(&r, at(name));
	}
	assert_int_equal(flags_of(&r, at("q/i5")), 0);
	hb_fs_rules_free(&r);
}

static void runtime_without_command(void **state)
{
	struct hb_fs_rules r = { 0 };

	(void)state;
	assert_int_equal(mkdir(at("n"), 0755), 0);
	assert_int_equal(mkfifo(at("n/fifo"), 0755), 0);
	write_file("n/plain", "echo no shebang\n", 0755);

	/* Not found: the system list only, and no error. */
	assert_int_equal(hb_fs_runtime_add(&r, "no-such-command", at("n")), 0);
	assert_readable(&r, "/usr/lib");
	assert_readable(&r, "/etc/ld.so.cache");
	assert_int_equal(flags_of(&r, at("n")), 0);
	/* A directory or a FIFO is no program: not readable, and no hang. */
	assert_int_equal(hb_fs_runtime_add(&r, at("n"), NULL), 0);
	assert_int_equal(hb_fs_runtime_add(&r, at("n/fifo"), NULL), 0);
	assert_int_equal(flags_of(&r, at("n")), 0);
	assert_int_equal(flags_of(&r, at("n/fifo")), 0);
	assert_false(flags_of(&r, "/bin/sh") & HB_FS_RULE_READ);
	/* A script without "#!": execvp() runs it with /bin/sh. */
	assert_int_equal(hb_fs_runtime_add(&r, at("n/plain"), NULL), 0);
	assert_readable(&r, at("n/plain"));
	assert_readable(&r, "/bin/sh");
	hb_fs_rules_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shebang_lines),
		cmocka_unit_test(not_scripts),
		cmocka_unit_test(overlong_lines),
		cmocka_unit_test(env_names),
		cmocka_unit_test(elf_interp_of_bin_sh),
		cmocka_unit_test(elf_interp_malformed),
		cmocka_unit_test(elf32_interp),
		cmocka_unit_test(resolves_commands),
		cmocka_unit_test(runtime_of_env_script),
		cmocka_unit_test(runtime_prefix_and_levels),
		cmocka_unit_test(runtime_without_command),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
