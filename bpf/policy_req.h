/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a hook asks (struct hb_req) and its fields' values: the input of
 * every decision.
 * A part of hermetic_policy.h, compiled for BPF and host alike (see there).
 */
#ifndef HB_POLICY_REQ_H
#define HB_POLICY_REQ_H

#include "hermetic_abi.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* What a hook asks about, filled from the hook's arguments. */
struct hb_req {
	__u16 hook;        /* enum hb_hook */
	__u16 family;      /* the socket's family (socket(): requested family) */
	__u16 addr_family; /* the address's family (connect, send, bind) */
	__u16 port;        /* host order */
	__s32 addrlen;     /* the address length the caller passed */
	__s32 type;        /* socket type, without SOCK_* flags */
	__s32 protocol;    /* socket protocol */
	__u16 unreadable;  /* a kernel read failed while filling this */
	__u8 bind_match;   /* bind, listen: an --allow-bind rule covers the
			    * local address, port and protocol; a packet in:
			    * one covers the receiving socket's */
	__u8 pad0;
	__u8 addr[16];     /* IPv6, or IPv4-mapped IPv6 for IPv4 */
	/* Facts from map lookups for the sandbox being asked: */
	__u8 rule_match;   /* an --allow-ip rule covers addr and port */
	__u8 dns_match;    /* the DNS proxy answered addr, not yet expired */
	__u8 unix_match;   /* the unix peer is an --allow-unix socket */
	__u8 unix_kind;    /* enum hb_unix_kind of the peer */
	__u8 own_socket;   /* the socket belongs to the sandbox's cgroup */
	__u8 addr_class;   /* HB_ADDR_*, from hb_req_classify() */
	__u8 route_opt;    /* the option, ancillary data or packet changes
			    * where packets go: hb_net_route_option() */
	__u8 connected;    /* a packet in: the socket has a peer */
	/* Executables and mappings (exec and native guards): */
	__u32 prot;        /* PROT_* the mapping will have */
	__u8 first_exec;   /* this execve() is the command's own */
	__u8 exec_match;   /* the file is an --allow-exec executable */
	__u8 trusted;      /* root's file in root's directory, neither
			    * writable by others: see hb_native_* */
	__u8 own_exe;      /* the file is the process's own executable;
			    * left 0 for a trusted one (only asked then) */
	__u8 anon;         /* no file behind the memory */
	__u8 modified;     /* the mapping holds private, written pages */
	__u8 was_exec;     /* mprotect: the mapping was executable already */
	/* Tamper resistance: */
	__u8 outside;      /* ptrace/kill: the target is outside the sandbox */
	__u8 attach;       /* ptrace: the access can change the target
			    * (HB_ATTACH_*), 0: it only reads */
	__u8 in_subtree;   /* a cgroupfs file of the sandbox's own subtree */
	__u8 proc_sys;     /* a procfs file under /proc/sys or sysrq-trigger */
	__u8 cap_userns;   /* capable(): asked in a user namespace below the
			    * host's (0: the host's, where it counts) */
	__u32 fs_magic;    /* the file's filesystem (statfs f_type) */
	union { /* the stack is small: one request of the seal's at a time */
		__s32 cap;     /* capable(): the capability */
		__u32 request; /* ioctl: the request; perf: enum hb_perf_access */
	};
	/* The filesystem guard: */
	__u8 fs_op;        /* enum hb_fs_op */
	__u8 fs_allow;     /* HB_FS_RULE_* found walking up from the object */
	__u8 fs_deep;      /* the walk hit HB_FS_MAX_DEPTH before a rule */
	__u8 fs_exempt;    /* a device, terminal, FIFO, socket or own /proc
			    * file: never confined */
	__u8 fs_held;      /* the task holds a descriptor to the file with
			    * the access asked for: re-opening adds nothing */
	__u8 fs_linked;    /* a regular file with more than one link */
	/* The seal's: */
	__u8 root_writer;  /* the task acts as root on files (fsuid 0) */
	__u8 gains;        /* exec: the new credentials hold more than the old */
};

/* struct hb_req.attach: what an access to another process can change. */
#define HB_ATTACH_MEMORY 1    /* ptrace attach: its memory, its registers */
#define HB_ATTACH_PROC_FILE 2 /* a write open of one of its /proc/PID files */

/* mmap/mprotect bits, as <sys/mman.h> has them. */
#define HB_PROT_WRITE 0x2
#define HB_PROT_EXEC 0x4

#endif /* HB_POLICY_REQ_H */
