// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "log.h"
#include "misuse.h"
#include "exit_status.h"
#include "dns_name.h"
#include "hermetic_abi.h"
#include "policy_file.h"
#include "run_args.h"

enum {
	OPT_NO_NETWORK = 0x100,
	OPT_ALLOW_LOCALHOST,
	OPT_ALLOW_IP,
	OPT_ALLOW_BIND,
	OPT_ALLOW_DOMAIN,
	OPT_ALLOW_UNIX,
	OPT_NO_SUBPROCESS,
	OPT_ALLOW_EXEC,
	OPT_BLOCK_NATIVE,
	OPT_NO_ENV,
	OPT_FS_READONLY,
	OPT_ALLOW_WRITE,
	OPT_ALLOW_READ,
	OPT_PROFILE,
	OPT_ALLOW_PARTIAL,
	OPT_TRACE,
	OPT_TRACE_FORMAT,
	OPT_TRACE_FILE,
	OPT_FAIL_ON_BLOCK,
	OPT_SUMMARY_JSON,
	OPT_USER,
	OPT_AUDIT,
	OPT_EVENT_RATE,
	OPT_POLICY,
	OPT_NOT_KERNEL, /* flags of hermetic's with no kernel equivalent */
};

/* Profiles: named sets of flags, as hermetic names them, merged by union. */
static const struct {
	const char *name;
	__u32 guards;
	__u32 net;
	__u32 fs;
	bool no_env;
} profiles[] = {
	/* hermetic's block-all also sets --no-code-exec and
	 * --no-interpreter-mutation (no kernel equivalent): left out, not faked. */
	{ "block-all", HB_GUARD_NET | HB_GUARD_EXEC | HB_GUARD_NATIVE | HB_GUARD_FS, 0,
	  HB_FS_READONLY, true },
	{ "net-hermetic", HB_GUARD_NET, HB_NET_ALLOW_LOCALHOST, 0, false },
	{ "exec-deny", HB_GUARD_EXEC, 0, 0, false },
	{ "block-native", HB_GUARD_NATIVE, 0, 0, false },
	{ "fs-readonly", HB_GUARD_FS, 0, HB_FS_READONLY, false },
};

/* Why a flag of hermetic's is refused rather than accepted and ignored. */
static const struct {
	const char *flag;
	const char *why;
} not_kernel[] = {
	{ "no-code-exec", "eval() and exec() happen inside the interpreter, where the kernel "
			  "cannot see them; --no-subprocess and --block-native stop new programs "
			  "and native code" },
	{ "no-interpreter-mutation", "changes to the interpreter's own objects are invisible "
				     "to the kernel" },
	{ "deny-import", "Python imports are invisible to the kernel; --block-native stops "
			 "native extension modules" },
	{ "seal", "hermetic-bpf's guards are always sealed: the command cannot remove a kernel "
		  "guard; drop the flag" },
};

static int misuse(const char *fmt, const char *a1, const char *a2);

/* --event-rate N: 0 (no limit) to HB_EVENT_RATE_MAX events a second. */
static int parse_rate(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v > HB_EVENT_RATE_MAX)
		return misuse("--event-rate %s: expected a number of events a second, 0 (no "
			      "limit) to %s", s, HB_STR(HB_EVENT_RATE_MAX));
	*out = (unsigned int)v;
	return 0;
}

/* --fail-on-block=CODE: an exit status of 1 to 255 (0 would hide the block). */
static int parse_code(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 1 || v > 255)
		return misuse("--fail-on-block=%s: %s", s, "expected an exit status, 1 to 255");
	*out = (int)v;
	return 0;
}

