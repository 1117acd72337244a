# SPDX-License-Identifier: GPL-2.0-only
# One entry point. `make help` lists the targets.

OUTPUT    ?= .output
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= cc
ARCH      ?= x86
PREFIX    ?= /usr/local
DESTDIR   ?=
# make install (docs/install.md): the binary in bin (users run it too,
# through the agent), man pages, completions, the agent's unit, its policy
# directory (the agent's default; left alone if there), the docs.
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
UNITDIR   ?= $(PREFIX)/lib/systemd/system
DOCDIR    ?= $(PREFIX)/share/doc/hermetic-bpf
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
POLICYDIR ?= /etc/hermetic-bpf/policies.d
# The one version (scripts/version): binary, man pages and .deb.
VERSION   := $(shell scripts/version)

# The layers, lowest first: the kernel's mechanisms, what the user asked
# for, the agent, the commands (docs/architecture.md).
SRC_DIRS    := loader rules agent cli

CFLAGS    ?= -O2 -g
HB_CFLAGS := $(CFLAGS) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror \
             -I$(OUTPUT) -Ibpf $(addprefix -I,$(SRC_DIRS))
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
              -Ivmlinux/$(ARCH) -Ibpf
# libbpf, libelf, zlib and libseccomp linked in, so the binary needs only
# glibc (whose NSS keeps working for --user and sudo's groups).
LDLIBS    := -Wl,-Bstatic -lbpf -lelf -lz -linih -lseccomp -Wl,-Bdynamic -lresolv -lpthread

