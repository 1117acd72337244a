// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hermetic-bpf agent`: one BPF object for the host, policies per cgroup
 * from a directory, events as JSON lines (spec/agent.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "agent_apply.h"
#include "agent_dns.h"
#include "agent_follow.h"
#include "agent_pins.h"
#include "agent_socket.h"
#include "cgroup.h"
#include "cgroup_names.h"
#include "commands.h"
#include "event_json.h"
#include "exit_status.h"
#include "log.h"
#include "misuse.h"
#include "output_file.h"
#include "policy_dir.h"
#include "probe.h"
#include "sd_notify.h"
#include "tier.h"
#include "unix_watch.h"

struct agent {
	const char *dir;
	struct hb_tiers tiers;       /* the network guard's: BPF-LSM, or tier B */
	char cgroot[PATH_MAX];
	struct hb_agent_obj obj;
	struct hb_policy_set set;
	__u64 *ids;                  /* set.v[i]'s cgroup id */
	int events_fd;               /* --events-file, or -1 */
	struct hb_event_json_ctx jctx;
	char host[256];              /* the events' "host" */
	struct hb_cgroup_cache names; /* other writers' policies (policy apply) */
	struct hb_agent_socket sock;  /* trace and CONFINE clients (agent/agent_socket.c) */
	struct hb_unix_watch unix_watch; /* allow-unix sockets made again (agent/unix_watch.c) */
	struct hb_agent_dns dns;     /* allow-domain's proxies (agent/agent_dns.c) */
	struct hb_ring_pass pass;    /* its rings read a pass at a time (ring_pass.h) */
};

static void usage(FILE *f)
{
	fputs("Usage: hermetic-bpf agent [--policies DIR] [--events-file PATH] [-v]\n"
	      "       hermetic-bpf agent --unload\n"
	      "Load the BPF programs once for the host, confine each cgroup that a\n"
	      "policy file in DIR (default " HB_POLICY_DIR_DEFAULT ", *.conf) names,\n"
	      "and write every denial as a JSON line on stdout (and to PATH).\n"
	      "SIGHUP re-reads DIR; SIGTERM and SIGINT stop the agent and leave the\n"
	      "policies enforced; a new agent takes them over. --unload removes them.\n"
	      "Without BPF-LSM it serves the network guard only (tier B, cgroup-bpf).\n"
	      "Exit status: 0, or 125 if the agent failed or refused.\n",
	      f);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct agent *ag = ctx;
	const struct hb_event *ev = data;
	char line[HB_EVENT_JSON_MAX], exe[PATH_MAX];
	int n;

	if (size < sizeof(*ev))
		return 0; /* not ours to interpret; the ABI fixes the size */
	ag->jctx.cgroup = NULL;
	for (size_t i = 0; i < ag->set.n; i++)
		if (ag->ids[i] == ev->sandbox_id)
			ag->jctx.cgroup = ag->set.v[i].cgroup;
	if (!ag->jctx.cgroup)
		ag->jctx.cgroup = hb_cgroup_cache_name(&ag->names, ev->sandbox_id);
	hb_agent_socket_event(&ag->sock, ev);
	hb_event_exe(ev, exe, sizeof(exe));
	ag->jctx.exe = exe;
	n = hb_event_json_line(line, sizeof(line), ev, &ag->jctx);
	ag->jctx.exe = NULL;
	if (n <= 0)
		return 0;
	hb_put_line(STDOUT_FILENO, line, (size_t)n);
	if (ag->events_fd >= 0)
		hb_put_line(ag->events_fd, line, (size_t)n);
	return 0;
}

/* An event read from the object's ring: a pass reads its share (ring_pass.h). */
static int on_ring_event(void *ctx, void *data, size_t size)
{
	struct agent *ag = ctx;

	return hb_ring_pass_spend(&ag->pass, on_event(ctx, data, size));
}

/*
 * A line an agent killed while writing left torn (kill -9 can stop a
 * write at a page boundary) ends here, so that every line after it, ours,
 * is whole JSON for whoever reads the file.
 */
static void end_torn_line(int fd)
{
	char path[64], last;
	struct stat st;
	int r;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = open(path, O_RDONLY | O_CLOEXEC);
	if (r < 0)
		return;
	if (pread(r, &last, 1, st.st_size - 1) == 1 && last != '\n')
		hb_put_line(fd, "\n", 1);
	close(r);
}

/* A followed cgroup was made again: its policy's rules, now (agent_follow.h). */
static int on_recreated(void *ctx, void *data, size_t size)
{
	struct agent *ag = ctx;

	if (size >= sizeof(struct hb_cg_event)) {
		hb_follow_event(&ag->obj.maps, &ag->obj.follow, &ag->set, ag->ids, data);
		/* Its proxy's answers for the new id: until now, for the gone one (denied). */
		hb_agent_dns_retarget(&ag->dns, ag->ids);
	}
	return hb_ring_pass_spend(&ag->pass, 0);
}

/* The tier of the agent's object: the network guard's mechanism here. */
static enum hb_tier agent_tier(const struct agent *ag)
{
	return ag->tiers.net == HB_TIER_A ? HB_TIER_A : HB_TIER_B;
}

/*
 * BPF-LSM if it works here, else tier B for the network guard (cgroup-bpf
 * with the unix hooks, spec/agent.md); neither: refused, saying why.
 */
static int choose_tier(struct agent *ag)
{
	char served[128], refused[128];
	struct hb_tier_why why;

	if (!hb_tier_probe(HB_GUARD_NET, &ag->tiers, &why)) {
		if (ag->tiers.net == HB_TIER_A)
			return 0;
		hb_guard_agent_lists(HB_TIER_B, served, refused, sizeof(served));
		hb_log("agent: no BPF-LSM here (%s): tier B (cgroup-bpf), serving %s only; "
		       "policies of %s are refused", why.lsm.what, served, refused);
		/* What a service confined this way can still do: spec/agent.md. */
		hb_log("agent: tier B cannot seal a running service: a process of it that "
		       "runs as root (or can write cgroup.procs elsewhere) can leave its "
		       "cgroup; nor filter its socket families other than inet and unix, or "
		       "its ptrace (spec/agent.md, \"What a tier B policy guarantees\")");
		return 0;
	}
	hb_log("agent: cannot enforce here: %s", why.lsm.what);
	if (why.cgroup.what[0])
		hb_log("agent: and without BPF-LSM, the network guard's tier B: %s",
		       why.cgroup.what);
	if (why.lsm.hint[0])
		hb_hint("%s", why.lsm.hint);
	if (why.cgroup.hint[0] && strcmp(why.cgroup.hint, why.lsm.hint))
		hb_hint("%s", why.cgroup.hint);
	return -EOPNOTSUPP;
}

/* Reads the directory and enforces it; on any error the old set stays. */
static int load_policies(struct agent *ag)
{
	struct hb_policy_set set;
	__u64 *ids;
	int err;

	err = hb_policy_dir_read(ag->dir, agent_tier(ag), &set);
	if (err)
		return err;
	ids = calloc(set.n + 1, sizeof(*ids));
	/* The proxies' ports go into the policies: opened before they are written. */
	err = ids ? hb_agent_dns_prepare(&ag->dns, &set) : -ENOMEM;
	if (!err) {
		err = hb_agent_apply(&ag->obj.maps, &ag->obj.follow, ag->cgroot, &set, ids);
		if (err)
			hb_agent_dns_abort(&ag->dns);
	}
	if (err) {
		hb_policy_set_free(&set);
		free(ids);
		return err;
	}
	hb_agent_dns_commit(&ag->dns, &set, ids);
	hb_policy_set_free(&ag->set);
	free(ag->ids);
	ag->set = set;
	ag->ids = ids;
	for (size_t i = 0; i < set.n; i++)
		hb_log("agent: %s %s %s (cgroup id %llu)", set.v[i].file,
		       set.v[i].args.rules.audit ? "audits (allows and reports)" : "confines",
		       set.v[i].cgroup, (unsigned long long)ids[i]);
	return 0;
}

/* SIGTERM, SIGINT, SIGHUP: read from a signalfd, never by default action. */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

static int serve(struct agent *ag)
{
	struct ring_buffer *rb = NULL;
	struct epoll_event e = { .events = EPOLLIN };
	sigset_t set;
	int ep = -1, sfd = -1, err = 0;

	stop_signals(&set);
	/* Without it the agent still enforces; only trace and users' runs are not served. */
	hb_agent_socket_open(&ag->sock);
	ag->sock.obj = &ag->obj;
	ag->sock.cgroot = ag->cgroot;
	ag->sock.tiers = &ag->tiers;
	ag->sock.also = on_event;
	ag->sock.also_ctx = ag;
	/* Re-creations first: a denial read in the same pass names its cgroup. */
	rb = ring_buffer__new(ag->obj.follow.events, on_recreated, ag, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	/*
	 * One wait for both: each wake-up reads what either has. The
	 * signalfd does not block, or a wake-up for events alone would stall
	 * the stream until the next signal.
	 */
	if (!rb || ring_buffer__add(rb, ag->obj.events, on_ring_event, ag) ||
	    sfd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &e) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, ring_buffer__epoll_fd(rb), &e)) {
		err = -errno;
		hb_log("agent: cannot watch events and signals: %s", strerror(errno));
		goto out;
	}
	if (ag->sock.epoll_fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, ag->sock.epoll_fd, &e))
		hb_agent_socket_close(&ag->sock);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, hb_agent_dns_fd(&ag->dns), &e)) {
		err = -errno;
		hb_log("agent: cannot watch the DNS proxies: %s", strerror(errno));
		goto out;
	}
	/* Without it a re-made socket stays denied until a reload (spec/agent.md). */
	if (!hb_unix_watch_open(&ag->unix_watch) &&
	    epoll_ctl(ep, EPOLL_CTL_ADD, ag->unix_watch.fd, &e))
		hb_unix_watch_close(&ag->unix_watch);
	hb_unix_watch_set(&ag->unix_watch, &ag->set);
	hb_log("agent: ready, %zu %s enforced (%s %s)", ag->set.n,
	       ag->set.n == 1 ? "policy" : "policies",
	       ag->obj.restored ? "re-opened the pins in" : "loaded and pinned in",
	       ag->obj.dir);
	/* What happened while no agent ran: cgroups made again, denials (a pass). */
	hb_ring_pass(rb, &ag->pass);
	/* Type=notify: units ordered after the agent start confined. */
	hb_sd_notify("READY=1");
	for (;;) {
		struct signalfd_siginfo si;
		struct epoll_event got;
		int n = epoll_wait(ep, &got, 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		hb_ring_pass(rb, &ag->pass);
		hb_agent_dns_drain(&ag->dns, on_event, ag);
		hb_agent_socket_poll(&ag->sock);
		if (hb_unix_watch_changed(&ag->unix_watch))
			hb_agent_refresh_unix(&ag->obj.maps, &ag->set, ag->ids);
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			if (load_policies(ag))
				hb_log("agent: reload refused; the previous %zu %s stay enforced",
				       ag->set.n, ag->set.n == 1 ? "policy" : "policies");
			else
				hb_log("agent: reloaded, %zu %s enforced", ag->set.n,
				       ag->set.n == 1 ? "policy" : "policies");
			hb_unix_watch_set(&ag->unix_watch, &ag->set);
			continue;
		}
		hb_ring_pass(rb, &ag->pass);
		hb_log("agent: stopping on signal %u; the policies stay enforced",
		       si.ssi_signo);
		break;
	}
