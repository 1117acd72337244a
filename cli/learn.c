// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hermetic-bpf learn -o FILE -- COMMAND`: runs COMMAND with every guard in
 * audit mode and writes the policy file under which it would have passed
 * (docs/policy-file.md): the names it resolved, the addresses it reached
 * without a name, the unix sockets, programs and directories it used.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "misuse.h"
#include "commands.h"
#include "exit_status.h"
#include "hermetic_policy.h"
#include "launch.h"
#include "log.h"
#include "output_file.h"
#include "probe.h"
#include "run.h"
#include "trace_fmt.h"

/* A set of strings, in the order first seen. */
struct set {
	char **items;
	size_t n;
};

struct learned {
	pthread_mutex_t lock;
	struct set domains, ips, unix_paths, programs, dirs, native, other;
	bool net;           /* any network event at all */
	bool failed;        /* out of memory: the policy would be incomplete */
	bool tier_b;        /* no BPF-LSM: the policy is for tier B (spec/audit.md) */
};

static void set_add(struct learned *l, struct set *s, const char *v)
{
	char **items;

	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->items[i], v))
			return;
	if (s->n >= HB_POLICY_MAX_ENTRIES)
		return; /* the policy file would be refused anyway */
	items = realloc(s->items, (s->n + 1) * sizeof(*items));
	if (!items || !(items[s->n] = strdup(v))) {
		if (items)
			s->items = items;
		l->failed = true;
		return;
	}
	s->items = items;
	s->n++;
}

static void set_free(struct set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i]);
	free(s->items);
}

/* The nearest directory of @path that still exists (temporary ones go). */
static void add_dir_of(struct learned *l, const char *path, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;

	if (len == 0 || len >= sizeof(dir) || path[0] != '/')
		return;
	memcpy(dir, path, len);
	dir[len] = '\0';
	do {
		char *slash = strrchr(dir, '/');

		slash[slash == dir] = '\0'; /* "/a/b" -> "/a", "/a" -> "/" */
	} while (strcmp(dir, "/") && (stat(dir, &st) || !S_ISDIR(st.st_mode)));
	set_add(l, &l->dirs, dir);
}

static void add_addr(struct learned *l, const struct hb_event *ev)
{
	char ip[INET6_ADDRSTRLEN], rule[INET6_ADDRSTRLEN + 16];

	if (!hb_event_ip(ev, ip, sizeof(ip)))
		return;
	if (ev->family == HB_AF_INET)
		snprintf(rule, sizeof(rule), "%s/32:%u", ip, ev->port);
	else
		snprintf(rule, sizeof(rule), "[%s]/128:%u", ip, ev->port);
	set_add(l, &l->ips, rule);
}

static int observe(void *ctx, const struct hb_event *ev)
{
	struct learned *l = ctx;
	struct hb_event_names names;
	char name[HB_EVENT_PATH_MAX + 1], line[1024];

	if (ev->verdict != HB_VERDICT_AUDIT)
		return 0;
	hb_event_names(ev, &names);
	name[0] = '\0';
	if (names.count)
		snprintf(name, sizeof(name), "%.*s", (int)names.len[0], names.name[0]);
	pthread_mutex_lock(&l->lock);
	switch (ev->hook) {
	case HB_HOOK_DNS:
		l->net = true;
		set_add(l, &l->domains, name);
		break;
	case HB_HOOK_CONNECT:
	case HB_HOOK_SENDMSG:
		l->net = true;
		add_addr(l, ev);
		break;
	case HB_HOOK_UNIX:
		l->net = true;
		if (!names.abstract && name[0] == '/')
			set_add(l, &l->unix_paths, name);
		else
			goto other;
		break;
	case HB_HOOK_EXEC:
		if (name[0] == '/')
			set_add(l, &l->programs, name);
		else
			goto other;
		break;
	case HB_HOOK_FS_WRITE:
		for (unsigned int i = 0; i < names.count; i++)
			add_dir_of(l, names.name[i], names.len[i]);
		break;
	case HB_HOOK_EXEC_FILE:
	case HB_HOOK_MMAP:
	case HB_HOOK_MPROTECT:
		set_add(l, &l->native, name[0] ? name : "(anonymous memory)");
		break;
	default:
		if (hb_hook_guard(ev->hook) & HB_GUARD_NET)
			l->net = true;
	other:
		/* No key can allow it: say so in the file, then it stays denied. */
		hb_format_event(ev, line, sizeof(line));
		set_add(l, &l->other, line);
	}
	pthread_mutex_unlock(&l->lock);
	return 0;
}

