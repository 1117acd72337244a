// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "hermetic_abi.h"
#include "log.h"
#include "path.h"
#include "ring_pool.h"

#define RING_PIN "ring-" /* ring-<slot>: a kept ring */

static int ring_pin_path(const struct hb_ring_pool *p, __u32 slot, char *out, size_t len)
{
	char name[32];

	snprintf(name, sizeof(name), RING_PIN "%u", slot);
	return hb_path_join(out, len, p->dir, name);
}

/* A new ring in @slot: the one map-of-maps write a kept slot ever pays. */
static int make_ring(const struct hb_ring_pool *p, __u32 slot, bool pin)
{
	char path[PATH_MAX];
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "hb_run_events", 0, 0, HB_RINGBUF_SIZE, NULL);
	if (fd < 0 || bpf_map_update_elem(p->rings, &slot, &fd, BPF_ANY))
		err = -errno;
	/* Pinned last: a pin always names the ring its slot holds. */
	if (!err && pin) {
		err = ring_pin_path(p, slot, path, sizeof(path));
		if (!err && bpf_obj_pin(fd, path))
			err = -errno;
	}
	if (err) {
		hb_log("cannot make the sandbox's event ring: %s", strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

/* The kept ring of @slot, made the first time the slot is used. */
static int kept_ring(const struct hb_ring_pool *p, __u32 slot)
{
	char path[PATH_MAX];
	int fd = ring_pin_path(p, slot, path, sizeof(path));

	if (!fd) {
		fd = bpf_obj_get(path);
		if (fd >= 0)
			return fd;
		fd = -errno;
	}
	if (fd != -ENOENT) {
		hb_log("cannot open event ring %u in %s: %s", slot, p->dir, strerror(-fd));
		return fd;
	}
	hb_debug("event ring %u: made, kept for the sandboxes after this one", slot);
	return make_ring(p, slot, true);
}

int hb_ring_make_kept(const struct hb_ring_pool *p, __u32 slot)
{
	int fd = slot < HB_RING_KEPT ? kept_ring(p, slot) : -EINVAL;

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int hb_ring_claim(const struct hb_ring_pool *p, __u64 id, struct hb_ring_claim *c)
{
	int fd;

	c->fd = -1;
	for (__u32 slot = 0; slot < HB_RING_SLOTS; slot++) {
		if (bpf_map_update_elem(p->owners, &slot, &id, BPF_NOEXIST)) {
			if (errno == EEXIST)
				continue;
			fd = -errno;
			hb_log("cannot claim an event ring: %s", strerror(errno));
			return fd;
		}
		c->slot = slot;
		c->kept = slot < HB_RING_KEPT;
		fd = c->kept ? kept_ring(p, slot) : make_ring(p, slot, false);
		if (fd < 0) { /* said */
			bpf_map_delete_elem(p->owners, &slot);
			return fd;
		}
		c->fd = fd;
		hb_debug("event ring %u: %s", slot, c->kept ? "this sandbox's now" :
			 "this sandbox's own, removed at its end");
		return 0;
	}
	hb_log("cannot claim an event ring: all %d are taken by sandboxes that share "
	       "these programs", HB_RING_SLOTS);
	return -ENOSPC;
}

/* Frees @slot: a ring not kept goes first, so no later owner finds it. */
static void release_slot(const struct hb_ring_pool *p, __u32 slot)
{
	if (slot >= HB_RING_KEPT)
		bpf_map_delete_elem(p->rings, &slot);
	bpf_map_delete_elem(p->owners, &slot);
}

void hb_ring_release(const struct hb_ring_pool *p, struct hb_ring_claim *c)
{
	if (c->fd < 0)
		return;
	release_slot(p, c->slot);
	close(c->fd);
	c->fd = -1;
}

int hb_ring_collect(const struct hb_ring_pool *p, const __u64 *live, size_t n)
{
	__u32 key, next, *dead = calloc(HB_RING_SLOTS, sizeof(*dead));
	size_t n_dead = 0;
	void *prev = NULL;
	__u64 owner;

	if (!dead)
		return -ENOMEM;
	/* Listed first, released after: deleting while walking a hash restarts it. */
	while (n_dead < HB_RING_SLOTS && !bpf_map_get_next_key(p->owners, prev, &next)) {
		bool alive = false;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(p->owners, &key, &owner))
			continue;
		for (size_t i = 0; i < n && !alive; i++)
			alive = live[i] == owner;
		if (!alive)
			dead[n_dead++] = key;
	}
	for (size_t i = 0; i < n_dead; i++) {
		hb_debug("gc: freed event ring %u of gone sandbox", dead[i]);
		release_slot(p, dead[i]);
	}
	free(dead);
	return (int)n_dead;
}
