// SPDX-License-Identifier: GPL-2.0-only
/* Files kept for the rest of a boot (boot_cache.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "boot_cache.h"

bool hb_boot_id(char id[64])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	bool ok = f && fgets(id, 64, f);

	if (f)
		fclose(f);
	id[ok ? strcspn(id, "\n") : 0] = '\0';
	return ok && id[0];
}

int hb_boot_cache_dir(void)
{
	struct stat st;

	if (mkdir(HB_BOOT_CACHE_DIR, 0755) && errno != EEXIST)
		return -errno;
	if (lstat(HB_BOOT_CACHE_DIR, &st))
		return -errno;
	return S_ISDIR(st.st_mode) && hb_boot_cache_trusted(&st) ? 0 : -EPERM;
}
