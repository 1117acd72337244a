// SPDX-License-Identifier: GPL-2.0-only
/*
 * The network guard's route, packet and inbound decisions
 * (hermetic_policy.h), as the BPF programs run them: socket options and
 * ancillary data that change where packets go, tier B's egress and
 * ingress packet checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include "hermetic_policy.h"
#include "trace_fmt.h"

static const struct hb_policy none = { .guards = 0 };
static const struct hb_policy net = { .guards = HB_GUARD_NET };
static const struct hb_policy local = { .guards = HB_GUARD_NET,
					.net = HB_NET_ALLOW_LOCALHOST };

/* The numbers are the kernel's (<netinet/in.h> agrees where it has them). */
static void route_options_are_the_kernels(void **state)
{
	(void)state;
	assert_int_equal(HB_SOL_IP, SOL_IP);
	assert_int_equal(HB_SOL_IPV6, SOL_IPV6);
	assert_int_equal(HB_IP_OPTIONS, IP_OPTIONS);
	assert_int_equal(HB_IP_RETOPTS, IP_RETOPTS);
	assert_int_equal(HB_IPV6_2292RTHDR, IPV6_2292RTHDR);
	assert_int_equal(HB_IPV6_2292PKTOPTIONS, IPV6_2292PKTOPTIONS);
	assert_int_equal(HB_IPV6_NEXTHOP, IPV6_NEXTHOP);
	assert_int_equal(HB_IPV6_RTHDR, IPV6_RTHDR);
	assert_int_equal(HB_IPV6_ROUTING, IPPROTO_ROUTING);
	assert_int_equal(HB_IPV6_HOPOPTS, IPPROTO_HOPOPTS);
	assert_int_equal(HB_IPV6_DSTOPTS, IPPROTO_DSTOPTS);
}

static void route_options(void **state)
{
	(void)state;
	assert_true(hb_net_route_option(SOL_IP, IP_OPTIONS));
	assert_true(hb_net_route_option(SOL_IP, IP_RETOPTS));
	assert_true(hb_net_route_option(SOL_IPV6, IPV6_RTHDR));
	assert_true(hb_net_route_option(SOL_IPV6, IPV6_2292RTHDR));
	assert_true(hb_net_route_option(SOL_IPV6, IPV6_2292PKTOPTIONS));
	assert_true(hb_net_route_option(SOL_IPV6, IPV6_NEXTHOP));
	/* Harmless neighbours: the same numbers at other levels, and options
	 * that set TTL, TOS, hop limits, buffers. */
	assert_false(hb_net_route_option(SOL_IP, IP_TOS));
	assert_false(hb_net_route_option(SOL_IP, IP_TTL));
	assert_false(hb_net_route_option(SOL_IP, IP_PKTINFO));
	assert_false(hb_net_route_option(SOL_IPV6, IPV6_TCLASS));
	assert_false(hb_net_route_option(SOL_IPV6, IPV6_UNICAST_HOPS));
	assert_false(hb_net_route_option(SOL_IPV6, IPV6_HOPLIMIT));
	assert_false(hb_net_route_option(SOL_IPV6, IPV6_RECVRTHDR));
	assert_false(hb_net_route_option(SOL_SOCKET, IP_OPTIONS));
	assert_false(hb_net_route_option(SOL_SOCKET, IPV6_RTHDR));
	assert_false(hb_net_route_option(IPPROTO_TCP, IP_OPTIONS));
	assert_false(hb_net_route_option(SOL_IPV6, IP_OPTIONS));
}

static void sockopt_decisions(void **state)
{
	struct hb_req r = { .hook = HB_HOOK_SOCKOPT, .family = HB_AF_INET6, .route_opt = 1 };

	(void)state;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_ROUTE);
	assert_int_equal(hb_decide(&local, &r), HB_REASON_NET_ROUTE);
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
	r.family = HB_AF_INET;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_ROUTE);
	r.route_opt = 0;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
	/* Not inet: the kernel has no route option for it. */
	r.route_opt = 1;
	r.family = HB_AF_UNIX;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
	/* A control buffer that could not be walked fails closed. */
	r.family = HB_AF_INET;
	r.route_opt = 0;
	r.unreadable = 1;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_UNREADABLE);
}