BPF_SRCS    := $(wildcard bpf/*.bpf.c)
BPF_HEADERS := $(wildcard bpf/*.h) vmlinux/$(ARCH)/vmlinux.h
SKELETONS   := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

APP_SRCS    := $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c))
APP_OBJS    := $(patsubst %.c,$(OUTPUT)/%.o,$(APP_SRCS))
HEADERS     := $(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.h)) $(BPF_HEADERS)

# Unit tests: one per module, linked with every module but main.
UNIT_TESTS  := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
UNIT_OBJS   := $(filter-out $(OUTPUT)/cli/main.o,$(APP_OBJS))

BIN := $(OUTPUT)/hermetic-bpf
# A helper the end-to-end cases run (io_uring): static, for the guest too.
URING := $(OUTPUT)/uring_connect
# Another (fills a BPF-LSM hook): static too, libbpf linked in.
HOOKFILL := $(OUTPUT)/hook_fill
CASE_HELPERS := $(URING) $(HOOKFILL)

.PHONY: all help deps unit e2e test check demo bench bench-native bench-smoke vmlinux man install uninstall deb clean
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
	@echo "make bench      benchmarks natively (tier B), then in the VMs; writes docs/benchmarks.md (~60-75 min)"
	@echo "make bench-native  the native part alone: tier B on this kernel, real clock (~11 min)"
	@echo "make bench-smoke  a few rounds natively, one short block of each VM benchmark (~5 min)"
	@echo "make check      make test, then fuzzing at full length, valgrind, 200 sandboxes, bench-smoke"
	@echo "make vmlinux    regenerate vmlinux/$(ARCH)/vmlinux.h from the 6.1 kernel's BTF"
	@echo "make install    install to \$$(DESTDIR)\$$(PREFIX), with the agent's systemd unit"
	@echo "make uninstall  remove what make install put there (never a policy)"
	@echo "make man        the man pages, in $(OUTPUT)/man"
	@echo "make deb        $(OUTPUT)/hermetic-bpf_$(VERSION)_amd64.deb (docs/install.md)"

$(OUTPUT) $(OUTPUT)/tests $(addprefix $(OUTPUT)/,$(SRC_DIRS)):
	mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HEADERS) | $(OUTPUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@

# The skeletons first: loader/ includes them.
define layer_objs
$$(OUTPUT)/$(1)/%.o: $(1)/%.c $$(HEADERS) $$(SKELETONS) | $$(OUTPUT)/$(1)
	$$(CC) $$(HB_CFLAGS) -c $$< -o $$@
endef
$(foreach d,$(SRC_DIRS),$(eval $(call layer_objs,$(d))))

# Rewritten only when the version changes, so that main.o is rebuilt then.
$(OUTPUT)/version: FORCE | $(OUTPUT)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@

$(OUTPUT)/cli/main.o: cli/main.c $(OUTPUT)/version $(HEADERS) | $(OUTPUT)/cli
	$(CC) $(HB_CFLAGS) -DHB_VERSION='"$(VERSION)"' -c $< -o $@

.PHONY: FORCE
FORCE:

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
	tests/vm/run-all

# Sanitizers and a short fuzzing pass run with the tests: cheap, and they
# keep the fuzz targets building.
test: deps
	$(MAKE) all unit $(CASE_HELPERS) deb
	$(MAKE) asan-unit fuzz-smoke
	tests/native/run $(BIN) $(DEB)
	$(MAKE) e2e

# HB_LOAD_SANDBOXES=N: how many sandboxes the e2e load case runs at once.
check: test
	$(MAKE) fuzz
	tests/native/valgrind $(BIN)
	tests/vm/load 200
	$(MAKE) bench-smoke

demo: deps $(BIN)
	scripts/demo

# The native part first, on its own: the VM boots would take a core from
# it. Both run even if one fails; make bench fails if either did.
bench: deps $(BIN) $(URING)
	tests/bench/deps
	tests/bench/native-bench; s=$$?; tests/bench/run-bench && exit $$s

bench-native: $(BIN)
	tests/bench/deps
	tests/bench/native-bench

# A few native rounds, then one short block per configuration on each
# kernel, one boot at a time (about 5 minutes on a busy host): keeps the
# suite from rotting (make check; CI's make test leaves it out for time).
# The numbers go to .output/bench-native/ and .output/bench-vm/
# benchmarks-smoke.md, never to docs/; bubblewrap is compared only where
# installed.
bench-smoke: $(BIN) $(URING)
	HB_BENCH_SMOKE=1 tests/bench/native-bench; s=$$?; \
		HB_BENCH_SMOKE=1 tests/bench/run-bench && exit $$s

# Fuzzing and sanitizer builds (tests/fuzz/fuzz.mk): fuzz, fuzz-smoke, asan-unit.
-include tests/fuzz/fuzz.mk

vmlinux: deps
	tests/vm/dump-btf vmlinux/$(ARCH)

# Man pages from --help (help2man) and docs/man/; see docs/install.md.
MAN_PAGES := $(shell scripts/man --list)
man: $(OUTPUT)/man/.stamp
$(OUTPUT)/man/.stamp: $(BIN) scripts/man $(wildcard docs/man/*) $(OUTPUT)/version
	scripts/man $(BIN) $(OUTPUT)/man $(VERSION)
	touch $@

# The docs keep their folders, so that their links between README.md,
# docs/, spec/ and deploy/ still resolve once installed; a link into the
# source (loader/, tests/, ...) becomes its text (install-check).
INSTALL_DOCS := README.md SECURITY.md $(wildcard docs/*.md) $(wildcard spec/*.md)
INSTALL_DEPLOY := deploy/systemd/hermetic-bpf-agent.service deploy/kubernetes/hermetic-bpf-agent.yaml
SOURCE_LINKS := s@\[([^]]*)\]\((\.\./)?(bpf|cli|loader|tests)/[^)]*\)@\1@g

# The policy directory is only created: a file the user put there is never
# touched, and the examples go to the docs, where they confine nothing.
install: $(BIN) $(OUTPUT)/man/.stamp
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/hermetic-bpf
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR)/spec \
		$(DESTDIR)$(DOCDIR)/deploy/systemd $(DESTDIR)$(DOCDIR)/deploy/kubernetes
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	    -e 's|@POLICYDIR@|$(POLICYDIR)|g' deploy/systemd/hermetic-bpf-agent.service \
	    > $(DESTDIR)$(UNITDIR)/hermetic-bpf-agent.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/hermetic-bpf-agent.service
	for f in $(INSTALL_DOCS); do sed -E '$(SOURCE_LINKS)' $$f > $(DESTDIR)$(DOCDIR)/$$f && \
		chmod 0644 $(DESTDIR)$(DOCDIR)/$$f || exit 1; done
	for f in $(INSTALL_DEPLOY); do install -m 0644 $$f $(DESTDIR)$(DOCDIR)/$$f || exit 1; done
	install -m 0644 deploy/examples/*.conf examples/svc.py $(DESTDIR)$(DOCDIR)/examples/
	for p in $(MAN_PAGES); do \
		install -D -m 0644 $(OUTPUT)/man/$$p $(DESTDIR)$(MANDIR)/man$${p##*.}/$$p || exit 1; done
	install -D -m 0644 deploy/completion/hermetic-bpf.bash $(DESTDIR)$(BASHCOMPDIR)/hermetic-bpf
	install -D -m 0644 deploy/completion/_hermetic-bpf $(DESTDIR)$(ZSHCOMPDIR)/_hermetic-bpf
	test -d $(DESTDIR)$(POLICYDIR) || install -d -m 0755 $(DESTDIR)$(POLICYDIR)

# Exactly what install put there; directories only where they are ours.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hermetic-bpf $(DESTDIR)$(UNITDIR)/hermetic-bpf-agent.service \
	      $(DESTDIR)$(BASHCOMPDIR)/hermetic-bpf $(DESTDIR)$(ZSHCOMPDIR)/_hermetic-bpf
	for p in $(MAN_PAGES); do rm -f $(DESTDIR)$(MANDIR)/man$${p##*.}/$$p; done
	rm -rf $(DESTDIR)$(DOCDIR)

# The Debian package, from the same install (scripts/deb, docs/install.md).
DEB := $(OUTPUT)/hermetic-bpf_$(VERSION)_amd64.deb
deb: $(DEB)
$(DEB): $(BIN) $(OUTPUT)/man/.stamp scripts/deb $(wildcard deploy/debian/* deploy/completion/* deploy/systemd/*)
	scripts/deb $(VERSION) $@

clean:
	rm -rf $(OUTPUT)
