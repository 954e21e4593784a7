"""The one-box backend: each lab host a network namespace on this machine, with its own
containerd, dockerd and sshd, on one lab bridge that holds the gateway (hosts/README.md).
Its Backend class is in hosts/backends.py, beside the vm backend's (hosts/vm)."""
