# SPDX-License-Identifier: GPL-2.0-only
# hb.mode=bench: every benchmark in this boot (tests/bench/run-bench on
# the host turns the output into docs/benchmarks.md).
exec python3 /e2e/bench.py
