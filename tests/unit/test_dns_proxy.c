// SPDX-License-Identifier: GPL-2.0-only
/*
 * The proxy for real, on loopback, against a fake upstream on its own
 * thread: a UDP and a TCP socket on one 127.0.0.1 port, answering from a
 * table of two names.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "dns_proxy.h"

/* Waiting for an answer; a missing one is a failure (or the point). */
#define WAIT_MS 4000

struct fake_upstream {
	int udp, tcp;
	int stop[2];
	pthread_t thread;
	struct sockaddr_storage addr;
	int queries; /* __atomic */
};

/* What the callbacks saw, in order with the client's own events. */
struct events {
	pthread_mutex_t lock;
	int seq;
	int allow_seq; /* of the last allow_addr() */
	int n_allow;
	unsigned char allowed[16];
	__u32 ttl;
	int fail_allow;
	int wrong_ctx;
	int n_refused;
	char refused_name[NS_MAXDNAME];
	__u16 refused_type;
	struct sockaddr_in refused_client;
};

static struct fake_upstream up;
static struct events ev = { .lock = PTHREAD_MUTEX_INITIALIZER };
static struct hb_dns_proxy *proxy;
static unsigned char ans[HB_DNS_MAX_MSG];

static int next_seq(void)
{
	int s;

	pthread_mutex_lock(&ev.lock);
	s = ++ev.seq;
	pthread_mutex_unlock(&ev.lock);
	return s;
}

static int allow_addr(void *ctx, const struct hb_dns_answer_addr *a)
{
	int fail;

	/* No cmocka assert here: this is the proxy's thread. */
	pthread_mutex_lock(&ev.lock);
	ev.allow_seq = ++ev.seq;
	ev.wrong_ctx |= ctx != &ev;
	ev.n_allow++;
	memcpy(ev.allowed, a->addr, sizeof(ev.allowed));
	ev.ttl = a->ttl;
	fail = ev.fail_allow;
	pthread_mutex_unlock(&ev.lock);
	return fail;
}

static void refused(void *ctx, const char *name, __u16 qtype,
		    const struct sockaddr *client, socklen_t client_len)
{
	pthread_mutex_lock(&ev.lock);
	ev.wrong_ctx |= ctx != &ev;
	ev.n_refused++;
	snprintf(ev.refused_name, sizeof(ev.refused_name), "%s", name);
	ev.refused_type = qtype;
	if (client_len == sizeof(ev.refused_client))
		memcpy(&ev.refused_client, client, client_len);
	pthread_mutex_unlock(&ev.lock);
}

static const struct hb_dns_proxy_ops ops = {
	.allow_addr = allow_addr,
	.refused = refused,
	.ctx = &ev,
};

/*
 * The fake's zone: www.example.com A 192.0.2.10; big.example.com A
 * 192.0.2.20 over TCP, a truncated answer over UDP; NXDOMAIN for the rest.
 * Answers in place; returns the length, 0 to stay silent.
 */
static size_t fake_answer(unsigned char *m, size_t len, int tcp)
{
	static const unsigned char rr[] = { 0xc0, 12, 0, ns_t_a, 0, ns_c_in,
					    0, 0, 1, 44, 0, 4 };
	const char *ip = NULL;
	int www, big;
	ns_msg h;
	ns_rr q;

	__atomic_add_fetch(&up.queries, 1, __ATOMIC_SEQ_CST);
	if (ns_initparse(m, (int)len, &h) || ns_parserr(&h, ns_s_qd, 0, &q) ||
	    ns_msg_count(h, ns_s_ar) || len + sizeof(rr) + 4 > HB_DNS_MAX_MSG)
		return 0;
	m[2] |= 0x84; /* QR, AA */
	m[3] = 0x80;  /* RA */
	www = ns_rr_type(q) == ns_t_a && !strcasecmp(ns_rr_name(q), "www.example.com");
	big = ns_rr_type(q) == ns_t_a && !strcasecmp(ns_rr_name(q), "big.example.com");
	if (www)
		ip = "192.0.2.10";
	else if (big && tcp)
		ip = "192.0.2.20";
	else if (big)
		m[2] |= 0x02; /* TC */
	else
		m[3] |= ns_r_nxdomain;
	if (!ip)
		return len;
	m[7] = 1; /* ANCOUNT */
	memcpy(m + len, rr, sizeof(rr));
	inet_pton(AF_INET, ip, m + len + sizeof(rr));
	return len + sizeof(rr) + 4;
}

