# SPDX-License-Identifier: GPL-2.0-only
# Fuzzing (libFuzzer) and sanitizer builds, included by the Makefile:
#   make fuzz         every target for FUZZ_SECONDS, then its regressions
#   make fuzz-smoke   the same for FUZZ_SMOKE_SECONDS each (CI)
#   make asan-unit    the unit tests built with ASan and UBSan
# FUZZ_TARGETS=fuzz_domain (etc.) narrows fuzz and fuzz-smoke to some;
# FUZZ_JOBS=N runs N targets at once (default: one per CPU).
# See docs/fuzzing.md.

FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_CC            ?= $(CLANG)
ASAN_CC            ?= $(CLANG)

FUZZ_DIR     := $(OUTPUT)/fuzz
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

# A UBSan report must end the process, or libFuzzer would neither notice
# it nor keep the input.
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror \
               $(SAN_FLAGS) -Ibpf $(addprefix -I,$(SRC_DIRS)) -Itests/fuzz

# Each target links only the modules it fuzzes and what they call.
FUZZ_MODS_fuzz_ip_rule     := loader/net_rule
FUZZ_MODS_fuzz_bind_rule   := loader/bind_rule
FUZZ_MODS_fuzz_domain      := loader/dns_name
FUZZ_MODS_fuzz_dns_query   := loader/dns_msg loader/dns_name
FUZZ_MODS_fuzz_dns_answer  := loader/dns_msg loader/dns_name
FUZZ_MODS_fuzz_trace_fmt   := loader/trace_fmt
FUZZ_MODS_fuzz_json_str    := loader/json_str
FUZZ_MODS_fuzz_event_json  := loader/event_json loader/cgroup_names loader/trace_fmt loader/json_str loader/unseen \
                              loader/guard
FUZZ_MODS_fuzz_mountinfo   := loader/mountinfo
FUZZ_MODS_fuzz_resolv_conf := loader/resolv_conf loader/log
FUZZ_MODS_fuzz_lsm_list    := loader/lsm_list loader/path
FUZZ_MODS_fuzz_run_args    := rules/run_args rules/rules rules/misuse rules/policy_file agent/policy_dir agent/policy_trust loader/path \
                              loader/net_rule loader/bind_rule loader/dns_name loader/log loader/guard
FUZZ_MODS_fuzz_policy_file := rules/run_args rules/rules rules/misuse rules/policy_file agent/policy_dir agent/policy_trust loader/path \
                              loader/net_rule loader/bind_rule loader/dns_name loader/log loader/guard
FUZZ_MODS_fuzz_policy_args := cli/policy_args rules/misuse rules/run_args rules/rules rules/policy_file \
                              agent/policy_dir agent/policy_trust loader/path loader/net_rule loader/bind_rule loader/dns_name loader/log \
                              loader/guard loader/cgroup loader/mountinfo
FUZZ_MODS_fuzz_agent_req   := agent/agent_req
FUZZ_MODS_fuzz_exec_head   := loader/fs_runtime loader/fs_rule loader/file_id \
                              loader/mountinfo loader/path loader/log

FUZZ_LIBS_fuzz_dns_query   := -lresolv
FUZZ_LIBS_fuzz_dns_answer  := -lresolv
# log.c routes libbpf's messages (and every message goes through it).
FUZZ_LIBS_fuzz_resolv_conf := $(LDLIBS)
FUZZ_LIBS_fuzz_exec_head   := $(LDLIBS)
FUZZ_LIBS_fuzz_run_args    := $(LDLIBS)
FUZZ_LIBS_fuzz_policy_file := $(LDLIBS)
FUZZ_LIBS_fuzz_policy_args := $(LDLIBS)

.PHONY: fuzz fuzz-smoke asan-unit

fuzz: $(FUZZ_BINS)
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_DIR) $(FUZZ_TARGETS)

fuzz-smoke: $(FUZZ_BINS)
	tests/fuzz/run $(FUZZ_SMOKE_SECONDS) $(FUZZ_DIR) $(FUZZ_TARGETS)

# Modules with coverage instrumentation, apart from the normal objects.
$(FUZZ_DIR)/obj/%.o: %.c $(HEADERS) tests/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(foreach t,$(FUZZ_TARGETS),$(eval $(FUZZ_DIR)/$(t): \
	$(patsubst %,$(FUZZ_DIR)/obj/%.o,$(FUZZ_MODS_$(t)))))

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/json_valid.h $(HEADERS) tests/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(filter %.o,$^) \
		$(FUZZ_LIBS_fuzz_$*) -o $@

# The unit tests against every module but main, all built with sanitizers.
ASAN_DIR    := $(OUTPUT)/asan
ASAN_CFLAGS := $(HB_CFLAGS) $(SAN_FLAGS)
ASAN_OBJS   := $(patsubst $(OUTPUT)/%,$(ASAN_DIR)/%,$(UNIT_OBJS))
ASAN_TESTS  := $(patsubst $(OUTPUT)/tests/%,$(ASAN_DIR)/tests/%,$(UNIT_TESTS))

asan-unit: $(ASAN_TESTS)
	tests/fuzz/run-asan $(ASAN_TESTS)

define asan_objs
$$(ASAN_DIR)/$(1)/%.o: $(1)/%.c $$(HEADERS) $$(SKELETONS) tests/fuzz/fuzz.mk
	@mkdir -p $$(@D)
	$$(ASAN_CC) $$(ASAN_CFLAGS) -c $$< -o $$@
endef
$(foreach d,$(SRC_DIRS),$(eval $(call asan_objs,$(d))))

$(ASAN_DIR)/tests/%: tests/unit/%.c $(ASAN_OBJS) $(HEADERS)
	@mkdir -p $(@D)
	$(ASAN_CC) $(ASAN_CFLAGS) $< $(ASAN_OBJS) -lcmocka $(LDLIBS) -o $@
