#!/usr/bin/env bash
# System packages and the project virtualenv. Idempotent, and quiet when all is there.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

# docker.io: dockerd for the one-box hosts (run only inside their namespaces) and the
# docker CLI; busybox-static: the lab image; openssh: each host's sshd and the client.
packages=(docker.io busybox-static openssh-server openssh-client iproute2 iptables
          graphviz vagrant shellcheck)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[deps] apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

venv="$root/.venv"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$root/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  echo "[deps] creating $venv"
  python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[deps] pip install -r requirements.txt"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$root/requirements.txt"
  echo "$want" >"$stamp"
fi