static const struct option options[] = {
	{ "no-network", no_argument, NULL, OPT_NO_NETWORK },
	{ "allow-localhost", no_argument, NULL, OPT_ALLOW_LOCALHOST },
	{ "allow-ip", required_argument, NULL, OPT_ALLOW_IP },
	{ "allow-bind", required_argument, NULL, OPT_ALLOW_BIND },
	{ "allow-domain", required_argument, NULL, OPT_ALLOW_DOMAIN },
	{ "allow-unix", required_argument, NULL, OPT_ALLOW_UNIX },
	{ "no-subprocess", no_argument, NULL, OPT_NO_SUBPROCESS },
	{ "allow-exec", required_argument, NULL, OPT_ALLOW_EXEC },
	{ "block-native", no_argument, NULL, OPT_BLOCK_NATIVE },
	{ "no-env", no_argument, NULL, OPT_NO_ENV },
	{ "no-environment", no_argument, NULL, OPT_NO_ENV },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "allow-partial", no_argument, NULL, OPT_ALLOW_PARTIAL },
	{ "no-code-exec", no_argument, NULL, OPT_NOT_KERNEL },
	{ "no-interpreter-mutation", no_argument, NULL, OPT_NOT_KERNEL },
	{ "deny-import", required_argument, NULL, OPT_NOT_KERNEL },
	{ "seal", no_argument, NULL, OPT_NOT_KERNEL },
	{ "fs-readonly", optional_argument, NULL, OPT_FS_READONLY },
	{ "allow-write", required_argument, NULL, OPT_ALLOW_WRITE },
	{ "allow-read", required_argument, NULL, OPT_ALLOW_READ },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "audit", no_argument, NULL, OPT_AUDIT },
	{ "event-rate", required_argument, NULL, OPT_EVENT_RATE },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "trace-format", required_argument, NULL, OPT_TRACE_FORMAT },
	{ "trace-file", required_argument, NULL, OPT_TRACE_FILE },
	{ "fail-on-block", optional_argument, NULL, OPT_FAIL_ON_BLOCK },
	{ "summary-json", required_argument, NULL, OPT_SUMMARY_JSON },
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
	      "                      IPv6 with a port in brackets, [ADDR]:PORT or\n"
	      "                      [ADDR]/LEN:PORT (::1:80 is refused) (repeatable)\n"
	      "  --allow-bind [ADDR:]PORT[/tcp|/udp]\n"
	      "                      allow listening on PORT beyond loopback: on ADDR\n"
	      "                      (0.0.0.0 or [::] for every address of a family),\n"
	      "                      or without ADDR on any; TCP unless /udp; and\n"
	      "                      traffic from anywhere to it (repeatable)\n"
	      "  --allow-domain NAME\n"
	      "                      allow NAME and its subdomains, resolved through a\n"
	      "                      DNS proxy run for the sandbox (repeatable)\n"
	      "  --allow-unix PATH   allow connecting to the unix socket PATH (repeatable)\n"
	      "  Cloud metadata addresses and names are denied whatever is allowed.\n"
	      "\n"
	      "Programs and native code:\n"
	      "  --no-subprocess     after COMMAND itself starts, nothing can be executed\n"
	      "  --allow-exec PATH   except PATH, by identity (repeatable; turns on\n"
	      "                      --no-subprocess)\n"
	      "  --block-native      no executable memory but the program's own and\n"
	      "                      root's read-only system files (no ctypes of a\n"
	      "                      copied library, no .so from a venv or /tmp, no JIT)\n"
	      "  --no-env            start COMMAND with a minimal environment; other\n"
	      "                      processes' /proc/PID files are unreadable inside\n"
	      "\n"
	      "Filesystem guard:\n"
	      "  --fs-readonly       no file can be changed (EROFS)\n"
	      "  --allow-write PATH  but PATH and what is below it (repeatable; turns on\n"
	      "                      --fs-readonly)\n"
	      "  --fs-readonly=ROOT  also: nothing outside ROOT can be read (EACCES) but\n"
	      "                      what COMMAND needs to run (see spec/fs.md); also\n"
	      "                      --fs-readonly ROOT, hermetic's spelling, when the\n"
	      "                      next word has a '/' and is a directory or missing\n"
	      "  --allow-read PATH   PATH can be read too (repeatable; needs a ROOT)\n"
	      "\n"
	      "  --profile NAME      block-all, net-hermetic, exec-deny, block-native,\n"
	      "                      fs-readonly (repeatable; adds to the flags given)\n"
	      "Every sandbox is also sealed: its processes, even as root, cannot use\n"
	      "bpf(), mount, leave the cgroup, or signal or trace processes outside.\n"
	      "\n"
	      "Options:\n"
	      "  --trace        print a line for every blocked action, and which\n"
	      "                 mechanism enforces each guard\n"
	      "  --policy FILE  the rules of a policy file, a regular file (hermetic-bpf\n"
	      "                 learn writes one; docs/policy-file.md), added to the flags\n"
	      "  --audit        allow what the guards would deny, and report it as\n"
	      "                 audited (the seal stays; without BPF-LSM: cgroup-bpf,\n"
	      "                 seccomp and fanotify report, spec/audit.md)\n"
	      "  --event-rate N\n"
	      "                 at most N events a second are reported (burst N;\n"
	      "                 default " HB_STR(HB_EVENT_RATE_DEFAULT) "; 0: no limit); the others are counted\n"
	      "  --trace-format=text|json\n"
	      "                 text lines (the default) or one JSON object per\n"
	      "                 line (spec/events.md); json turns on --trace\n"
	      "  --trace-file PATH  write the trace to PATH (appended, created 0600,\n"
	      "                 not through a symlink, as COMMAND's user) instead of\n"
	      "                 stderr; - is standard output, /dev/fd/N descriptor N;\n"
	      "                 turns on --trace\n"
	      "  --fail-on-block[=CODE]\n"
	      "                 exit 2 (or CODE, 1 to 255) if anything was blocked\n"
	      "                 and COMMAND exited 0; refused where filesystem\n"
	      "                 denials cannot be seen (no BPF-LSM) unless\n"
	      "                 --allow-partial\n"
	      "  --summary-json FILE  at exit, write counts per guard and hook, events\n"
	      "                 lost, COMMAND's status and the first 20 events to FILE\n"
	      "                 (opened as --trace-file is, but truncated)\n"
	      "  --user USER    run COMMAND as USER (name or uid); the default under\n"
	      "                 sudo is the invoking user (SUDO_UID, SUDO_GID)\n"
	      "  --allow-partial  run even if some requested guard cannot be enforced\n"
	      "                 here (a warning names each); without it, refuse;\n"
	      "                 and --fail-on-block where filesystem denials are unseen\n"
	      "  -v, --verbose  say what is enforced and how (-vv: libbpf's log too)\n"
	      "  -h, --help     show this help\n"
	      "\n"
	      "Children and later descendants of COMMAND are confined too. COMMAND\n"
	      "never runs less confined than asked: if a guard cannot be enforced, it\n"
	      "does not run; with no guard at all, a warning says it runs unconfined.\n"
	      "When COMMAND exits, whatever it left running is killed.\n"
	      "Needs root, unless `hermetic-bpf agent` runs: then any user may run,\n"
	      "without --user or --allow-domain (with BPF-LSM, nor --fs-readonly=ROOT;\n"
	      "without it, nor --block-native: spec/agent-socket.md).\n"
	      "\n"
	      "Exit status:\n"
	      "  125  hermetic-bpf failed or refused (nothing was run)\n"
	      "  126  COMMAND was found but could not be run\n"
	      "  127  COMMAND was not found\n"
	      "  128+N  COMMAND was killed by signal N\n"
	      "  2    with --fail-on-block: COMMAND exited 0 but something was blocked\n"
	      "       (CODE with --fail-on-block=CODE)\n"
	      "  else the exit status of COMMAND\n"
	      "Options that take one value (--fs-readonly=ROOT, --trace-format,\n"
	      "--trace-file, --summary-json, --user, --event-rate, --fail-on-block)\n"
	      "may be given once.\n",
	      f);
}

