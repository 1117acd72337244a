// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "dns_name.h"
#include "dns_proxy.h"
#include "log.h"
#include "resolv_conf.h"

/* Tries at finding a port that is free for both UDP and TCP. */
#define HB_DNS_BIND_TRIES 16
#define HB_DNS_TCP_BACKLOG 16
/* Writing an answer that upstream was slow to give, past the deadline. */
#define HB_DNS_TCP_WRITE_MS 1000

/* Listening sockets, each UDP one followed by its TCP twin. */
enum { L_UDP4, L_TCP4, L_UDP6, L_TCP6, L_MAX };

struct hb_dns_proxy {
	char **allowed;
	size_t n_allowed;
	struct sockaddr_storage upstreams[HB_RESOLV_MAX_NS];
	size_t n_upstreams;
	struct hb_dns_proxy_ops ops;
	int fd[L_MAX]; /* -1 when absent */
	__u16 port4, port6;
	int epfd, stopfd;
	pthread_t thread;
	bool started;
	struct hb_dns_proxy_stats stats; /* __atomic: stats() runs elsewhere */
	/* Each message sits after room for its TCP length prefix. */
	unsigned char query[NS_INT16SZ + HB_DNS_MAX_MSG];
	unsigned char reply[NS_INT16SZ + HB_DNS_MAX_MSG];
	struct hb_dns_answer_addr addrs[HB_DNS_MAX_ADDRS];
	size_t n_addrs;
};

#define QMSG(p) ((p)->query + NS_INT16SZ)
#define RMSG(p) ((p)->reply + NS_INT16SZ)

static void count(unsigned long long *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static socklen_t addr_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
					 sizeof(struct sockaddr_in6);
}

/*
 * Waits for @events on @fd until @deadline (a now_ms() time). A stop
 * request ends every wait: 0, -ETIMEDOUT, -ECANCELED or -errno.
 */
static int wait_fd(const struct hb_dns_proxy *p, int fd, short events,
		   long long deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = events },
		{ .fd = p->stopfd, .events = POLLIN },
	};

	for (;;) {
		long long left = deadline - now_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(pfd, 2, (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (pfd[1].revents)
			return -ECANCELED;
		if (r > 0 && pfd[0].revents)
			return 0;
	}
}

static int read_full(const struct hb_dns_proxy *p, int fd, unsigned char *buf,
		     size_t len, long long deadline)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(fd, buf + done, len - done, MSG_DONTWAIT);
		int err;

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (!n)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		err = wait_fd(p, fd, POLLIN, deadline);
		if (err)
			return err;
	}
	return 0;
}