static void write_set(FILE *f, const char *key, const struct set *s)
{
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%s = %s\n", key, s->items[i]);
}

static void write_policy(FILE *f, const struct learned *l, const char *cmd)
{
	const char *base = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
	char prog[64 * 4 + 1];

	/* The program's name only: never its arguments (they may hold secrets). */
	hb_escape(base, strnlen(base, 64), prog, sizeof(prog));
	fprintf(f, "# hermetic-bpf policy learned from a run of %s\n"
		   "# (hermetic-bpf learn; keys: docs/policy-file.md)\n"
		   "[hermetic-bpf]\nversion = 1\n\n[network]\n", prog);
	if (!l->domains.n && !l->ips.n && !l->unix_paths.n)
		fprintf(f, "no-network = yes\n");
	write_set(f, "allow-domain", &l->domains);
	write_set(f, "allow-ip", &l->ips);
	write_set(f, "allow-unix", &l->unix_paths);
	fprintf(f, "\n[exec]\n%s", l->programs.n ? "" : "no-subprocess = yes\n");
	if (l->tier_b && l->programs.n) {
		/* Tier B keeps no list of programs (spec/tiers.md): none is refused. */
		fprintf(f, "# not confined: without BPF-LSM no list of programs can be kept, and\n"
			   "# the run started\n");
		for (size_t i = 0; i < l->programs.n; i++)
			fprintf(f, "#   %s\n", l->programs.items[i]);
	} else {
		write_set(f, "allow-exec", &l->programs);
	}
	fprintf(f, "\n[native]\n");
	if (l->tier_b) {
		fprintf(f, "# block-native was not learned: it needs BPF-LSM\n");
	} else if (l->native.n) {
		fprintf(f, "# not blocked: the run mapped native code from\n");
		for (size_t i = 0; i < l->native.n; i++)
			fprintf(f, "#   %s\n", l->native.items[i]);
	} else {
		fprintf(f, "block-native = yes\n");
	}
	fprintf(f, "\n[files]\nfs-readonly = yes\n");
	write_set(f, "allow-write", &l->dirs);
	if (l->other.n)
		fprintf(f, "\n# seen, and no key allows it (it will be denied):\n");
	for (size_t i = 0; i < l->other.n; i++)
		fprintf(f, "#   %s\n", l->other.items[i]);
}

static void usage(FILE *f)
{
	fputs("Usage: hermetic-bpf learn -o FILE [--user USER] [-v] [--] COMMAND [ARG]...\n"
	      "Run COMMAND with every guard in audit mode (nothing is denied but the\n"
	      "seal), and write to FILE the policy under which it would have passed:\n"
	      "  hermetic-bpf run --policy FILE -- COMMAND\n"
	      "Without BPF-LSM (tier B) it learns all but --block-native, and a command\n"
	      "that runs other programs gets no --no-subprocess (spec/audit.md).\n"
	      "Exit status: COMMAND's, or 125 (nothing written).\n", f);
}

/*
 * run's flags for learning: every guard, audited, no rate limit; the
 * last, --block-native, only with BPF-LSM (tier B has none to audit).
 */
static const char *const learn_flags[] = {
	"run", "--audit", "--no-network", "--allow-domain", "hermetic-bpf.invalid",
	"--no-subprocess", "--fs-readonly", "--event-rate", "0", "--block-native",
};
#define N_LEARN_FLAGS (sizeof(learn_flags) / sizeof(learn_flags[0]))

static int misuse(const char *what, const char *arg)
{
	hb_misuse("learn", "%s%s", what, arg);
	return HB_EXIT_FAILURE;
}

/*
 * learn's command line as run's, into @rargv (room for N_LEARN_FLAGS + @argc
 * words): the learning flags, --user and -v passed on, then "--" COMMAND.
 * -o FILE goes to @out, COMMAND's name to @cmd. Returns the word count,
 * 0 after --help, or -1.
 */