static void fake_serve_tcp(int lfd)
{
	static unsigned char m[2 + HB_DNS_MAX_MSG];
	struct timeval tv = { .tv_sec = 2 };
	size_t len;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (recv(fd, m, 2, MSG_WAITALL) == 2) {
		len = ns_get16(m);
		if (recv(fd, m + 2, len, MSG_WAITALL) == (ssize_t)len) {
			len = fake_answer(m + 2, len, 1);
			ns_put16((unsigned int)len, m);
			if (len && send(fd, m, len + 2, MSG_NOSIGNAL) < 0)
				len = 0;
		}
	}
	close(fd);
}

static void *fake_main(void *arg)
{
	static unsigned char m[HB_DNS_MAX_MSG];
	struct pollfd pfd[3] = {
		{ .fd = up.udp, .events = POLLIN },
		{ .fd = up.tcp, .events = POLLIN },
		{ .fd = up.stop[0], .events = POLLIN },
	};

	(void)arg;
	for (;;) {
		if (poll(pfd, 3, -1) <= 0)
			continue;
		if (pfd[2].revents)
			return NULL;
		if (pfd[0].revents) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(up.udp, m, sizeof(m), 0,
					     (struct sockaddr *)&from, &fl);
			size_t len = n > 0 ? fake_answer(m, (size_t)n, 0) : 0;

			if (len)
				sendto(up.udp, m, len, 0, (struct sockaddr *)&from, fl);
		}
		if (pfd[1].revents)
			fake_serve_tcp(up.tcp);
	}
}

/* A bound socket on 127.0.0.1 (port 0: any); its address in @a. */
static int bound(int type, struct sockaddr_storage *a)
{
	socklen_t len = sizeof(struct sockaddr_in);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a->ss_family = AF_INET;
	((struct sockaddr_in *)a)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)a, len), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)a, &len), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 8), 0);
	return fd;
}

static int setup(void **state)
{
	static const char *const allowed[] = { "example.com", "internal" };

	(void)state;
	memset(&up.addr, 0, sizeof(up.addr));
	up.udp = bound(SOCK_DGRAM, &up.addr);
	up.tcp = bound(SOCK_STREAM, &up.addr);
	assert_int_equal(pipe(up.stop), 0);
	assert_int_equal(pthread_create(&up.thread, NULL, fake_main, NULL), 0);
	assert_int_equal(hb_dns_proxy_open(&proxy, allowed, 2, &up.addr, 1, &ops), 0);
	assert_true(hb_dns_proxy_port4(proxy) > 0);
	assert_int_equal(hb_dns_proxy_start(proxy), 0);
	assert_int_equal(hb_dns_proxy_start(proxy), -EALREADY);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hb_dns_proxy_close(proxy);
	assert_int_equal(ev.wrong_ctx, 0);
	assert_int_equal(write(up.stop[1], "x", 1), 1);
	pthread_join(up.thread, NULL);
	close(up.udp);
	close(up.tcp);
	close(up.stop[0]);
	close(up.stop[1]);
	return 0;
}

static socklen_t to_proxy(int family, __u16 port, struct sockaddr_storage *a)
{
	memset(a, 0, sizeof(*a));
	a->ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		((struct sockaddr_in *)a)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		((struct sockaddr_in *)a)->sin_port = htons(port);
		return sizeof(struct sockaddr_in);
	}
	((struct sockaddr_in6 *)a)->sin6_addr = in6addr_loopback;
	((struct sockaddr_in6 *)a)->sin6_port = htons(port);
	return sizeof(struct sockaddr_in6);
}

static int make_query(const char *name, int type, unsigned char *q, size_t cap)
{
	int n = res_mkquery(ns_o_query, name, ns_c_in, type, NULL, 0, NULL, q,
			    (int)cap);

	assert_true(n > 0);
	return n;
}

