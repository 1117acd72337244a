// SPDX-License-Identifier: GPL-2.0-only
/*
 * securityfs's "lsm" list and the lsm= value suggested from it. Input: the
 * size of the output buffer (1 byte), LIST, '\0', NAME; without a NUL the
 * name is "bpf".
 */
#include <errno.h>
#include <stdbool.h>
#include "fuzz.h"
#include "lsm_list.h"

static void check_boot_value(const char *list, const char *lsm, size_t len)
{
	/* Exactly @len bytes, so that ASan sees a write past them. */
	char *out = malloc(len ? len : 1);
	bool had_bpf = hb_lsm_list_has(list, "bpf");
	size_t n = strcspn(list, "\n");
	int err;

	if (!out)
		return;
	err = hb_lsm_list_with(list, "bpf", out, len);
	FUZZ_CHECK(err == 0 || err == -ENAMETOOLONG);
	if (err)
		goto out;
	/* One line: the list before its newline, and bpf unless it was there. */
	FUZZ_CHECK(!strchr(out, '\n') && !strncmp(out, list, n));
	FUZZ_CHECK(strlen(out) == (had_bpf ? n : n + (n ? 4 : 3)));
	/*
	 * The kernel's list is one line, its newline last if any. Past an
	 * inner newline has() and with_bpf() disagree (reported, unreachable).
	 */
	if (list[n] && list[n + 1])
		goto out;
	FUZZ_CHECK(hb_lsm_list_has(out, "bpf"));
	/* Nothing that was active is dropped. */
	if (hb_lsm_list_has(list, lsm) && !strchr(lsm, '\n'))
		FUZZ_CHECK(hb_lsm_list_has(out, lsm));
out:
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *list, *lsm;
	size_t len;

	if (!size)
		return 0;
	len = data[0];
	buf = fuzz_cstr(data + 1, size - 1);
	if (!buf)
		return 0;
	list = buf;
	lsm = strlen(buf) < size - 1 ? buf + strlen(buf) + 1 : "bpf";
	if (hb_lsm_list_has(list, lsm)) {
		/* An exact entry: a non-empty name, found in the list. */
		FUZZ_CHECK(lsm[0] && !strchr(lsm, ',') && strstr(list, lsm));
	}
	check_boot_value(list, lsm, len);
	check_boot_value(list, lsm, 4096);
	free(buf);
	return 0;
}
