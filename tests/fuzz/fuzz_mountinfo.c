// SPDX-License-Identifier: GPL-2.0-only
/* /proc/self/mountinfo text, searched for the three filesystems we mount. */
#include <errno.h>
#include "fuzz.h"
#include "mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "cgroup2", "securityfs", "bpf" };
	struct hb_mount *m;
	FILE *f;

	/* glibc's fmemopen() refuses an empty buffer. */
	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	m = malloc(sizeof(*m));
	if (!f || !m)
		goto out;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int err;

		rewind(f);
		err = hb_mountinfo_find(f, types[i], m);
		FUZZ_CHECK(err == 0 || err == -ENOENT || err == -EINVAL);
		if (err)
			continue;
		FUZZ_CHECK(memchr(m->root, '\0', sizeof(m->root)));
		FUZZ_CHECK(memchr(m->target, '\0', sizeof(m->target)));
	}
out:
	if (f)
		fclose(f);
	free(m);
	return 0;
}
