// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "resolv_conf.h"

_Static_assert(HB_RESOLV_MAX_NS == MAXNS, "glibc's limit");

#define HB_DNS_PORT 53

/* Numeric only: no lookup may run while reading the resolver's own list. */
static int parse_addr(const char *text, struct sockaddr_storage *out)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST,
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
	};
	struct addrinfo *res;
	int err = 0;

	if (getaddrinfo(text, NULL, &hints, &res))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (res->ai_family == AF_INET && res->ai_addrlen == sizeof(struct sockaddr_in)) {
		memcpy(out, res->ai_addr, res->ai_addrlen);
		((struct sockaddr_in *)out)->sin_port = htons(HB_DNS_PORT);
	} else if (res->ai_family == AF_INET6 &&
		   res->ai_addrlen == sizeof(struct sockaddr_in6)) {
		memcpy(out, res->ai_addr, res->ai_addrlen);
		((struct sockaddr_in6 *)out)->sin6_port = htons(HB_DNS_PORT);
	} else {
		err = -EINVAL;
	}
	freeaddrinfo(res);
	return err;
}

int hb_resolv_conf_parse(FILE *f, struct sockaddr_storage *out, size_t max)
{
	char *line = NULL, *save, *key, *addr;
	size_t cap = 0, n = 0;

	while (n < max && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "#;")] = '\0';
		key = strtok_r(line, " \t\r\n", &save);
		if (!key || strcmp(key, "nameserver"))
			continue;
		addr = strtok_r(NULL, " \t\r\n", &save);
		if (addr && !parse_addr(addr, &out[n]))
			n++;
	}
	free(line);
	return (int)n;
}

static void default_server(struct sockaddr_storage *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)out;

	memset(out, 0, sizeof(*out));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(HB_DNS_PORT);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int hb_resolv_conf_load(const char *path, struct sockaddr_storage *out,
			size_t max)
{
	FILE *f;
	int n = 0;

	if (!max)
		return 0;
	f = fopen(path, "re");
	if (f) {
		n = hb_resolv_conf_parse(f, out, max);
		fclose(f);
	} else if (errno != ENOENT && errno != ENOTDIR && errno != EACCES &&
		   errno != EPERM && errno != EISDIR && errno != ELOOP) {
		/* glibc too gives up only on errors that are not the file's content. */
		int err = -errno;

		hb_log("cannot read %s: %s", path, strerror(-err));
		return err;
	}
	if (!n) {
		default_server(out);
		n = 1;
	}
	return n;
}
