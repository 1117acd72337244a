# SPDX-License-Identifier: GPL-2.0-only
# One entry point. `make help` lists the targets.

OUTPUT    ?= .output
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= cc
ARCH      ?= x86
PREFIX    ?= /usr/local
DESTDIR   ?=
# make install (docs/services.md): the agent's unit, its policy directory
# (the agent's default; left alone if there), the docs the unit names.
SBINDIR   ?= $(PREFIX)/sbin
UNITDIR   ?= $(PREFIX)/lib/systemd/system
DOCDIR    ?= $(PREFIX)/share/doc/hermetic-bpf
POLICYDIR ?= /etc/hermetic-bpf/policies.d

CFLAGS    ?= -O2 -g
HB_CFLAGS := $(CFLAGS) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror \
             -I$(OUTPUT) -Ibpf -Iloader -Icli
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
              -Ivmlinux/$(ARCH) -Ibpf
# libbpf, libelf, zlib and libseccomp linked in, so the binary needs only
# glibc (whose NSS keeps working for --user and sudo's groups).
LDLIBS    := -Wl,-Bstatic -lbpf -lelf -lz -linih -lseccomp -Wl,-Bdynamic -lresolv -lpthread

BPF_SRCS    := $(wildcard bpf/*.bpf.c)
BPF_HEADERS := bpf/hermetic_abi.h bpf/hermetic_policy.h vmlinux/$(ARCH)/vmlinux.h
SKELETONS   := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

LOADER_SRCS := $(wildcard loader/*.c)
CLI_SRCS    := $(wildcard cli/*.c)
APP_OBJS    := $(patsubst %.c,$(OUTPUT)/%.o,$(LOADER_SRCS) $(CLI_SRCS))
HEADERS     := $(wildcard loader/*.h cli/*.h) $(BPF_HEADERS)

# Unit tests: one per module, linked with every module but main.
UNIT_TESTS  := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
UNIT_OBJS   := $(filter-out $(OUTPUT)/cli/main.o,$(APP_OBJS))

BIN := $(OUTPUT)/hermetic-bpf
# A helper the end-to-end cases run (io_uring): static, for the guest too.
URING := $(OUTPUT)/uring_connect
# Another (fills a BPF-LSM hook): static too, libbpf linked in.
HOOKFILL := $(OUTPUT)/hook_fill
CASE_HELPERS := $(URING) $(HOOKFILL)

.PHONY: all help deps unit e2e test check demo bench bench-smoke vmlinux install uninstall clean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BIN)

help:
	@echo "make            build $(BIN)"
	@echo "make deps       install Debian packages and fetch the test kernels (idempotent)"
	@echo "make test       deps, unit and sanitizer tests, a short fuzz, native checks, VM tests on 6.1 and 6.12"
	@echo "make unit       cmocka unit tests only (no root, no kernel)"
	@echo "make e2e        VM tests only"
	@echo "make demo       run --no-network on a Python service (natively, or in a VM)"
	@echo "make bench      benchmarks in the VMs; writes docs/benchmarks.md"
	@echo "make bench-smoke  one short block of each benchmark (6.1, 6.12; ~4 min)"
	@echo "make check      make test, then fuzzing at full length, valgrind, 200 sandboxes, bench-smoke"
	@echo "make vmlinux    regenerate vmlinux/$(ARCH)/vmlinux.h from the 6.1 kernel's BTF"
	@echo "make install    install to \$$(DESTDIR)\$$(PREFIX), with the agent's systemd unit"
	@echo "make uninstall  remove what make install put there (never a policy)"

$(OUTPUT) $(OUTPUT)/loader $(OUTPUT)/cli $(OUTPUT)/tests:
	mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HEADERS) | $(OUTPUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@

$(OUTPUT)/loader/%.o: loader/%.c $(HEADERS) $(SKELETONS) | $(OUTPUT)/loader
	$(CC) $(HB_CFLAGS) -c $< -o $@

$(OUTPUT)/cli/%.o: cli/%.c $(HEADERS) | $(OUTPUT)/cli
	$(CC) $(HB_CFLAGS) -c $< -o $@

$(BIN): $(APP_OBJS)
	$(CC) $(HB_CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(UNIT_OBJS) $(HEADERS) | $(OUTPUT)/tests
	$(CC) $(HB_CFLAGS) $< $(UNIT_OBJS) -lcmocka $(LDLIBS) -o $@

$(URING): tests/cases/uring_connect.c | $(OUTPUT)
	$(CC) $(CFLAGS) -Wall -Wextra -Werror -static $< -o $@

$(OUTPUT)/cases/hook_fill.bpf.o: tests/cases/hook_fill.bpf.c vmlinux/$(ARCH)/vmlinux.h
	mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/cases/hook_fill.skel.h: $(OUTPUT)/cases/hook_fill.bpf.o
	$(BPFTOOL) gen skeleton $< name hook_fill > $@

$(HOOKFILL): tests/cases/hook_fill.c $(OUTPUT)/cases/hook_fill.skel.h
	$(CC) $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -static -I$(OUTPUT)/cases $< \
		-lbpf -lelf -lz -o $@

deps:
	scripts/setup

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

e2e: $(BIN) $(CASE_HELPERS)
	tests/e2e/run-all

# Sanitizers and a short fuzzing pass run with the tests: cheap, and they
# keep the fuzz targets building.
test: deps
	$(MAKE) all unit $(CASE_HELPERS)
	$(MAKE) asan-unit fuzz-smoke
	tests/native/run $(BIN)
	$(MAKE) e2e

# HB_LOAD_SANDBOXES=N: how many sandboxes the e2e load case runs at once.
check: test
	$(MAKE) fuzz
	tests/native/valgrind $(BIN)
	tests/e2e/load 200
	$(MAKE) bench-smoke

demo: deps $(BIN)
	scripts/demo

bench: deps $(BIN) $(URING)
	tests/bench/run-bench

# One short block per configuration on each kernel, one boot at a time
# (about 4 minutes on a busy host): keeps the suite from rotting (make check;
# CI's make test leaves it out for time). The numbers go to
# .output/bench-vm/benchmarks-smoke.md, never to docs/.
bench-smoke: $(BIN) $(URING)
	HB_BENCH_SMOKE=1 tests/bench/run-bench

# Fuzzing and sanitizer builds (tests/fuzz/fuzz.mk): fuzz, fuzz-smoke, asan-unit.
-include tests/fuzz/fuzz.mk

vmlinux: deps
	tests/e2e/dump-btf vmlinux/$(ARCH)

INSTALL_DOCS := README.md spec/agent.md docs/policy-file.md docs/services.md docs/ci-runners.md docs/kubernetes.md

# The policy directory is only created: a file the user put there is never
# touched, and the example goes to the docs, where it confines nothing.
install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/hermetic-bpf
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)/examples
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	    -e 's|@POLICYDIR@|$(POLICYDIR)|g' deploy/systemd/hermetic-bpf-agent.service \
	    > $(DESTDIR)$(UNITDIR)/hermetic-bpf-agent.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/hermetic-bpf-agent.service
	install -m 0644 $(INSTALL_DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 0644 deploy/examples/*.conf $(DESTDIR)$(DOCDIR)/examples/
	test -d $(DESTDIR)$(POLICYDIR) || install -d -m 0755 $(DESTDIR)$(POLICYDIR)

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/hermetic-bpf $(DESTDIR)$(UNITDIR)/hermetic-bpf-agent.service
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf $(OUTPUT)
