# SPDX-License-Identifier: GPL-2.0-only
# hb.mode=timing: where the time of one guarded `run` goes (for developers;
# emulated time, so only the proportions mean anything).
for i in 1 2; do
	time hermetic-bpf run -v --no-network true
done
time hermetic-bpf run true
time python3 -c pass
