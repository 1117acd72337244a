// SPDX-License-Identifier: GPL-2.0-only
/* The decision code the BPF programs run, compiled for the host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "hermetic_policy.h"

static const struct hb_policy none = { .guards = 0 };
static const struct hb_policy net = { .guards = HB_GUARD_NET };

static struct hb_req connect_req(__u16 sock_family, __u16 addr_family, int len)
{
	return (struct hb_req){ .hook = HB_HOOK_CONNECT, .family = sock_family,
				.addr_family = addr_family, .addrlen = len };
}

static void connect_decisions(void **state)
{
	struct hb_req r;

	(void)state;
	r = connect_req(HB_AF_INET, HB_AF_INET, 16);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
	r = connect_req(HB_AF_INET6, HB_AF_INET6, 28);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	/* An IPv4 address on an IPv6 socket is still network. */
	r = connect_req(HB_AF_INET6, HB_AF_INET, 16);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	/* Dissolving an association is not network... */
	r = connect_req(HB_AF_INET, HB_AF_UNSPEC, 16);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
	/* ...unless the family could not even be read. */
	r = connect_req(HB_AF_INET, HB_AF_UNSPEC, 1);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	/* Unix and netlink are local IPC here. */
	r = connect_req(HB_AF_UNIX, HB_AF_UNIX, 20);
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
}

static void sendmsg_decisions(void **state)
{
	struct hb_req r = { .hook = HB_HOOK_SENDMSG, .family = HB_AF_INET };

	(void)state;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	/* UDP sends to an AF_UNSPEC destination as if it were IPv4. */
	r.addr_family = HB_AF_UNSPEC;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	r.family = HB_AF_INET6;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NET_DISABLED);
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
	r.family = HB_AF_UNIX;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_NONE);
}

static enum hb_reason sock(const struct hb_policy *p, int family, int type, int proto)
{
	struct hb_req r = { .hook = HB_HOOK_SOCKET, .family = (__u16)family,
			    .type = type, .protocol = proto };

	return hb_decide(p, &r);
}

static void socket_allow_list(void **state)
{
	(void)state;
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_STREAM, 0), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_INET6, HB_SOCK_STREAM, HB_IPPROTO_TCP), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_STREAM, HB_IPPROTO_MPTCP), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_UDP), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_DGRAM, HB_IPPROTO_ICMP), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_INET6, HB_SOCK_DGRAM, HB_IPPROTO_ICMPV6), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_UNIX, HB_SOCK_STREAM, 0), HB_REASON_NONE);
	assert_int_equal(sock(&net, HB_AF_NETLINK, 3, 0), HB_REASON_NONE);

	assert_int_equal(sock(&net, HB_AF_INET, 3 /* RAW */, HB_IPPROTO_ICMP), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, HB_AF_INET6, 3, 0), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, 17 /* PACKET */, 3, 768), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_STREAM, 132 /* SCTP */), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, HB_AF_INET, 5 /* SEQPACKET */, 0), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, HB_AF_INET, HB_SOCK_DGRAM, 136 /* UDPLITE */), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, HB_AF_INET6, HB_SOCK_DGRAM, HB_IPPROTO_ICMP), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&net, 40 /* VSOCK */, HB_SOCK_STREAM, 0), HB_REASON_NET_SOCKET_KIND);
	assert_int_equal(sock(&none, 17, 3, 768), HB_REASON_NONE);
}

static void fails_closed(void **state)
{
	struct hb_req r = connect_req(HB_AF_INET, HB_AF_INET, 16);

	(void)state;
	r.unreadable = 1;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_UNREADABLE);
	/* ...but only for a sandbox whose guard owns the hook. */
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
	r.unreadable = 0;
	r.hook = HB_HOOK_MAX + 7;
	assert_int_equal(hb_decide(&net, &r), HB_REASON_UNREADABLE);
	assert_int_equal(hb_decide(&none, &r), HB_REASON_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connect_decisions),
		cmocka_unit_test(sendmsg_decisions),
		cmocka_unit_test(socket_allow_list),
		cmocka_unit_test(fails_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
