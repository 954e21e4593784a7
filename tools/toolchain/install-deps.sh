#!/usr/bin/env bash
# System packages and the project virtualenv. Idempotent, and silent when all is there;
# what it says goes to stderr, so `make -s inspect FORMAT=json` prints only JSON on stdout
# even on a fresh clone.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "[deps] $*" >&2; }

# Every make target runs this first. When it last found everything there and nothing it
# reads has changed since (the package database, apt's lists, requirements.txt, this
# script, the Docker binaries on PATH), it is done: the checks below cost most of a second.
venv="$root/.venv"
found="$venv/.deps-found"
inputs=$(cat "$root/requirements.txt" "$0" | sha256sum | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$found" 2>/dev/null)" = "$inputs" ] \
   && { command -v dockerd && command -v containerd && command -v docker; } >/dev/null \
   && [ "$found" -nt /var/lib/dpkg/status ] && [ "$found" -nt /var/lib/apt/lists ]; then
  exit 0
fi

# busybox-static: the lab image; openssh: each one-box host's sshd and the client;
# tcpdump: `make capture`; graphviz: `make diagram`; qemu, vde2, debootstrap: the vm
# backend (its image is built from Debian packages, its LAN is a user-space switch).
packages=(busybox-static openssh-server openssh-client iproute2 iptables tcpdump graphviz
          shellcheck qemu-system-x86 qemu-utils vde2 debootstrap debian-archive-keyring dpkg)
# The one-box hosts run dockerd, containerd and the docker CLI (each lab dockerd with its
# own containerd, never a daemon the machine already runs). Binaries already on PATH
# (Docker CE on a CI runner) are used as they are: installing docker.io beside them would
# conflict.
if ! { command -v dockerd && command -v containerd && command -v docker; } >/dev/null; then
  packages+=(docker.io)
fi
# `vagrant validate` checks the Vagrantfile; Ubuntu 24.04 no longer packages vagrant.
if apt-cache policy vagrant 2>/dev/null | grep -q "Candidate: [0-9]"; then
  packages+=(vagrant)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

stamp="$venv/.requirements.sha256"
want=$(sha256sum "$root/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  say "creating $venv"
  python3 -m venv "$venv" >&2
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "pip install -r requirements.txt"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$root/requirements.txt" >&2
  echo "$want" >"$stamp"
fi
echo "$inputs" >"$found"
