/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Whose word a policy directory is. The agent (root) reads it at every
 * start and reload: whoever can change a file there, or swap a directory
 * on its path, decides what the agent confines, and what it stops
 * confining at the next reload. So the directory, each file and every
 * directory above them must be changeable by root (or by the reader,
 * for `policy check` as a user) alone (spec/agent.md, "Policy
 * directory").
 */
#ifndef HB_POLICY_TRUST_H
#define HB_POLICY_TRUST_H

/*
 * 0 if @path (a file or directory; symbolic links followed) and every
 * directory above it are owned by root or by our effective uid, and
 * writable by no one else: not by others, nor by a group but root's. A
 * directory above may be writable by all if its sticky bit is set (as
 * /tmp): no one else can rename or remove what we own there. Otherwise
 * says which path, and why, with a hint, and returns -EPERM (or -errno
 * if a path cannot be looked at).
 */
int hb_policy_path_trusted(const char *path);

#endif
