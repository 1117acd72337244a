// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "dns_name.h"
#include "hermetic_abi.h"
#include "run_args.h"

enum {
	OPT_NO_NETWORK = 0x100,
	OPT_ALLOW_LOCALHOST,
	OPT_ALLOW_IP,
	OPT_ALLOW_DOMAIN,
	OPT_ALLOW_UNIX,
	OPT_TRACE,
	OPT_USER,
};

static const struct option options[] = {
	{ "no-network", no_argument, NULL, OPT_NO_NETWORK },
	{ "allow-localhost", no_argument, NULL, OPT_ALLOW_LOCALHOST },
	{ "allow-ip", required_argument, NULL, OPT_ALLOW_IP },
	{ "allow-domain", required_argument, NULL, OPT_ALLOW_DOMAIN },
	{ "allow-unix", required_argument, NULL, OPT_ALLOW_UNIX },
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
	      "Network guard (each --allow-* turns it on):\n"
	      "  --no-network        deny network: inet connect() and addressed sends,\n"
	      "                      unix sockets, bind/listen beyond loopback, and\n"
	      "                      sockets that bypass those checks (raw, packet, ...)\n"
	      "  --allow-localhost   allow 127.0.0.0/8 and ::1 (IPv4-mapped too)\n"
	      "  --allow-ip ADDR[/LEN][:PORT]\n"
	      "                      allow a host or network, on any or one port;\n"
	      "                      IPv6 with a port as [ADDR]/LEN:PORT (repeatable)\n"
	      "  --allow-domain NAME allow NAME and its subdomains, resolved through a\n"
	      "                      DNS proxy run for the sandbox (repeatable)\n"
	      "  --allow-unix PATH   allow connecting to the unix socket PATH (repeatable)\n"
	      "  Cloud metadata addresses and names are denied whatever is allowed.\n"
	      "\n"
	      "Options:\n"
	      "  --trace        print a line for every blocked action, and which\n"
	      "                 mechanism enforces each guard\n"
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

static int misuse(const char *fmt, const char *a1, const char *a2)
{
	fputs("hermetic-bpf: run: ", stderr);
	fprintf(stderr, fmt, a1, a2);
	fputs("\nTry 'hermetic-bpf run --help' for more information.\n", stderr);
	return -EINVAL;
}

static int parse_option(int c, struct hb_run_args *a, char **argv)
{
	char why[128];

	switch (c) {
	case OPT_NO_NETWORK:
		break;
	case OPT_ALLOW_LOCALHOST:
		a->net |= HB_NET_ALLOW_LOCALHOST;
		break;
	case OPT_ALLOW_IP:
		if (hb_ip_rule_parse(optarg, &a->ip_rules[a->n_ip_rules], why, sizeof(why)))
			return misuse("--allow-ip %s: %s", optarg, why);
		a->n_ip_rules++;
		break;
	case OPT_ALLOW_DOMAIN:
		if (!hb_domain_valid(optarg))
			return misuse("--allow-domain %s: %s", optarg,
				      "expected a domain name such as example.com");
		a->domains[a->n_domains++] = optarg;
		break;
	case OPT_ALLOW_UNIX:
		if (optarg[0] != '/')
			return misuse("--allow-unix %s: %s", optarg,
				      "expected the absolute path of a unix socket");
		a->unix_paths[a->n_unix_paths++] = optarg;
		break;
	case OPT_TRACE:
		a->trace = true;
		return 0;
	case OPT_USER:
		if (!optarg[0])
			return misuse("--user needs a user name or uid%s%s", "", "");
		a->user = optarg;
		return 0;
	case 'v':
		a->verbose++;
		return 0;
	case 'h':
		a->help = true;
		return 0;
	case ':':
		return misuse("option '%s' needs a value%s", argv[optind - 1], "");
	default: {
		char shortopt[3] = { '-', (char)optopt, '\0' };

		return misuse("unknown option '%s'%s",
			      optopt && optopt < 0x100 ? shortopt : argv[optind - 1], "");
	}
	}
	a->guards |= HB_GUARD_NET; /* every network flag turns the guard on */
	return 0;
}

int hb_run_args_parse(int argc, char **argv, struct hb_run_args *a)
{
	int c, err;

	memset(a, 0, sizeof(*a));
	/* No flag can appear more often than argv has words. */
	a->ip_rules = calloc((size_t)argc, sizeof(*a->ip_rules));
	a->domains = calloc((size_t)argc, sizeof(*a->domains));
	a->unix_paths = calloc((size_t)argc, sizeof(*a->unix_paths));
	if (!a->ip_rules || !a->domains || !a->unix_paths) {
		hb_run_args_free(a);
		return -ENOMEM;
	}
	optind = 0; /* glibc: full re-initialisation, so this can run twice */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hv", options, NULL)) != -1) {
		err = parse_option(c, a, argv);
		if (err)
			goto fail;
		if (a->help)
			return 0;
	}
	if (optind >= argc) {
		err = misuse("no command given%s%s", "", "");
		goto fail;
	}
	a->cmd = argv + optind;
	return 0;
fail:
	hb_run_args_free(a);
	return err;
}

void hb_run_args_free(struct hb_run_args *a)
{
	free(a->ip_rules);
	free(a->domains);
	free(a->unix_paths);
	a->ip_rules = NULL;
	a->domains = NULL;
	a->unix_paths = NULL;
}