/* Sends raw bytes over UDP from a connected socket; the reply's length, or -1. */
static int udp_raw(int family, __u16 port, const void *msg, size_t len,
		   int wait_ms, struct sockaddr_in *local)
{
	struct sockaddr_storage a;
	socklen_t alen = to_proxy(family, port, &a), llen = sizeof(*local);
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0), n = -1;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, alen), 0);
	if (local)
		getsockname(fd, (struct sockaddr *)local, &llen);
	assert_int_equal(send(fd, msg, len, 0), (ssize_t)len);
	if (poll(&pfd, 1, wait_ms) == 1)
		n = (int)recv(fd, ans, sizeof(ans), 0);
	close(fd);
	return n;
}

/* One query over UDP to 127.0.0.1; checks the reply's ID and returns its RCODE. */
static int ask_udp(const char *name, int type, int *seq)
{
	unsigned char q[512];
	int qlen = make_query(name, type, q, sizeof(q));
	int n = udp_raw(AF_INET, hb_dns_proxy_port4(proxy), q, (size_t)qlen,
			WAIT_MS, NULL);

	if (seq)
		*seq = next_seq();
	assert_true(n >= 12);
	assert_int_equal(ns_get16(ans), ns_get16(q)); /* the client's ID again */
	return hb_dns_rcode(ans, (size_t)n);
}

static int answer_count(void)
{
	return (int)ns_get16(ans + 6);
}

/* The address of the last answer record (the fake puts the A last). */
static int last_a_is(int len, const char *ip)
{
	unsigned char want[4];

	inet_pton(AF_INET, ip, want);
	return len >= 16 && !memcmp(ans + len - 4, want, 4);
}

static void allowed_name_answered_after_allow(void **state)
{
	struct hb_dns_proxy_stats st;
	unsigned char want[4];
	int seq;

	(void)state;
	ev.n_allow = 0;
	assert_int_equal(ask_udp("WWW.example.com.", ns_t_a, &seq), ns_r_noerror);
	assert_int_equal(answer_count(), 1);
	inet_pton(AF_INET, "192.0.2.10", want);
	pthread_mutex_lock(&ev.lock);
	assert_int_equal(ev.n_allow, 1);
	assert_memory_equal(ev.allowed, want, 4);
	assert_int_equal(ev.ttl, 300);
	assert_true(ev.allow_seq > 0 && ev.allow_seq < seq);
	pthread_mutex_unlock(&ev.lock);
	hb_dns_proxy_stats(proxy, &st);
	assert_true(st.forwarded >= 1);

	/* NXDOMAIN passes through, with nothing to allow. */
	ev.n_allow = 0;
	assert_int_equal(ask_udp("nx.example.com", ns_t_a, NULL), ns_r_nxdomain);
	assert_int_equal(ev.n_allow, 0);
}

static void other_names_refused(void **state)
{
	struct sockaddr_in local;
	unsigned char q[512];
	int qlen, before = __atomic_load_n(&up.queries, __ATOMIC_SEQ_CST);

	(void)state;
	qlen = make_query("badexample.com", ns_t_aaaa, q, sizeof(q));
	assert_true(udp_raw(AF_INET, hb_dns_proxy_port4(proxy), q, (size_t)qlen,
			    WAIT_MS, &local) >= 12);
	assert_int_equal(hb_dns_rcode(ans, 12), ns_r_refused);
	pthread_mutex_lock(&ev.lock);
	assert_int_equal(ev.n_refused, 1);
	assert_string_equal(ev.refused_name, "badexample.com");
	assert_int_equal(ev.refused_type, ns_t_aaaa);
	assert_int_equal(ev.refused_client.sin_port, local.sin_port);
	pthread_mutex_unlock(&ev.lock);
	/* "internal" is allowed, but metadata never. */
	assert_int_equal(ask_udp("metadata.google.internal", ns_t_a, NULL), ns_r_refused);
	assert_int_equal(ask_udp("metadata", ns_t_a, NULL), ns_r_refused);
	assert_string_equal(ev.refused_name, "metadata");
	assert_int_equal(ev.n_refused, 3);
	assert_int_equal(__atomic_load_n(&up.queries, __ATOMIC_SEQ_CST), before);
}

