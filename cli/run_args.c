// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include "hermetic_abi.h"
#include "run_args.h"

enum { OPT_NO_NETWORK = 0x100, OPT_TRACE, OPT_USER };

static const struct option options[] = {
	{ "no-network", no_argument, NULL, OPT_NO_NETWORK },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "user", required_argument, NULL, OPT_USER },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

void hb_run_usage(FILE *f)
{
	fputs("Usage: hermetic-bpf run [OPTION]... [--] COMMAND [ARG]...\n"
	      "Run COMMAND in a new cgroup whose processes the kernel confines.\n"
	      "\n"
	      "Guards:\n"
	      "  --no-network   deny IPv4/IPv6 connect() and addressed sends (EPERM),\n"
	      "                 and sockets that bypass those checks (raw, packet, ...)\n"
	      "\n"
	      "Options:\n"
	      "  --trace        print a line for every blocked action\n"
	      "  --user USER    run COMMAND as USER (name or uid); the default under\n"
	      "                 sudo is the invoking user (SUDO_UID, SUDO_GID)\n"
	      "  -v, --verbose  say what is enforced and how (-vv: libbpf's log too)\n"
	      "  -h, --help     show this help\n"
	      "\n"
	      "Children and later descendants of COMMAND are confined too. COMMAND\n"
	      "never runs unconfined: if a guard cannot be enforced, it does not run.\n"
	      "When COMMAND exits, whatever it left running is killed.\n"
	      "\n"
	      "Exit status:\n"
	      "  125  hermetic-bpf failed or refused (nothing was run)\n"
	      "  126  COMMAND was found but could not be run\n"
	      "  127  COMMAND was not found\n"
	      "  128+N  COMMAND was killed by signal N\n"
	      "  else the exit status of COMMAND\n",
	      f);
}

static int misuse(const char *fmt, const char *arg)
{
	fputs("hermetic-bpf: run: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'hermetic-bpf run --help' for more information.\n", stderr);
	return -EINVAL;
}

int hb_run_args_parse(int argc, char **argv, struct hb_run_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0; /* glibc: full re-initialisation, so this can run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hv", options, NULL)) != -1) {
		switch (c) {
		case OPT_NO_NETWORK:
			a->guards |= HB_GUARD_NET;
			break;
		case OPT_TRACE:
			a->trace = true;
			break;
		case OPT_USER:
			if (!optarg[0])
				return misuse("--user needs a user name or uid%s", "");
			a->user = optarg;
			break;
		case 'v':
			a->verbose++;
			break;
		case 'h':
			a->help = true;
			return 0;
		case ':':
			return misuse("option '%s' needs a value", argv[optind - 1]);
		default: {
			char shortopt[3] = { '-', (char)optopt, '\0' };

			if (optopt && optopt < 0x100)
				return misuse("unknown option '%s'", shortopt);
			return misuse("unknown option '%s'", argv[optind - 1]);
		}
		}
	}
	if (optind >= argc)
		return misuse("no command given%s", "");
	a->cmd = argv + optind;
	return 0;
}
