// SPDX-License-Identifier: GPL-2.0-only
/* `hermetic-bpf gc`: remove sandboxes whose launcher died. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "misuse.h"
#include "commands.h"
#include "exit_status.h"
#include "gc.h"
#include "log.h"

int hb_cmd_gc(int argc, char **argv)
{
	int n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			hb_verbosity++;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			puts("Usage: hermetic-bpf gc [-v]\n"
			     "Remove sandboxes whose hermetic-bpf process is gone and whose\n"
			     "processes have all exited. Sandboxes with live processes stay\n"
			     "enforced. `run` does this too before it starts. Also unloads\n"
			     "tier B's shared programs when no sandbox uses them.");
			return 0;
		} else {
			hb_misuse("gc", "unknown argument '%s'", argv[i]);
			return HB_EXIT_FAILURE;
		}
	}
	if (geteuid() != 0) {
		hb_log("gc needs root");
		return HB_EXIT_FAILURE;
	}
	n = hb_gc(NULL, true);
	if (n < 0)
		return HB_EXIT_FAILURE;
	hb_debug("gc: removed %d sandbox%s", n, n == 1 ? "" : "es");
	return 0;
}