/* While a policy file is applied: "FILE:LINE", which errors name. */
static const char *misuse_where;

static int misuse(const char *fmt, const char *a1, const char *a2)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), fmt, a1, a2);
	if (misuse_where) {
		hb_log("%s: %s", misuse_where, msg);
		return -EINVAL;
	}
	return hb_misuse("run", "%s", msg);
}

/* A list could not grow: said, as every refusal of an argument is. */
static int no_room(const char *flag)
{
	hb_log("--%s: %s", flag, strerror(ENOMEM));
	return -ENOMEM;
}

static int too_many(const char *flag, unsigned int max)
{
	char n[16];

	snprintf(n, sizeof(n), "%u", max);
	return misuse("too many %s rules: at most %s", flag, n);
}

/*
 * hermetic's "--fs-readonly ROOT": the next word is ROOT if it names a
 * path (has a '/') that is not an existing non-directory, which would
 * be the command. A missing directory is then reported as ROOT's error.
 */
static bool root_word(const char *w)
{
	struct stat st;

	if (!w || w[0] == '-' || !strchr(w, '/'))
		return false; /* an option, such as --fs-readonly=/a, is never ROOT */
	return stat(w, &st) || S_ISDIR(st.st_mode);
}

/* A single-valued option given again would silently replace the first. */
static int once(struct hb_run_args *a, int c, const char *name)
{
	__u64 bit = 1ull << (c - OPT_NO_NETWORK);

	if (a->given & bit)
		return misuse("--%s given twice%s", name, " (flags and policy files alike); give "
			      "it once");
	a->given |= bit;
	return 0;
}