static void other_types_get_nodata(void **state)
{
	int before = __atomic_load_n(&up.queries, __ATOMIC_SEQ_CST);

	(void)state;
	assert_int_equal(ask_udp("www.example.com", ns_t_txt, NULL), ns_r_noerror);
	assert_int_equal(answer_count(), 0);
	assert_int_equal(ask_udp("example.com", ns_t_any, NULL), ns_r_noerror);
	assert_int_equal(answer_count(), 0);
	assert_int_equal(__atomic_load_n(&up.queries, __ATOMIC_SEQ_CST), before);
}

static void allow_failure_gives_servfail(void **state)
{
	(void)state;
	ev.fail_allow = 1;
	assert_int_equal(ask_udp("www.example.com", ns_t_a, NULL), ns_r_servfail);
	assert_int_equal(answer_count(), 0);
	ev.fail_allow = 0;
	assert_int_equal(ask_udp("www.example.com", ns_t_a, NULL), ns_r_noerror);
}

static void garbage_does_not_stop_it(void **state)
{
	static const unsigned char header_only[12] = { 0xab, 0xcd, 0x01, 0, 0, 1 };
	struct hb_dns_proxy_stats before, after;
	__u16 port = hb_dns_proxy_port4(proxy);

	(void)state;
	hb_dns_proxy_stats(proxy, &before);
	assert_int_equal(udp_raw(AF_INET, port, "\x01\x02\x03", 3, 200, NULL), -1);
	assert_int_equal(udp_raw(AF_INET, port, "", 0, 200, NULL), -1);
	assert_int_equal(udp_raw(AF_INET, port, header_only, sizeof(header_only),
				 WAIT_MS, NULL), 12);
	assert_int_equal(ns_get16(ans), 0xabcd);
	assert_int_equal(hb_dns_rcode(ans, 12), ns_r_formerr);
	assert_int_equal(ask_udp("www.example.com", ns_t_a, NULL), ns_r_noerror);
	hb_dns_proxy_stats(proxy, &after);
	assert_int_equal(after.malformed - before.malformed, 3);
}

static int tcp_connect(int family, __u16 port)
{
	struct sockaddr_storage a;
	socklen_t alen = to_proxy(family, port, &a);
	struct timeval tv = { .tv_sec = WAIT_MS / 1000 };
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&a, alen), 0);
	return fd;
}

/* One framed query on @fd; the reply's length. */
static int tcp_ask(int fd, const char *name, int type)
{
	unsigned char q[2 + 512], len[2];
	int qlen = make_query(name, type, q + 2, sizeof(q) - 2), n;

	ns_put16((unsigned int)qlen, q);
	assert_int_equal(send(fd, q, (size_t)qlen + 2, MSG_NOSIGNAL), qlen + 2);
	assert_int_equal(recv(fd, len, 2, MSG_WAITALL), 2);
	n = (int)ns_get16(len);
	assert_int_equal(recv(fd, ans, (size_t)n, MSG_WAITALL), n);
	assert_int_equal(ns_get16(ans), ns_get16(q + 2));
	return n;
}

static void tcp_queries(void **state)
{
	int fd, n;

	(void)state;
	/* Over UDP the fake truncates: passed on as is, for a TCP retry. */
	assert_int_equal(ask_udp("big.example.com", ns_t_a, NULL), ns_r_noerror);
	assert_true(hb_dns_truncated(ans, 12));
	ev.n_allow = 0;
	fd = tcp_connect(AF_INET, hb_dns_proxy_port4(proxy));
	n = tcp_ask(fd, "big.example.com", ns_t_a);
	assert_int_equal(hb_dns_rcode(ans, (size_t)n), ns_r_noerror);
	assert_true(last_a_is(n, "192.0.2.20"));
	n = tcp_ask(fd, "evil.example.org", ns_t_a); /* a second on the same connection */
	assert_int_equal(hb_dns_rcode(ans, (size_t)n), ns_r_refused);
	close(fd);
	assert_int_equal(ev.n_allow, 1);
}

