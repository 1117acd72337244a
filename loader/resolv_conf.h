/* SPDX-License-Identifier: GPL-2.0-only */
/* The host's DNS servers, as glibc's stub resolver finds them. */
#ifndef HB_RESOLV_CONF_H
#define HB_RESOLV_CONF_H

#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

/* glibc's MAXNS: later nameserver lines are ignored, as glibc does. */
#define HB_RESOLV_MAX_NS 3

#define HB_RESOLV_PATH "/etc/resolv.conf"

/*
 * Reads "nameserver ADDR" lines from resolv.conf text: IPv4, or IPv6 with
 * an optional "%scope" (an interface name or number). Comments start with
 * '#' or ';'; an address that does not parse is skipped, as glibc does.
 * Fills at most @max entries, each with port 53, and returns how many.
 */
int hb_resolv_conf_parse(FILE *f, struct sockaddr_storage *out, size_t max);

/*
 * The same over the file at @path. With no usable nameserver line, or no
 * readable file (missing, a directory, no permission, as glibc ignores),
 * the one server is glibc's default, 127.0.0.1:53. Returns the count
 * (>= 1 when @max is), or -errno for other errors.
 */
int hb_resolv_conf_load(const char *path, struct sockaddr_storage *out,
			size_t max);

#endif