/* @name: the long option's name, when @c came from one. */
/* --policy FILE: each of its keys as the option of that name. */
static int run_entry(void *ctx, const char *where, const char *key, const char *value)
{
	return hb_run_args_set(ctx, where, key, value);
}

static int parse_option(int c, const char *name, struct hb_run_args *a, char **argv)
{
	char why[128];

	switch (c) {
	case OPT_NO_NETWORK:
		break;
	case OPT_ALLOW_LOCALHOST:
		a->rules.net |= HB_NET_ALLOW_LOCALHOST;
		break;
	case OPT_ALLOW_IP:
		/* Each rule is an entry of a fixed-size map: say so before loading. */
		if (a->rules.n_ip_rules >= HB_MAX_NET_RULES)
			return too_many("--allow-ip", HB_MAX_NET_RULES);
		if (HB_RULES_ROOM(a->rules.ip_rules, a->rules.n_ip_rules))
			return no_room(name);
		if (hb_ip_rule_parse(optarg, &a->rules.ip_rules[a->rules.n_ip_rules], why, sizeof(why)))
			return misuse("--allow-ip %s: %s", optarg, why);
		a->rules.n_ip_rules++;
		break;
	case OPT_ALLOW_BIND:
		if (a->rules.n_bind_rules >= HB_MAX_BIND_RULES)
			return too_many("--allow-bind", HB_MAX_BIND_RULES);
		if (HB_RULES_ROOM(a->rules.bind_rules, a->rules.n_bind_rules))
			return no_room(name);
		if (hb_bind_rule_parse(optarg, &a->rules.bind_rules[a->rules.n_bind_rules], why,
				       sizeof(why)))
			return misuse("--allow-bind %s: %s", optarg, why);
		a->rules.n_bind_rules++;
		break;
	case OPT_ALLOW_DOMAIN:
		if (!hb_domain_valid(optarg))
			return misuse("--allow-domain %s: %s", optarg,
				      "expected a domain name such as example.com");
		if (HB_RULES_ROOM(a->rules.domains, a->rules.n_domains))
			return no_room(name);
		a->rules.domains[a->rules.n_domains++] = optarg;
		break;
	case OPT_ALLOW_UNIX:
		if (optarg[0] != '/')
			return misuse("--allow-unix %s: %s", optarg,
				      "expected the absolute path of a unix socket");
		if (a->rules.n_unix_paths >= HB_MAX_UNIX_RULES)
			return too_many("--allow-unix", HB_MAX_UNIX_RULES);
		if (HB_RULES_ROOM(a->rules.unix_paths, a->rules.n_unix_paths))
			return no_room(name);
		a->rules.unix_paths[a->rules.n_unix_paths++] = optarg;
		break;
	case OPT_NO_SUBPROCESS:
		a->rules.guards |= HB_GUARD_EXEC;
		return 0;
	case OPT_ALLOW_EXEC:
		if (optarg[0] != '/')
			return misuse("--allow-exec %s: %s", optarg,
				      "expected the absolute path of an executable");
		if (a->rules.n_exec_paths >= HB_MAX_EXEC_RULES)
			return too_many("--allow-exec", HB_MAX_EXEC_RULES);
		if (HB_RULES_ROOM(a->rules.exec_paths, a->rules.n_exec_paths))
			return no_room(name);
		a->rules.exec_paths[a->rules.n_exec_paths++] = optarg;
		a->rules.guards |= HB_GUARD_EXEC;
		return 0;
	case OPT_BLOCK_NATIVE:
		a->rules.guards |= HB_GUARD_NATIVE;
		return 0;
	case OPT_NO_ENV:
		a->no_env = true;
		a->rules.guards |= HB_GUARD_ENV;
		return 0;
	case OPT_PROFILE:
		for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
			if (strcmp(optarg, profiles[i].name))
				continue;
			a->rules.guards |= profiles[i].guards;
			a->rules.net |= profiles[i].net;
			a->rules.fs |= profiles[i].fs;
			a->no_env |= profiles[i].no_env;
			if (profiles[i].no_env)
				a->rules.guards |= HB_GUARD_ENV;
			return 0;
		}
		return misuse("--profile %s: %s", optarg, "unknown profile; valid: block-all, "
			      "net-hermetic, exec-deny, block-native, fs-readonly");
	case OPT_FS_READONLY:
		a->rules.guards |= HB_GUARD_FS;
		a->rules.fs |= HB_FS_READONLY;
		if (!optarg && argv)
			optarg = root_word(argv[optind]) ? argv[optind++] : NULL;
		if (optarg && !optarg[0])
			return misuse("--fs-readonly=%s%s", "",
				      ": expected a directory after '=' (or no '=')");
		if (optarg) {
			if (once(a, c, name))
				return -EINVAL;
			a->rules.fs |= HB_FS_READ_ROOT;
			a->rules.fs_root = optarg;
		}
		return 0;
	case OPT_ALLOW_WRITE:
		if (HB_RULES_ROOM(a->rules.write_paths, a->rules.n_write_paths))
			return no_room(name);
		a->rules.write_paths[a->rules.n_write_paths++] = optarg;
		a->rules.guards |= HB_GUARD_FS;
		a->rules.fs |= HB_FS_READONLY;
		return 0;
	case OPT_ALLOW_READ:
		if (HB_RULES_ROOM(a->rules.read_paths, a->rules.n_read_paths))
			return no_room(name);
		a->rules.read_paths[a->rules.n_read_paths++] = optarg;
		a->rules.guards |= HB_GUARD_FS;
		a->rules.fs |= HB_FS_READONLY;
		return 0;
	case OPT_ALLOW_PARTIAL:
		a->allow_partial = true;
		return 0;
	case OPT_NOT_KERNEL:
		for (size_t i = 0; i < sizeof(not_kernel) / sizeof(not_kernel[0]); i++)
			if (!strcmp(name, not_kernel[i].flag))
				return misuse("--%s: %s", name, not_kernel[i].why);
		return misuse("--%s: %s", name, "has no kernel equivalent");
	case OPT_TRACE:
		a->trace = true;
		return 0;
	case OPT_AUDIT:
		a->rules.audit = true;
		return 0;
	case OPT_EVENT_RATE:
		return once(a, c, name) ?: parse_rate(optarg, &a->rules.event_rate);
	case OPT_POLICY:
		if (misuse_where)
			return misuse("%s%s", "policy: a policy file cannot name another", "");
		return hb_policy_file_read(optarg, "--policy ", run_entry, a) ? -EINVAL : 0;
	case OPT_TRACE_FORMAT:
		if (once(a, c, name))
			return -EINVAL;
		if (strcmp(optarg, "text") && strcmp(optarg, "json"))
			return misuse("--trace-format %s: %s", optarg, "expected text or json");
		a->trace_json = !strcmp(optarg, "json");
		a->trace |= a->trace_json;
		return 0;
	case OPT_TRACE_FILE:
	case OPT_SUMMARY_JSON:
		if (!optarg[0])
			return misuse("--%s needs a file name%s", name, "");
		if (once(a, c, name))
			return -EINVAL;
		if (c == OPT_TRACE_FILE) {
			a->trace_file = optarg;
			a->trace = true;
		} else {
			a->summary_json = optarg;
		}
		return 0;
	case OPT_FAIL_ON_BLOCK:
		if (once(a, c, name))
			return -EINVAL;
		a->fail_on_block = HB_EXIT_BLOCKED;
		return optarg ? parse_code(optarg, &a->fail_on_block) : 0;
	case OPT_USER:
		if (!optarg[0])
			return misuse("--user needs a user name or uid%s%s", "", "");
		if (once(a, c, name))
			return -EINVAL;
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
	a->rules.guards |= HB_GUARD_NET; /* every network flag turns the guard on */
	return 0;
}

