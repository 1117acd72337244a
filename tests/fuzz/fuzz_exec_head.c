// SPDX-License-Identifier: GPL-2.0-only
/*
 * The start of a program file, as the runtime list reads it: its "#!" line
 * (and env's NAME) and its ELF PT_INTERP. Input: the file's first bytes.
 */
#include <errno.h>
#include <limits.h>
#include "fuzz.h"
#include "fs_runtime.h"

static void shebang(const uint8_t *data, size_t size)
{
	struct hb_shebang sb;
	char name[32];
	size_t n;
	int err = hb_shebang_parse(data, size, &sb);

	FUZZ_CHECK(err == 0 || err == -ENOEXEC);
	if (err)
		return;
	FUZZ_CHECK(size >= 3 && data[0] == '#' && data[1] == '!');
	n = strlen(sb.interp);
	FUZZ_CHECK(n > 0 && n < HB_SHEBANG_MAX && !strpbrk(sb.interp, " \t\n"));
	n = strlen(sb.arg);
	FUZZ_CHECK(n < HB_SHEBANG_MAX && !strchr(sb.arg, '\n'));
	/* Trailing blanks stay before a NUL, as in the kernel: only leading ones go. */
	FUZZ_CHECK(!n || !strchr(" \t", sb.arg[0]));

	err = hb_shebang_env_name(&sb, name, sizeof(name));
	FUZZ_CHECK(err == 0 || err == -ENOENT || err == -ENAMETOOLONG);
	if (!err)
		FUZZ_CHECK(name[0] && name[0] != '-' && strlen(name) < sizeof(name) &&
			   strstr(sb.arg, name));
}

static void elf(const uint8_t *data, size_t size)
{
	char out[PATH_MAX], small[16];
	int err = hb_elf_interp(data, size, out, sizeof(out));
	int err_small = hb_elf_interp(data, size, small, sizeof(small));

	FUZZ_CHECK(err == 0 || err == -ENOEXEC || err == -ENOENT);
	if (err) {
		FUZZ_CHECK(err_small == err);
		return;
	}
	/* The name is the file's own bytes, NUL included. */
	FUZZ_CHECK(out[0] && memmem(data, size, out, strlen(out) + 1));
	FUZZ_CHECK(err_small == (strlen(out) < sizeof(small) ? 0 : -ENAMETOOLONG));
	FUZZ_CHECK(err_small || !strcmp(small, out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	shebang(data, size);
	elf(data, size);
	return 0;
}
