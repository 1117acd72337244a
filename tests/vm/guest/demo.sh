# SPDX-License-Identifier: GPL-2.0-only
# `make demo` inside the VM: the same service, plain and confined.
set -x
python3 /examples/svc.py
SUDO_UID=1000 SUDO_GID=1000 hermetic-bpf run --no-network --trace python3 /examples/svc.py