void hb_run_args_init(struct hb_run_args *a)
{
	memset(a, 0, sizeof(*a));
	hb_rules_init(&a->rules);
}

int hb_run_args_parse(int argc, char **argv, struct hb_run_args *a)
{
	int c, err, idx;

	hb_run_args_init(a);
	optind = 0; /* glibc: full re-initialisation, so this can run twice */
	opterr = 0;
	while ((idx = -1, c = getopt_long(argc, argv, "+:hv", options, &idx)) != -1) {
		err = parse_option(c, idx >= 0 ? options[idx].name : "", a, argv);
		if (err)
			goto fail;
		if (a->help)
			return 0;
	}
	if (a->rules.n_read_paths && !a->rules.fs_root) {
		err = misuse("--allow-read %s: %s", a->rules.read_paths[0],
			     "needs --fs-readonly=ROOT; without a root, reads are not confined");
		goto fail;
	}
	/* The summary would truncate the trace it shares a file with. */
	if (a->trace_file && a->summary_json && !strcmp(a->trace_file, a->summary_json)) {
		err = misuse("--summary-json %s: %s", a->summary_json,
			     "is also the --trace-file; give each its own file");
		goto fail;
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

/* The options a policy file may set: the guards' own (docs/policy-file.md). */
static const int file_options[] = {
	OPT_NO_NETWORK, OPT_ALLOW_LOCALHOST, OPT_ALLOW_IP, OPT_ALLOW_BIND, OPT_ALLOW_DOMAIN,
	OPT_ALLOW_UNIX,
	OPT_NO_SUBPROCESS, OPT_ALLOW_EXEC, OPT_BLOCK_NATIVE, OPT_NO_ENV, OPT_PROFILE,
	OPT_FS_READONLY, OPT_ALLOW_WRITE, OPT_ALLOW_READ, OPT_AUDIT, OPT_EVENT_RATE,
};

/* "yes"/"true"/"1": 1; "no"/"false"/"0": 0; else -1. */
static int boolean(const char *v)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		return 1;
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		return 0;
	return -1;
}

int hb_run_args_set(struct hb_run_args *a, const char *where, const char *key,
		    const char *text)
{
	const struct option *o = NULL;
	int err = -EINVAL, on;
	char *value;

	for (size_t i = 0; i < sizeof(file_options) / sizeof(file_options[0]) && !o; i++)
		for (const struct option *p = options; p->name && !o; p++)
			if (p->val == file_options[i] && !strcmp(p->name, key))
				o = p;
	misuse_where = where;
	if (a->n_policy_entries >= HB_POLICY_MAX_ENTRIES) {
		misuse("more than %s entries in policy files%s", HB_STR(HB_POLICY_MAX_ENTRIES), "");
		goto out;
	}
	if (!a->policy_values)
		a->policy_values = calloc(HB_POLICY_MAX_ENTRIES, sizeof(*a->policy_values));
	value = a->policy_values ? strdup(text) : NULL;
	if (!value) {
		err = -ENOMEM;
		goto out;
	}
	a->policy_values[a->n_policy_entries++] = value;
	if (!o) {
		misuse("unknown key '%s'%s", key, "; see docs/policy-file.md for the keys");
		goto out;
	}
	on = boolean(value);
	if (o->has_arg == no_argument) {
		if (on < 0) {
			misuse("%s = %s: expected yes or no", key, value);
			goto out;
		}
		err = on ? parse_option(o->val, o->name, a, NULL) : 0;
		goto out;
	}
	/* fs-readonly = yes, or = ROOT, like --fs-readonly[=ROOT]. */
	if (o->val == OPT_FS_READONLY && on >= 0) {
		optarg = NULL;
		err = on ? parse_option(o->val, o->name, a, NULL) : 0;
		goto out;
	}
	optarg = value;
	err = parse_option(o->val, o->name, a, NULL);
	/* A path is looked up later: its errors say where it was read. */
	if (!err && where)
		err = hb_rules_note_origin(&a->rules, value, where);
out:
	misuse_where = NULL;
	return err;
}

void hb_run_args_free(struct hb_run_args *a)
{
	hb_rules_free(&a->rules);
	for (size_t i = 0; a->policy_values && i < a->n_policy_entries; i++)
		free(a->policy_values[i]);
	free(a->policy_values);
	a->policy_values = NULL;
	a->n_policy_entries = 0;
}