out:
	hb_unix_watch_close(&ag->unix_watch);
	hb_agent_socket_close(&ag->sock);
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	ring_buffer__free(rb);
	return err;
}

static int parse(int argc, char **argv, struct agent *ag, bool *unload,
		 const char **events_file)
{
	static const struct option opts[] = {
		{ "policies", required_argument, NULL, 'p' },
		{ "events-file", required_argument, NULL, 'e' },
		{ "unload", no_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': ag->dir = optarg; break;
		case 'e': *events_file = optarg; break;
		case 'u': *unload = true; break;
		case 'v': hb_verbosity++; break;
		case 'h': usage(stdout); return 1;
		default: return hb_misuse_option("agent", c, argv);
		}
	}
	if (optind < argc)
		return hb_misuse("agent", "unexpected argument '%s'", argv[optind]);
	return 0;
}

int hb_cmd_agent(int argc, char **argv)
{
	struct agent ag = { .dir = HB_POLICY_DIR_DEFAULT, .events_fd = -1, .unix_watch.fd = -1,
			    .dns.events = { -1, -1 } };
	const char *events_file = NULL;
	bool unload = false;
	sigset_t mask;
	int err;

	err = parse(argc, argv, &ag, &unload, &events_file);
	if (err)
		return err > 0 ? 0 : HB_EXIT_FAILURE;
	if (geteuid() != 0) {
		hb_log("agent needs root (it loads BPF programs)");
		return HB_EXIT_FAILURE;
	}
	hb_log_setup_libbpf();
	/*
	 * Blocked from here on: a SIGTERM while the object is being pinned
	 * waits until the pins are complete, instead of leaving half a set.
	 */
	stop_signals(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (unload)
		return hb_agent_obj_unload() ? HB_EXIT_FAILURE : 0;
	if (choose_tier(&ag))
		return HB_EXIT_FAILURE;
	err = hb_cgroup_root(ag.cgroot, sizeof(ag.cgroot));
	ag.names.cgroot = ag.cgroot;
	if (!err && events_file) {
		ag.events_fd = hb_open_output("--events-file", events_file, O_APPEND);
		err = ag.events_fd < 0 ? ag.events_fd : 0;
		if (!err)
			end_torn_line(ag.events_fd);
	}
	/* A bad directory stops the agent before it loads anything. */
	if (!err)
		err = hb_policy_dir_read(ag.dir, agent_tier(&ag), &ag.set);
	if (!err && hb_follow_check(&ag.set)) {
		hb_log("%s: policy set refused; nothing changed", ag.dir);
		err = -ENAMETOOLONG;
	}
	/* allow-domain's proxies can listen here: else nothing is loaded either. */
	if (!err && hb_agent_dns_check(&ag.set)) {
		hb_log("%s: policy set refused; nothing changed", ag.dir);
		err = -EIO;
	}
	if (!err) {
		hb_policy_set_free(&ag.set);
		err = hb_agent_obj_open(&ag.obj, &ag.tiers);
	}
	hb_event_json_clock(&ag.jctx);
	/* Events of many hosts, once collected, say which one they came from. */
	if (!gethostname(ag.host, sizeof(ag.host) - 1))
		ag.jctx.host = ag.host;
	if (!err)
		err = hb_agent_dns_open(&ag.dns, ag.obj.maps.dns_addrs, ag.cgroot);
	if (!err)
		err = load_policies(&ag);
	if (!err)
		err = serve(&ag);
	/* Its policies' names resolve to nothing from here on: fail closed. */
	hb_agent_dns_close(&ag.dns);
	hb_agent_obj_close(&ag.obj);
	hb_policy_set_free(&ag.set);
	free(ag.ids);
	hb_cgroup_cache_free(&ag.names);
	if (ag.events_fd >= 0)
		close(ag.events_fd);
	return err ? HB_EXIT_FAILURE : 0;
}
