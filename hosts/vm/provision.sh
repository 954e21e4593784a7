#!/bin/sh
# swarmlab host provisioning: one script for the QEMU image build and for Vagrant.
#
#   provision.sh list-packages [SUITE]
#                               the Debian packages a lab host of SUITE (default:
#                               the running system's) needs, one per line
#   provision.sh packages       once per machine: install what is missing, configure
#                               docker, sshd, kernel modules and the boot unit
#                               (the image build runs it in the debootstrap chroot,
#                               Vagrant on a VM's first boot)
#   provision.sh image          image build only, after `packages`: fstab, and no
#                               per-machine identity (ssh host keys, machine-id)
#   provision.sh boot           every boot (systemd unit swarmlab-boot.service, or
#                               Vagrant's run: "always"): hostname, lab address,
#                               keys, promiscuous eth1; optionally a login user
#                               and an sshd port (a host as its owner runs it)
#
# `boot` reads each item from the environment first (SWARMLAB_HOSTNAME,
# SWARMLAB_ETH1_ADDRESS, SWARMLAB_AUTHORIZED_KEYS, ...: how Vagrant passes them),
# then from QEMU's fw_cfg (opt/swarmlab/<item>: how the vm backend passes them,
# so no key is ever on a command line). An item found in neither is left alone.
set -eu

# The one list: the image build reads it through `list-packages`, and its hash is
# part of the image cache key (with this whole file).
PACKAGES="
systemd-sysv udev dbus kmod procps iproute2 iputils-ping
openssh-server
docker.io apparmor iptables ipvsadm
busybox-static tcpdump
linux-image-amd64
"

SELF=/usr/local/sbin/swarmlab-provision
UNIT=/etc/systemd/system/swarmlab-boot.service
FW_CFG=/sys/firmware/qemu_fw_cfg/by_name/opt/swarmlab

log() { echo "swarmlab-provision: $*" >&2; }

# put FILE: write stdin to FILE unless it already holds exactly that; set CHANGED
# when it wrote (so a running docker restarts only for a real change).
CHANGED=""
put() {
  tmp="$1.swarmlab-new"
  cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; CHANGED=1; fi
}

# True on a booted machine; false in the image build's chroot (nothing runs there).
running_system() { [ -d /run/systemd/system ]; }

# Since trixie the docker CLI is a package of its own: docker.io no longer pulls it in.
CLI_PACKAGE_SUITES="trixie forky"

running_suite() { . /etc/os-release && echo "${VERSION_CODENAME:-}"; }

list_packages() {
  suite="${1:-$(running_suite)}"
  for p in $PACKAGES; do echo "$p"; done
  case " $CLI_PACKAGE_SUITES " in *" $suite "*) echo docker-cli ;; esac
}

