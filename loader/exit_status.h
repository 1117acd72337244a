/* SPDX-License-Identifier: GPL-2.0-only */
/* Exit codes, as coreutils env and timeout use them. */
#ifndef HB_EXIT_STATUS_H
#define HB_EXIT_STATUS_H

#define HB_EXIT_FAILURE 125     /* hermetic-bpf itself failed or refused */
#define HB_EXIT_CANNOT_EXEC 126 /* the command was found but cannot run */
#define HB_EXIT_NOT_FOUND 127   /* the command was not found */
/*
 * --fail-on-block: the command exited 0 but something was blocked. No
 * status is free (the command may exit with any); 2 is hermetic's
 * (spec/run.md).
 */
#define HB_EXIT_BLOCKED 2

/* The command's own status, or 128+N when signal N killed it. */
int hb_exit_status(int wstatus);

/* The status for an execvp() that failed with @err. */
int hb_exec_failure_status(int err);

#endif