static void ipv6_extension_headers(void **state)
{
	(void)state;
	assert_int_equal(hb_ipv6_ext_skip(IPPROTO_HOPOPTS, 0), 8);
	assert_int_equal(hb_ipv6_ext_skip(IPPROTO_DSTOPTS, 2), 24);
	assert_int_equal(hb_ipv6_ext_skip(IPPROTO_DSTOPTS, 255), 2048);
	/* The routing header is found by the caller; nothing follows these. */
	assert_int_equal(hb_ipv6_ext_skip(IPPROTO_ROUTING, 2), 0);
	assert_int_equal(hb_ipv6_ext_skip(IPPROTO_FRAGMENT, 0), 0);
	assert_int_equal(hb_ipv6_ext_skip(IPPROTO_UDP, 0), 0);
	assert_int_equal(hb_ipv6_ext_skip(IPPROTO_ICMPV6, 0), 0);
}

static struct hb_req packet(__u16 family, int type, int proto, const char *addr)
{
	struct hb_req r = { .family = family, .type = type, .protocol = proto };
	__u8 a4[4];

	if (family == HB_AF_INET) {
		r.addr_family = HB_AF_INET;
		inet_pton(AF_INET, addr, a4);
		hb_addr_map_v4(r.addr, a4);
	} else {
		r.addr_family = HB_AF_INET6;
		inet_pton(AF_INET6, addr, r.addr);
	}
	hb_req_classify(&r);
	return r;
}

static void egress_decisions(void **state)
{
	struct hb_req r;

	(void)state;
	/* Any socket: no routing header or IPv4 options leave a sandbox. */
	r = packet(HB_AF_INET6, HB_SOCK_DGRAM, HB_IPPROTO_UDP, "::1");
	assert_int_equal(hb_net_egress_reason(&local, &r), HB_REASON_NONE);
	r.route_opt = 1;
	assert_int_equal(hb_net_egress_reason(&local, &r), HB_REASON_NET_ROUTE);
	assert_int_equal(hb_net_egress_reason(&none, &r), HB_REASON_NONE);
	r.route_opt = 0;
	r.unreadable = 1;
	assert_int_equal(hb_net_egress_reason(&local, &r), HB_REASON_UNREADABLE);
	/* UDP's destinations were judged by sendmsg4/6: not again here. */
	r = packet(HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_UDP, "192.0.2.1");
	assert_int_equal(hb_net_egress_reason(&local, &r), HB_REASON_NONE);
	/* Ping sockets: their destination, as for any send. */
	r = packet(HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_ICMP, "127.0.0.1");
	assert_int_equal(hb_net_egress_reason(&local, &r), HB_REASON_NONE);
	assert_int_equal(hb_net_egress_reason(&net, &r), HB_REASON_NET_DISABLED);
	r = packet(HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_ICMP, "192.0.2.1");
	assert_int_equal(hb_net_egress_reason(&local, &r), HB_REASON_NET_NOT_ALLOWED);
	r.rule_match = 1;
	assert_int_equal(hb_net_egress_reason(&local, &r), HB_REASON_NONE);
	r = packet(HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_ICMP, "169.254.169.254");
	r.rule_match = 1;
	assert_int_equal(hb_net_egress_reason(&local, &r), HB_REASON_NET_METADATA);
	r = packet(HB_AF_INET6, HB_SOCK_DGRAM, HB_IPPROTO_ICMPV6, "::1");
	assert_int_equal(hb_net_egress_reason(&local, &r), HB_REASON_NONE);
	assert_int_equal(hb_net_egress_reason(&net, &r), HB_REASON_NET_DISABLED);
	/* ICMP over an IPv6 socket is not a ping socket: not judged here. */
	r = packet(HB_AF_INET6, HB_SOCK_DGRAM, HB_IPPROTO_ICMP, "2001:db8::1");
	assert_int_equal(hb_net_egress_reason(&net, &r), HB_REASON_NONE);
}