static int write_full(const struct hb_dns_proxy *p, int fd,
		      const unsigned char *buf, size_t len, long long deadline)
{
	size_t done = 0;

	while (done < len) {
		/* MSG_NOSIGNAL: a client gone away must not SIGPIPE us. */
		ssize_t n = send(fd, buf + done, len - done,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		int err;

		if (n >= 0) {
			done += (size_t)n;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		err = wait_fd(p, fd, POLLOUT, deadline);
		if (err)
			return err;
	}
	return 0;
}

/* A connected socket to @to, or -errno. */
static int connect_to(const struct hb_dns_proxy *p, int type,
		      const struct sockaddr_storage *to, long long deadline)
{
	int fd, err = 0, soerr = 0;
	socklen_t len = sizeof(soerr);

	fd = socket(to->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!connect(fd, (const struct sockaddr *)to, addr_len(to)))
		return fd;
	if (errno != EINPROGRESS)
		err = -errno;
	if (!err)
		err = wait_fd(p, fd, POLLOUT, deadline);
	if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
		err = -errno;
	if (!err)
		err = -soerr;
	if (!err)
		return fd;
	close(fd);
	return err;
}

/*
 * One try over UDP; the reply's length, or -errno. The socket is new (a
 * fresh random source port) and connected, so the kernel hands us only
 * datagrams from the upstream's address and port.
 */
static int ask_udp(struct hb_dns_proxy *p, const struct sockaddr_storage *up,
		   size_t qlen, __u16 id)
{
	long long deadline = now_ms() + HB_DNS_UPSTREAM_TIMEOUT_MS;
	int fd = connect_to(p, SOCK_DGRAM, up, deadline), err;

	if (fd < 0)
		return fd;
	if (send(fd, QMSG(p), qlen, MSG_NOSIGNAL) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = recv(fd, RMSG(p), HB_DNS_MAX_MSG, MSG_DONTWAIT);

		if (n >= 0 && hb_dns_is_response_to(RMSG(p), (size_t)n, id)) {
			err = (int)n;
			break;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			err = -errno;
			break;
		}
		/* Not ours (a late reply to an earlier try, a forgery): wait on. */
		err = wait_fd(p, fd, POLLIN, deadline);
		if (err)
			break;
	}
out:
	close(fd);
	return err;
}

/* One try over TCP, with the 2-byte length framing; as ask_udp(). */
static int ask_tcp(struct hb_dns_proxy *p, const struct sockaddr_storage *up,
		   size_t qlen, __u16 id)
{
	long long deadline = now_ms() + HB_DNS_UPSTREAM_TIMEOUT_MS;
	int fd = connect_to(p, SOCK_STREAM, up, deadline), err;
	size_t len = 0;

	if (fd < 0)
		return fd;
	ns_put16((unsigned int)qlen, p->query);
	err = write_full(p, fd, p->query, NS_INT16SZ + qlen, deadline);
	if (!err)
		err = read_full(p, fd, p->reply, NS_INT16SZ, deadline);
	if (!err) {
		len = ns_get16(p->reply);
		err = read_full(p, fd, RMSG(p), len, deadline);
	}
	if (!err)
		err = hb_dns_is_response_to(RMSG(p), len, id) ? (int)len : -EPROTO;
	close(fd);
	return err;
}

/*
 * One upstream, asked with a fresh random ID (@sent->id): the length of a
 * reply to pass on, with p->addrs set, or -errno.
 */
static int try_upstream(struct hb_dns_proxy *p,
			const struct sockaddr_storage *up, size_t qlen,
			struct hb_dns_question *sent, bool tcp)
{
	int len, n, rcode;

	if (getrandom(&sent->id, sizeof(sent->id), 0) != sizeof(sent->id))
		return -EIO;
	hb_dns_set_id(QMSG(p), qlen, sent->id);
	len = tcp ? ask_tcp(p, up, qlen, sent->id) : ask_udp(p, up, qlen, sent->id);
	if (len < 0)
		return len;
	p->n_addrs = 0;
	/* Passed on as is: the client retries over TCP. Nothing is allowed. */
	if (!tcp && hb_dns_truncated(RMSG(p), (size_t)len))
		return len;
	/* As glibc's stub resolver does: the next server may do better. */
	rcode = hb_dns_rcode(RMSG(p), (size_t)len);
	if (rcode == ns_r_servfail || rcode == ns_r_notimpl || rcode == ns_r_refused)
		return -EAGAIN;
	n = hb_dns_parse_answers(RMSG(p), (size_t)len, sent, p->addrs,
				 HB_DNS_MAX_ADDRS);
	if (n < 0)
		return n;
	p->n_addrs = (size_t)n;
	return len;
}

/* Each upstream in order until one answers; the client's ID is restored. */
static int forward(struct hb_dns_proxy *p, size_t qlen,
		   const struct hb_dns_question *q, bool tcp)
{
	struct hb_dns_question sent = *q;
	int len = -EHOSTUNREACH;

	for (size_t i = 0; i < p->n_upstreams; i++) {
		len = try_upstream(p, &p->upstreams[i], qlen, &sent, tcp);
		if (len >= 0 || len == -ECANCELED)
			break;
		count(&p->stats.upstream_failures);
	}
	hb_dns_set_id(QMSG(p), qlen, q->id);
	return len;
}

/* A reply without records into RMSG(p): its length, or 0 for none. */
static int reply_rcode(struct hb_dns_proxy *p, size_t qlen, int rcode)
{
	int len = hb_dns_build_reply(QMSG(p), qlen, rcode, RMSG(p),
				     HB_DNS_MAX_MSG);

	return len < 0 ? 0 : len;
}

static bool name_allowed(const struct hb_dns_proxy *p, const char *name)
{
	if (hb_domain_is_metadata(name))
		return false;
	for (size_t i = 0; i < p->n_allowed; i++)
		if (hb_domain_matches(name, p->allowed[i]))
			return true;
	return false;
}

/* The answer to the query in QMSG(p), into RMSG(p): its length, 0 for none. */
static int answer(struct hb_dns_proxy *p, size_t qlen, bool tcp,
		  const struct sockaddr *client, socklen_t client_len)
{
	struct hb_dns_question q;
	int len;

	count(&p->stats.queries);
	if (hb_dns_parse_query(QMSG(p), qlen, &q)) {
		count(&p->stats.malformed);
		if (!hb_dns_can_reply(QMSG(p), qlen))
			return 0;
		return reply_rcode(p, qlen, ns_r_formerr);
	}
	if (!name_allowed(p, q.name)) {
		count(&p->stats.refused);
		if (p->ops.refused)
			p->ops.refused(p->ops.ctx, q.name, q.qtype, client,
				       client_len);
		if (!p->ops.audit)
			return reply_rcode(p, qlen, ns_r_refused);
	}
	/*
	 * Only what connect() needs is forwarded. TXT, NULL and the other
	 * types are how DNS tunnels carry data through a resolver.
	 */
	if (q.qtype != ns_t_a && q.qtype != ns_t_aaaa && q.qtype != ns_t_cname) {
		count(&p->stats.nodata);
		return reply_rcode(p, qlen, ns_r_noerror);
	}
	/*
	 * The question alone goes upstream, written anew from what was
	 * parsed: no record, option or padding the client added (an extra
	 * TXT record in the additional section) leaves the proxy.
	 */
	len = hb_dns_build_query(&q, QMSG(p), HB_DNS_MAX_MSG);
	if (len < 0) {
		count(&p->stats.malformed);
		return reply_rcode(p, qlen, ns_r_formerr);
	}
	qlen = (size_t)len;
	count(&p->stats.forwarded);
	len = forward(p, qlen, &q, tcp);
	if (len == -ECANCELED)
		return 0;
	if (len < 0)
		return reply_rcode(p, qlen, ns_r_servfail);
	for (size_t i = 0; i < p->n_addrs; i++)
		if (p->ops.allow_addr &&
		    p->ops.allow_addr(p->ops.ctx, &p->addrs[i]))
			return reply_rcode(p, qlen, ns_r_servfail);
	hb_dns_set_id(RMSG(p), (size_t)len, q.id);
	return len;
}

/* One datagram, one query; a reply the client cannot take is dropped. */
static void serve_udp(struct hb_dns_proxy *p, int fd)
{
	struct sockaddr_storage client;
	socklen_t clen = sizeof(client);
	ssize_t n;
	int len;

	n = recvfrom(fd, QMSG(p), HB_DNS_MAX_MSG, MSG_DONTWAIT,
		     (struct sockaddr *)&client, &clen);
	if (n < 0)
		return;
	len = answer(p, (size_t)n, false, (struct sockaddr *)&client, clen);
	if (len > 0)
		sendto(fd, RMSG(p), (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL,
		       (struct sockaddr *)&client, clen);
}

/*
 * One TCP connection, to its end: queries are read and answered in turn
 * until EOF, an error, or HB_DNS_TCP_TIMEOUT_MS after accept(). One client
 * at a time: the others, and UDP queries, wait in the kernel's queues
 * meanwhile, so a sandbox can only slow its own lookups down.
 */
static void serve_tcp(struct hb_dns_proxy *p, int lfd)
{
	struct sockaddr_storage client;
	socklen_t clen = sizeof(client);
	long long deadline, until;
	int fd, len;
	size_t qlen;

	fd = accept4(lfd, (struct sockaddr *)&client, &clen,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	deadline = now_ms() + HB_DNS_TCP_TIMEOUT_MS;
	for (;;) {
		if (read_full(p, fd, p->query, NS_INT16SZ, deadline))
			break;
		qlen = ns_get16(p->query);
		if (!qlen) {
			count(&p->stats.malformed);
			break;
		}
		if (read_full(p, fd, QMSG(p), qlen, deadline))
			break;
		len = answer(p, qlen, true, (struct sockaddr *)&client, clen);
		if (len <= 0)
			break;
		ns_put16((unsigned int)len, p->reply);
		until = now_ms() + HB_DNS_TCP_WRITE_MS;
		if (write_full(p, fd, p->reply, NS_INT16SZ + (size_t)len,
			       until > deadline ? until : deadline))
			break;
	}
	close(fd);
}

static void *worker(void *arg)
{
	struct hb_dns_proxy *p = arg;
	struct epoll_event ev[L_MAX + 1];

	for (;;) {
		int n = epoll_wait(p->epfd, ev, L_MAX + 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* The sandbox's lookups time out from here on: closed. */
			hb_log("DNS proxy stopped: epoll_wait: %s", strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			unsigned int k = ev[i].data.u32;

			if (k == L_MAX)
				return NULL;
			if (k == L_UDP4 || k == L_UDP6)
				serve_udp(p, p->fd[k]);
			else
				serve_tcp(p, p->fd[k]);
		}
	}
}

static void set_port(struct sockaddr_storage *a, __u16 port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

static __u16 get_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
}

static void loopback(struct sockaddr_storage *a, int family, __u16 port)
{
	memset(a, 0, sizeof(*a));
	a->ss_family = (sa_family_t)family;
	if (family == AF_INET)
		((struct sockaddr_in *)a)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)a)->sin6_addr = in6addr_loopback;
	set_port(a, port);
}

static int listen_on(int type, const struct sockaddr_storage *a)
{
	int one = 1, fd, err;

	fd = socket(a->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if ((a->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (const struct sockaddr *)a, addr_len(a)) ||
	    (type == SOCK_STREAM && listen(fd, HB_DNS_TCP_BACKLOG))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * UDP and TCP on one port of @a: its port if free for both, else an
 * ephemeral one. Fills p->fd[@slot] and the TCP twin; returns the port.
 */
static int bind_pair(struct hb_dns_proxy *p, int slot, struct sockaddr_storage *a)
{
	for (int i = 0; i < HB_DNS_BIND_TRIES; i++) {
		socklen_t len = sizeof(*a);
		int udp, tcp;

		udp = listen_on(SOCK_DGRAM, a);
		if (udp >= 0 && getsockname(udp, (struct sockaddr *)a, &len)) {
			tcp = -errno;
			close(udp);
			return tcp;
		}
		tcp = udp < 0 ? udp : listen_on(SOCK_STREAM, a);
		if (tcp >= 0) {
			p->fd[slot] = udp;
			p->fd[slot + 1] = tcp;
			return get_port(a);
		}
		if (udp >= 0)
			close(udp);
		if (tcp != -EADDRINUSE)
			return tcp;
		set_port(a, 0);
	}
	return -EADDRINUSE;
}

static int open_sockets(struct hb_dns_proxy *p)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_storage a;
	int port;

	loopback(&a, AF_INET, 0);
	port = bind_pair(p, L_UDP4, &a);
	if (port < 0) {
		hb_log("cannot bind the DNS proxy on 127.0.0.1: %s", strerror(-port));
		return port;
	}
	p->port4 = (__u16)port;
	/* The same number on ::1 when free: one port for the redirection. */
	loopback(&a, AF_INET6, p->port4);
	port = bind_pair(p, L_UDP6, &a);
	if (port == -EAFNOSUPPORT || port == -EADDRNOTAVAIL) {
		hb_debug("no IPv6 loopback: the DNS proxy serves 127.0.0.1 only");
	} else if (port < 0) {
		hb_log("cannot bind the DNS proxy on ::1: %s", strerror(-port));
		return port;
	} else {
		p->port6 = (__u16)port;
	}
	p->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->stopfd < 0 || p->epfd < 0)
		goto fail;
	for (unsigned int k = 0; k <= L_MAX; k++) {
		int fd = k == L_MAX ? p->stopfd : p->fd[k];

		ev.data.u32 = k;
		if (fd >= 0 && epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev))
			goto fail;
	}
	return 0;
fail:
	port = -errno;
	hb_log("cannot set up the DNS proxy: %s", strerror(errno));
	return port;
}

/* The copies open() keeps; 0 or -errno, logged. */
static int copy_config(struct hb_dns_proxy *p, const char *const *allowed,
		       size_t n_allowed, const struct sockaddr_storage *upstreams,
		       size_t n_upstreams)
{
	if (!n_upstreams || n_upstreams > HB_RESOLV_MAX_NS) {
		hb_log("the DNS proxy needs 1 to %d upstream servers, not %zu",
		       HB_RESOLV_MAX_NS, n_upstreams);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_upstreams; i++) {
		if (upstreams[i].ss_family != AF_INET &&
		    upstreams[i].ss_family != AF_INET6) {
			hb_log("DNS upstream %zu is not an IPv4 or IPv6 address", i);
			return -EINVAL;
		}
		p->upstreams[i] = upstreams[i];
	}
	p->n_upstreams = n_upstreams;
	p->allowed = calloc(n_allowed ? n_allowed : 1, sizeof(*p->allowed));
	if (!p->allowed)
		goto nomem;
	for (; p->n_allowed < n_allowed; p->n_allowed++) {
		const char *pattern = allowed[p->n_allowed];

		if (!hb_domain_valid(pattern)) {
			hb_log("invalid domain for the DNS proxy: '%s'", pattern);
			return -EINVAL;
		}
		p->allowed[p->n_allowed] = strdup(pattern);
		if (!p->allowed[p->n_allowed])
			goto nomem;
	}
	return 0;
nomem:
	hb_log("out of memory for the DNS proxy");
	return -ENOMEM;
}

int hb_dns_proxy_open(struct hb_dns_proxy **out, const char *const *allowed,
		      size_t n_allowed,
		      const struct sockaddr_storage *upstreams,
		      size_t n_upstreams, const struct hb_dns_proxy_ops *ops)
{
	struct hb_dns_proxy *p;
	int err;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		hb_log("out of memory for the DNS proxy");
		return -ENOMEM;
	}
	p->epfd = p->stopfd = -1;
	for (int k = 0; k < L_MAX; k++)
		p->fd[k] = -1;
	if (ops)
		p->ops = *ops;
	err = copy_config(p, allowed, n_allowed, upstreams, n_upstreams);
	if (!err)
		err = open_sockets(p);
	if (err) {
		hb_dns_proxy_close(p);
		return err;
	}
	*out = p;
	return 0;
}

__u16 hb_dns_proxy_port4(const struct hb_dns_proxy *p)
{
	return p->port4;
}

__u16 hb_dns_proxy_port6(const struct hb_dns_proxy *p)
{
	return p->port6;
}

bool hb_dns_proxy_has_ipv6(const struct hb_dns_proxy *p)
{
	return p->fd[L_UDP6] >= 0;
}

int hb_dns_proxy_start(struct hb_dns_proxy *p)
{
	sigset_t all, old;
	int err;

	if (p->started)
		return -EALREADY;
	/* Signals stay with the thread that waits for the command. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&p->thread, NULL, worker, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		hb_log("cannot start the DNS proxy: %s", strerror(err));
		return -err;
	}
	p->started = true;
	return 0;
}

void hb_dns_proxy_close(struct hb_dns_proxy *p)
{
	__u64 one = 1;

	if (!p)
		return;
	if (p->started) {
		/* Readable for good: the loop and every wait in it end. */
		if (write(p->stopfd, &one, sizeof(one)) != sizeof(one))
			hb_log("cannot stop the DNS proxy: %s", strerror(errno));
		else
			pthread_join(p->thread, NULL);
	}
	for (int k = 0; k < L_MAX; k++)
		if (p->fd[k] >= 0)
			close(p->fd[k]);
	if (p->epfd >= 0)
		close(p->epfd);
	if (p->stopfd >= 0)
		close(p->stopfd);
	for (size_t i = 0; i < p->n_allowed; i++)
		free(p->allowed[i]);
	free(p->allowed);
	free(p);
}

void hb_dns_proxy_stats(const struct hb_dns_proxy *p,
			struct hb_dns_proxy_stats *out)
{
	out->queries = __atomic_load_n(&p->stats.queries, __ATOMIC_RELAXED);
	out->forwarded = __atomic_load_n(&p->stats.forwarded, __ATOMIC_RELAXED);
	out->refused = __atomic_load_n(&p->stats.refused, __ATOMIC_RELAXED);
	out->nodata = __atomic_load_n(&p->stats.nodata, __ATOMIC_RELAXED);
	out->malformed = __atomic_load_n(&p->stats.malformed, __ATOMIC_RELAXED);
	out->upstream_failures = __atomic_load_n(&p->stats.upstream_failures,
						 __ATOMIC_RELAXED);
}