install_missing() {
  missing=""
  for p in $(list_packages); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  log "apt-get install$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086  # one word per package
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

configure_modules() {
  # IP_VS for service VIPs (ingress, vip endpoint mode), ESP and xfrm_user for the
  # encrypted overlay; loaded at every boot before docker starts.
  printf '%s\n' ip_vs ip_vs_rr esp4 xfrm_user > /etc/modules-load.d/swarmlab.conf
  if running_system; then modprobe -a ip_vs ip_vs_rr esp4 xfrm_user; fi
}

configure_docker() {
  install -d -m 0755 /etc/docker /etc/systemd/system/docker.service.d
  # Same behaviour as the one-box hosts: every `docker run` container under
  # docker-init (signal-deaf workloads stop at once), and containers resolve
  # only through the embedded DNS (the lab reaches no resolver). dockerd keeps
  # Debian's `-H fd://`: the unix socket /run/docker.sock, no TCP listener.
  put /etc/docker/daemon.json <<'EOF'
{
  "dns": ["127.0.0.1"],
  "init": true
}
EOF
  # There is no registry: swarm tasks use the node's local copy of an image.
  put /etc/systemd/system/docker.service.d/swarmlab.conf <<'EOF'
[Service]
Environment=DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
EOF
  systemctl enable docker.service >/dev/null 2>&1
  if running_system && [ -n "$CHANGED" ]; then
    systemctl daemon-reload
    systemctl restart docker.service
  fi
}

configure_sshd() {
  install -d -m 0755 /etc/ssh/sshd_config.d
  # Root with the lab key only. One host key type: the one the hosts tool makes
  # and writes into known_hosts.
  cat > /etc/ssh/sshd_config.d/swarmlab.conf <<'EOF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
HostKey /etc/ssh/ssh_host_ed25519_key
UseDNS no
EOF
}

install_boot_unit() {
  src=$(readlink -f "$0")
  [ "$src" = "$SELF" ] || install -m 0755 "$src" "$SELF"
  # Before sshd (it needs the host key) and docker (it reads the hostname once,
  # as the swarm node name, and binds to the lab address).
  cat > "$UNIT" <<EOF
[Unit]
Description=swarmlab: hostname, lab address and keys from fw_cfg
After=systemd-modules-load.service local-fs.target
Before=network-pre.target ssh.service docker.service
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=$SELF boot

[Install]
WantedBy=multi-user.target
EOF
  systemctl enable swarmlab-boot.service >/dev/null 2>&1
}

packages() {
  install_missing
  configure_modules
  configure_docker
  configure_sshd
  install_boot_unit
}

# Image build only: a root filesystem on /dev/vda, and nothing that must differ
# between machines or labs (each VM gets its host key from fw_cfg at boot).
image() {
  running_system && { log "image: refusing to run on a booted system"; exit 2; }
  echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" > /etc/fstab
  rm -f /etc/ssh/ssh_host_*
  : > /etc/machine-id
  rm -f /var/lib/dbus/machine-id
  # debootstrap copied these from the build machine; a lab host has its own
  # (`boot` writes them) and no resolver at all.
  echo localhost > /etc/hostname
  printf '127.0.0.1 localhost\n' > /etc/hosts
  : > /etc/resolv.conf
  # Timers that would spend the emulated CPU on work a lab host never needs
  # (no network for apt, throwaway disks).
  for t in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
           fstrim.timer man-db.timer; do
    systemctl mask "$t" >/dev/null 2>&1 || true
  done
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log /tmp/* /var/tmp/*
}

# item NAME: SWARMLAB_<NAME> from the environment, else the fw_cfg file, else "".
item() {
  var=SWARMLAB_$(echo "$1" | tr '[:lower:]' '[:upper:]')
  value=$(printenv "$var" || true)
  if [ -n "$value" ]; then printf '%s\n' "$value"; return 0; fi
  if [ -r "$FW_CFG/$1/raw" ]; then cat "$FW_CFG/$1/raw"; fi
}

set_hostname() {
  name=$(item hostname)
  [ -n "$name" ] || return 0
  echo "$name" > /etc/hostname
  hostname "$name"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$name" > /etc/hosts
}

# authorize USER KEYS: each key in USER's authorized_keys (once).
authorize() {
  home=$(getent passwd "$1" | cut -d: -f6)
  group=$(id -gn "$1")
  install -d -m 0700 -o "$1" -g "$group" "$home/.ssh"
  touch "$home/.ssh/authorized_keys"
  chmod 0600 "$home/.ssh/authorized_keys"
  chown "$1:$group" "$home/.ssh/authorized_keys"
  echo "$2" | while IFS= read -r key; do
    [ -n "$key" ] || continue
    grep -qxF "$key" "$home/.ssh/authorized_keys" || echo "$key" >> "$home/.ssh/authorized_keys"
  done
}

# A host the way its owner runs it (the hosts stack's test): the lab key opens a
# user in the docker group, with no sudo, and root is not reachable over SSH.
set_login_user() {
  user=$(item login_user)
  # sshd keeps the first value it reads, and reads sshd_config.d in name order: 00- comes
  # before swarmlab.conf (PermitRootLogin prohibit-password).
  login_conf=/etc/ssh/sshd_config.d/00-swarmlab-login.conf
  if [ -z "$user" ]; then
    rm -f "$login_conf"
    return 0
  fi
  case "$user" in
    root|[!a-z_]*|*[!a-z0-9_-]*) log "login_user '$user' is not a user name this lab makes"; exit 2 ;;
  esac
  if ! id -u "$user" >/dev/null 2>&1; then
    if getent group "$user" >/dev/null; then
      log "login_user '$user' is the name of a group of this image; pick another"; exit 2
    fi
    useradd --create-home --shell /bin/sh --groups docker "$user"
  fi
  if [ "$(id -u "$user")" -lt 1000 ]; then
    log "login_user '$user' is a system account of this image; pick another"; exit 2
  fi
  printf 'PermitRootLogin no\n' | put "$login_conf"
}

# The port sshd listens on (22 when the item is absent).
set_ssh_port() {
  port=$(item ssh_port)
  case "$port" in
    "") rm -f /etc/ssh/sshd_config.d/swarmlab-port.conf ;;
    *[!0-9]*) log "ssh_port '$port' is not a port number"; exit 2 ;;
    *) printf 'Port %s\n' "$port" | put /etc/ssh/sshd_config.d/swarmlab-port.conf ;;
  esac
}

set_keys() {
  keys=$(item authorized_keys)
  if [ -n "$keys" ]; then
    login=$(item login_user)
    authorize "${login:-root}" "$keys"
  fi
  hostkey=$(item host_key)
  if [ -n "$hostkey" ]; then
    umask 077
    printf '%s\n' "$hostkey" > /etc/ssh/ssh_host_ed25519_key
    umask 022
    ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key > /etc/ssh/ssh_host_ed25519_key.pub
    # Given by Vagrant to a running machine (the vm backend's boot runs before sshd):
    # sshd serves the new key from its next connection on.
    if [ -n "${SWARMLAB_HOST_KEY:-}" ] && running_system; then
      systemctl try-reload-or-restart ssh.service || true
    fi
  elif [ ! -s /etc/ssh/ssh_host_ed25519_key ]; then
    # sshd would not start at all; a key nobody knows makes the hosts tool
    # report a host key mismatch instead of a silent timeout.
    log "no host key given: generating one (it will not match known_hosts)"
    ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
  fi
}

set_links() {
  # eth0 is the management NIC: QEMU's user-mode network (no default route, so
  # nothing outside the lab is even tried), or Vagrant's, which it configures.
  eth0=$(item eth0_address)
  if [ -n "$eth0" ]; then
    ip link set eth0 up
    ip addr replace "$eth0" dev eth0
  fi
  # eth1 is the lab LAN. macvlan containers send from their own MAC addresses
  # on it, so it must accept frames that are not for its own MAC.
  if ip link show eth1 >/dev/null 2>&1; then
    ip link set eth1 promisc on
    ip link set eth1 up
    eth1=$(item eth1_address)
    if [ -n "$eth1" ]; then ip addr replace "$eth1" dev eth1; fi
  fi
}

boot() {
  # fw_cfg appears under /sys only with this module (absent under Vagrant: fine).
  modprobe -q qemu_fw_cfg 2>/dev/null || true
  set_hostname
  set_login_user
  set_ssh_port
  set_keys
  set_links
}

case "${1:-}" in
  list-packages) list_packages "${2:-}" ;;
  packages) packages ;;
  image) image ;;
  boot) boot ;;
  *) echo "usage: $0 list-packages|packages|image|boot" >&2; exit 2 ;;
esac
