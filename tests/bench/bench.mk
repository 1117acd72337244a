# SPDX-License-Identifier: GPL-2.0-only
# The benchmark's binaries, static so they run in the guest as they are.
# tests/bench/run-bench runs `make -f tests/bench/bench.mk`; the top
# Makefile is included for its flags (floor.bpf.c gets its BPF_CFLAGS).
include Makefile

BENCH_OUT  := $(OUTPUT)/bench
BENCH_OBJ  := $(BENCH_OUT)/obj
BENCH_SRC  := tests/bench
# Plain static programs, one job each.
BENCH_OPS  := op_open op_stat op_connect op_sendto op_forkexec op_mmap \
              op_bind dns_query deny_loop spawn_time
# The two that speak bpf(): libbpf, libelf and zlib linked in.
BENCH_BPF  := floor_load prog_stats
BENCH_BINS := $(addprefix $(BENCH_OUT)/,$(BENCH_OPS) $(BENCH_BPF))
BENCH_CFLAGS := $(CFLAGS) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -static

.DEFAULT_GOAL := bench-bins
.PHONY: bench-bins
bench-bins: $(BENCH_BINS)

$(BENCH_OUT) $(BENCH_OBJ):
	mkdir -p $@

$(addprefix $(BENCH_OUT)/,$(BENCH_OPS)): $(BENCH_OUT)/%: $(BENCH_SRC)/%.c $(BENCH_SRC)/bench.h | $(BENCH_OUT)
	$(CC) $(BENCH_CFLAGS) $< -o $@

$(BENCH_OBJ)/%.bpf.o: $(BENCH_SRC)/%.bpf.c vmlinux/$(ARCH)/vmlinux.h | $(BENCH_OBJ)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_OBJ)/%.skel.h: $(BENCH_OBJ)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@

$(BENCH_OUT)/floor_load: $(BENCH_SRC)/floor_load.c $(BENCH_OBJ)/floor.skel.h \
		$(BENCH_OBJ)/floor_cgroup.skel.h | $(BENCH_OUT)
	$(CC) $(BENCH_CFLAGS) -I$(BENCH_OBJ) $< -lbpf -lelf -lz -o $@

$(BENCH_OUT)/prog_stats: $(BENCH_SRC)/prog_stats.c | $(BENCH_OUT)
	$(CC) $(BENCH_CFLAGS) $< -lbpf -lelf -lz -o $@