static void ipv6_loopback(void **state)
{
	unsigned char q[512];
	int qlen = make_query("www.example.com", ns_t_a, q, sizeof(q)), n, fd;

	(void)state;
	if (!hb_dns_proxy_has_ipv6(proxy)) {
		assert_int_equal(hb_dns_proxy_port6(proxy), 0);
		skip();
	}
	n = udp_raw(AF_INET6, hb_dns_proxy_port6(proxy), q, (size_t)qlen, WAIT_MS, NULL);
	assert_true(last_a_is(n, "192.0.2.10"));
	fd = tcp_connect(AF_INET6, hb_dns_proxy_port6(proxy));
	n = tcp_ask(fd, "www.example.com", ns_t_a);
	assert_true(last_a_is(n, "192.0.2.10"));
	close(fd);
}

static long long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000LL +
	       (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Upstreams that refuse (a closed port) are passed over at once. */
static void next_upstream_after_refusal(void **state)
{
	static const char *const allowed[] = { "example.com" };
	struct sockaddr_storage ups[2];
	struct hb_dns_proxy *p;
	struct hb_dns_proxy_stats st;
	struct timespec t0;
	unsigned char q[512];
	int qlen = make_query("www.example.com", ns_t_a, q, sizeof(q)), n;

	(void)state;
	memset(ups, 0, sizeof(ups));
	close(bound(SOCK_DGRAM, &ups[0]));
	ups[1] = up.addr;
	assert_int_equal(hb_dns_proxy_open(&p, allowed, 1, ups, 2, NULL), 0);
	assert_int_equal(hb_dns_proxy_start(p), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = udp_raw(AF_INET, hb_dns_proxy_port4(p), q, (size_t)qlen, WAIT_MS, NULL);
	assert_true(last_a_is(n, "192.0.2.10"));
	assert_true(elapsed_ms(&t0) < HB_DNS_UPSTREAM_TIMEOUT_MS);
	hb_dns_proxy_stats(p, &st);
	assert_int_equal(st.upstream_failures, 1);
	hb_dns_proxy_close(p);
}

static void silent_upstream_gives_servfail(void **state)
{
	static const char *const allowed[] = { "example.com" };
	struct sockaddr_storage hole = { 0 };
	struct hb_dns_proxy *p;
	struct timespec t0;
	unsigned char q[512];
	int qlen = make_query("www.example.com", ns_t_a, q, sizeof(q));
	int fd = bound(SOCK_DGRAM, &hole); /* never read */
	long long ms;

	(void)state;
	assert_int_equal(hb_dns_proxy_open(&p, allowed, 1, &hole, 1, NULL), 0);
	assert_int_equal(hb_dns_proxy_start(p), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(udp_raw(AF_INET, hb_dns_proxy_port4(p), q, (size_t)qlen,
				 WAIT_MS, NULL), qlen);
	ms = elapsed_ms(&t0);
	assert_int_equal(hb_dns_rcode(ans, 12), ns_r_servfail);
	assert_true(ms >= HB_DNS_UPSTREAM_TIMEOUT_MS - 100 &&
		    ms < HB_DNS_UPSTREAM_TIMEOUT_MS + 1000);
	hb_dns_proxy_close(p);
	close(fd);
}

static void open_and_close_edges(void **state)
{
	static const char *const bad[] = { "*.example.com" };
	struct hb_dns_proxy *p = NULL;

	(void)state;
	hb_dns_proxy_close(NULL);
	assert_int_equal(hb_dns_proxy_open(&p, bad, 1, &up.addr, 1, NULL), -EINVAL);
	assert_null(p);
	assert_int_equal(hb_dns_proxy_open(&p, NULL, 0, &up.addr, 0, NULL), -EINVAL);
	assert_int_equal(hb_dns_proxy_open(&p, NULL, 0, &up.addr, 1, NULL), 0);
	hb_dns_proxy_close(p); /* never started */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allowed_name_answered_after_allow),
		cmocka_unit_test(other_names_refused),
		cmocka_unit_test(other_types_get_nodata),
		cmocka_unit_test(allow_failure_gives_servfail),
		cmocka_unit_test(garbage_does_not_stop_it),
		cmocka_unit_test(tcp_queries),
		cmocka_unit_test(ipv6_loopback),
		cmocka_unit_test(next_upstream_after_refusal),
		cmocka_unit_test(silent_upstream_gives_servfail),
		cmocka_unit_test(open_and_close_edges),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
