// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hermetic-bpf trace`: the running agent's events, from another
 * terminal (spec/agent-commands.md), in run --trace's words or as JSON lines.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "agent_client.h"
#include "cgroup.h"
#include "cgroup_names.h"
#include "commands.h"
#include "event_json.h"
#include "exit_status.h"
#include "log.h"
#include "misuse.h"
#include "output_file.h"
#include "policy_dir.h"
#include "trace_fmt.h"

struct trace {
	bool json;
	char cgroup[PATH_MAX]; /* --cgroup: events of processes there or below; "" all */
	char cgroot[PATH_MAX];
	struct hb_cgroup_cache names;
	struct hb_event_json_ctx jctx;
	char host[256];
};

static void usage(FILE *f)
{
	fputs("Usage: hermetic-bpf trace [--json] [--cgroup PATH]\n"
	      "Follow the running agent's events: one line per denial, as run --trace\n"
	      "writes them, or JSON lines (spec/events.md) with --json. --cgroup PATH\n"
	      "(below the cgroup2 mount) keeps the events of processes in PATH and\n"
	      "below. Needs root. Stops when the agent stops.\n"
	      "Exit status: 0 when the agent stopped, 125 if there is no agent or it\n"
	      "refused.\n",
	      f);
}

static int parse(int argc, char **argv, struct trace *t)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char rel[PATH_MAX];
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': t->json = true; break;
		case 'c':
			if (hb_policy_cgroup_value("trace", "--cgroup",
						   hb_cgroup_below_root(optarg, rel, sizeof(rel)),
						   t->cgroup, sizeof(t->cgroup)))
				return -EINVAL;
			break;
		case 'v': hb_verbosity++; break;
		case 'h': usage(stdout); return 1;
		default: return hb_misuse_option("trace", c, argv);
		}
	}
	if (optind < argc)
		return hb_misuse("trace", "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* The task's own cgroup, or the policy's when the task's is gone already. */
static bool wanted(struct trace *t, const struct hb_event *ev)
{
	const char *p;

	if (!t->cgroup[0])
		return true;
	p = hb_cgroup_cache_name(&t->names, ev->cgroup_id);
	if (p && hb_cgroup_path_under(p, t->cgroup))
		return true;
	p = hb_cgroup_cache_name(&t->names, ev->sandbox_id);
	return p && hb_cgroup_path_under(p, t->cgroup);
}

static void show_event(struct trace *t, const struct hb_event *ev)
{
	char line[HB_EVENT_JSON_MAX], exe[PATH_MAX];
	int n;

	if (!wanted(t, ev))
		return;
	if (t->json) {
		t->jctx.cgroup = hb_cgroup_cache_name(&t->names, ev->sandbox_id);
		hb_event_exe(ev, exe, sizeof(exe));
		t->jctx.exe = exe;
		n = hb_event_json_line(line, sizeof(line), ev, &t->jctx);
		t->jctx.exe = NULL;
	} else {
		n = snprintf(line, sizeof(line), "hermetic-bpf: ");
		hb_format_event(ev, line + n, sizeof(line) - (size_t)n - 1);
		strcat(line, "\n");
		n = (int)strlen(line);
	}
	if (n > 0)
		hb_put_line(STDOUT_FILENO, line, (size_t)n);
}

static void show_lost(struct trace *t, long long count)
{
	char line[256];
	int n;

	t->jctx.cgroup = NULL;
	if (t->json)
		/* Sandbox id 0: missed by this trace, whichever sandbox they were of. */
		n = hb_event_json_lost(line, sizeof(line), (unsigned long long)count, 0, &t->jctx);
	else
		n = snprintf(line, sizeof(line), "hermetic-bpf: %lld event%s lost (this trace "
			     "read too slowly for the agent)\n", count, count == 1 ? "" : "s");
	if (n > 0)
		hb_put_line(STDOUT_FILENO, line, (size_t)n);
}

static int follow(struct trace *t, int fd)
{
	struct {
		struct hb_agent_msg m;
		struct hb_event ev;
		char slack[64]; /* a longer message is not ours to read: skipped */
	} buf;

	for (;;) {
		ssize_t n = recv(fd, &buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hb_log("trace: reading from the agent: %s", strerror(errno));
			return -errno;
		}
		if (n == 0) {
			hb_log("trace: the agent stopped");
			return 0;
		}
		if ((size_t)n < sizeof(buf.m))
			continue;
		if (buf.m.type == HB_AGENT_MSG_EVENT && (size_t)n == sizeof(buf.m) + sizeof(buf.ev))
			show_event(t, &buf.ev);
		else if (buf.m.type == HB_AGENT_MSG_LOST)
			show_lost(t, buf.m.arg);
	}
}

int hb_cmd_trace(int argc, char **argv)
{
	struct trace t = {};
	int fd, err;

	err = parse(argc, argv, &t);
	if (err)
		return err > 0 ? 0 : HB_EXIT_FAILURE;
	if (hb_cgroup_root(t.cgroot, sizeof(t.cgroot)))
		return HB_EXIT_FAILURE;
	t.names.cgroot = t.cgroot;
	hb_event_json_clock(&t.jctx);
	/* As the agent's own stream says it (this host). */
	if (!gethostname(t.host, sizeof(t.host) - 1))
		t.jctx.host = t.host;
	fd = hb_agent_request("trace", HB_AGENT_OP_TRACE);
	if (fd < 0)
		return HB_EXIT_FAILURE;
	hb_log("trace: following the agent's events%s%s", t.cgroup[0] ? " in " : "",
	       t.cgroup);
	err = follow(&t, fd);
	close(fd);
	hb_cgroup_cache_free(&t.names);
	return err ? HB_EXIT_FAILURE : 0;
}