static int run_argv(int argc, char **argv, char **rargv, const char **out,
		    const char **cmd, bool tier_b)
{
	int n = 0, i;

	for (size_t k = 0; k < N_LEARN_FLAGS - tier_b; k++)
		rargv[n++] = (char *)learn_flags[k];
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
			*out = argv[++i];
		} else if (!strcmp(argv[i], "--user") && i + 1 < argc) {
			rargv[n++] = argv[i++];
			rargv[n++] = argv[i];
		} else if (!strcmp(argv[i], "-v")) {
			rargv[n++] = argv[i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			misuse("unknown option or missing value: ", argv[i]);
			return -1;
		}
	}
	if (!*out || i >= argc) {
		misuse(*out ? "no command given" : "-o FILE is required (the command's own "
		       "output goes to stdout)", "");
		return -1;
	}
	rargv[n++] = "--";
	*cmd = argv[i];
	while (i < argc)
		rargv[n++] = argv[i++];
	rargv[n] = NULL;
	return n;
}

/* learn's FILE, removed as the user who made it (never through root's eyes). */
static int remove_output(void *path)
{
	return unlink(path) ? -errno : 0;
}

/*
 * Without BPF-LSM, learn audits in tier B (spec/audit.md): all but
 * --block-native, which only BPF-LSM has. Said, with why.
 */
static bool learns_in_tier_b(void)
{
	struct hb_probe_failure why = {};

	if (!hb_probe_bpf_lsm(&why))
		return false;
	hb_log("learn: no BPF-LSM (%s): learning in tier B, without --block-native "
	       "(spec/audit.md)", why.what);
	return true;
}

int hb_cmd_learn(int argc, char **argv)
{
	struct learned l = { .lock = PTHREAD_MUTEX_INITIALIZER };
	char **rargv = calloc(N_LEARN_FLAGS + (size_t)argc + 1, sizeof(*rargv));
	const char *out = NULL, *cmd = NULL;
	struct hb_run_args a;
	struct hb_creds creds;
	int rargc, status = HB_EXIT_FAILURE, fd;
	FILE *f = NULL;

	/* --help and bad options first: no probe for them. */
	rargc = rargv ? run_argv(argc, argv, rargv, &out, &cmd, true) : -1;
	if (rargc > 0 && geteuid() == 0 && learns_in_tier_b())
		l.tier_b = true;
	else if (rargc > 0)
		rargc = run_argv(argc, argv, rargv, &out, &cmd, false);
	if (rargc <= 0) {
		free(rargv);
		return rargc ? HB_EXIT_FAILURE : 0;
	}
	if (hb_run_args_parse(rargc, rargv, &a)) {
		free(rargv);
		return HB_EXIT_FAILURE;
	}
	hb_verbosity = a.verbose;
	hb_log_setup_libbpf();
	/*
	 * Before anything runs (an unwritable FILE must not cost a run), as
	 * the command's user, as run's --summary-json (spec/run.md).
	 */
	if (hb_creds_resolve(a.user, &creds))
		goto out;
	fd = hb_open_user_output(&creds, "-o", out, O_TRUNC, 0644);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		if (fd >= 0) {
			hb_log("-o %s: %s", out, strerror(errno));
			close(fd);
		}
		goto out;
	}
	status = hb_run(&a, observe, &l);
	if (status == HB_EXIT_FAILURE || l.failed) {
		fclose(f);
		hb_as_user(&creds, remove_output, (void *)out);
		if (l.failed)
			hb_log("learn: out of memory; no policy written");
		status = HB_EXIT_FAILURE;
	} else {
		write_policy(f, &l, cmd);
		if (fclose(f)) {
			hb_log("learn: -o %s: %s", out, strerror(errno));
			status = HB_EXIT_FAILURE;
		} else {
			hb_log("learned policy written to %s; run it with: hermetic-bpf run "
			       "--policy %s -- ...", out, out);
		}
	}
out:
	hb_run_args_free(&a);
	set_free(&l.domains);
	set_free(&l.ips);
	set_free(&l.unix_paths);
	set_free(&l.programs);
	set_free(&l.dirs);
	set_free(&l.native);
	set_free(&l.other);
	free(rargv);
	return status;
}
