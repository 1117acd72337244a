/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Cgroups by id, named by their path below the cgroup2 mount: status and
 * `policy show` name policies, the agent and `trace` name the cgroup of
 * an event. A cgroup's id is its directory's inode number (kernfs).
 */
#ifndef HB_CGROUP_NAMES_H
#define HB_CGROUP_NAMES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct hb_cgroup_name {
	__u64 id;
	char path[PATH_MAX]; /* "/ci.slice/job"; "" if no cgroup has the id */
};

/* Names every entry of @v by one walk of the hierarchy mounted at @cgroot. */
void hb_cgroup_names(const char *cgroot, struct hb_cgroup_name *v, size_t n);

/* Ids already named, so that a stream of events walks once per new id. */
#define HB_CGROUP_CACHE_SIZE 64

struct hb_cgroup_cache {
	const char *cgroot;
	struct {
		__u64 id;
		char *path; /* NULL: gone (ids are never reused, so it stays gone) */
		bool used;
	} v[HB_CGROUP_CACHE_SIZE];
	size_t next; /* the entry replaced next, round robin */
};

/* @id's path (see above), or NULL if none has it or memory ran out. */
const char *hb_cgroup_cache_name(struct hb_cgroup_cache *c, __u64 id);

void hb_cgroup_cache_free(struct hb_cgroup_cache *c);

/* Whether @path is @top or below it ("/a/b" is below "/a", not "/ab"). */
bool hb_cgroup_path_under(const char *path, const char *top);

/*
 * What a cgroup's path says to whoever collects events from many hosts:
 * the systemd unit it belongs to (the deepest ".service" or ".scope"
 * part), and the container's id where a runtime named the cgroup after it
 * (docker-ID.scope, cri-containerd-ID.scope, crio-ID.scope,
 * libpod-ID.scope, or an ID of its own: 64 hex digits). Into @buf;
 * NULL when the path shows none.
 */
const char *hb_cgroup_unit(const char *path, char *buf, size_t len);
const char *hb_cgroup_container(const char *path, char *buf, size_t len);

/* The level of cgroup @path below the root ("/a/b": 2), as the kernel counts it. */
unsigned int hb_cgroup_path_level(const char *path);

#endif
