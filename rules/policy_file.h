/* SPDX-License-Identifier: GPL-2.0-only */
/* The policy file format (docs/policy-file.md): sections, version, key = value. */
#ifndef HB_POLICY_FILE_H
#define HB_POLICY_FILE_H

/*
 * One "key = value" of a policy file; @where is "FILE:LINE" for errors.
 * Returns 0, or -errno after saying why.
 */
typedef int (*hb_policy_entry_fn)(void *ctx, const char *where, const char *key,
				  const char *value);

/*
 * Reads the policy file @path, a regular file, handing each entry to
 * @entry; errors name @path with @flag before it ("--policy " for run's).
 * Returns 0 or -errno, every error said.
 */
int hb_policy_file_read(const char *path, const char *flag, hb_policy_entry_fn entry,
			void *ctx);

#endif