static void ingress_decisions(void **state)
{
	struct hb_req r;

	(void)state;
	/* From outside the host, to an unconnected socket: dropped... */
	r = packet(HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_UDP, "192.0.2.2");
	assert_int_equal(hb_net_ingress_reason(&local, &r), HB_REASON_NET_INBOUND);
	assert_int_equal(hb_net_ingress_reason(&net, &r), HB_REASON_NET_INBOUND);
	assert_int_equal(hb_net_ingress_reason(&none, &r), HB_REASON_NONE);
	/* ...unless the sandbox may send there (a reply), or it is the peer. */
	r.rule_match = 1;
	assert_int_equal(hb_net_ingress_reason(&local, &r), HB_REASON_NONE);
	r.rule_match = 0;
	r.connected = 1;
	assert_int_equal(hb_net_ingress_reason(&net, &r), HB_REASON_NONE);
	/* A socket bound as an --allow-bind rule says: from anywhere... */
	r.connected = 0;
	r.bind_match = 1;
	assert_int_equal(hb_net_ingress_reason(&net, &r), HB_REASON_NONE);
	assert_int_equal(hb_net_ingress_reason(&local, &r), HB_REASON_NONE);
	r.bind_match = 0;
	/* The host itself, over loopback, whatever the exceptions. */
	r = packet(HB_AF_INET6, HB_SOCK_STREAM, HB_IPPROTO_TCP, "::1");
	assert_int_equal(hb_net_ingress_reason(&net, &r), HB_REASON_NONE);
	r = packet(HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_UDP, "127.0.0.9");
	assert_int_equal(hb_net_ingress_reason(&net, &r), HB_REASON_NONE);
	/* Metadata answers nothing; port 53 is no pass from outside. */
	r = packet(HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_UDP, "169.254.169.254");
	r.rule_match = 1;
	assert_int_equal(hb_net_ingress_reason(&local, &r), HB_REASON_NET_INBOUND);
	r.bind_match = 1; /* ...but a metadata source, which is forged */
	assert_int_equal(hb_net_ingress_reason(&local, &r), HB_REASON_NET_INBOUND);
	r = packet(HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_UDP, "192.0.2.53");
	r.port = HB_DNS_PORT;
	hb_req_classify(&r);
	{
		struct hb_policy dns = { .guards = HB_GUARD_NET, .net = HB_NET_DNS_PROXY };

		assert_int_equal(hb_net_ingress_reason(&dns, &r), HB_REASON_NET_INBOUND);
	}
	/* Fail closed: unreadable, or never classified. */
	r = packet(HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_UDP, "127.0.0.1");
	r.unreadable = 1;
	assert_int_equal(hb_net_ingress_reason(&local, &r), HB_REASON_UNREADABLE);
	r.unreadable = 0;
	r.addr_class = 0;
	assert_int_equal(hb_net_ingress_reason(&local, &r), HB_REASON_UNREADABLE);
}

/* The trace line of a route option denied, set or as ancillary data. */
static void sockopt_trace_lines(void **state)
{
	struct hb_event e = { .hook = HB_HOOK_SOCKOPT, .reason = HB_REASON_NET_ROUTE,
			      .family = HB_AF_INET6, .protocol = SOL_IPV6,
			      .arg = IPV6_RTHDR, .tgid = 42, .comm = "python3" };
	char buf[256];

	(void)state;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked setsockopt IPV6_RTHDR (pid 42 python3): "
				 "a source route or routing header would send elsewhere");
	e.protocol = SOL_IP;
	e.arg = IP_RETOPTS | HB_SOCKOPT_CMSG;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked setsockopt IP_RETOPTS (ancillary data) (pid 42 python3): "
				 "a source route or routing header would send elsewhere");
	e.arg = 99;
	hb_format_event(&e, buf, sizeof(buf));
	assert_string_equal(buf, "blocked setsockopt level 0 option 99 (pid 42 python3): "
				 "a source route or routing header would send elsewhere");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(route_options_are_the_kernels),
		cmocka_unit_test(route_options),
		cmocka_unit_test(sockopt_decisions),
		cmocka_unit_test(ipv6_extension_headers),
		cmocka_unit_test(egress_decisions),
		cmocka_unit_test(ingress_decisions),
		cmocka_unit_test(sockopt_trace_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
