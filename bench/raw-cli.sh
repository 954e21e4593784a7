#!/usr/bin/env bash
# The floor `make bench` compares `pulumi up` with: the same lab (swarm, the seed's networks,
# the six services, the single-host demos on the first two hosts) typed as plain docker CLI
# commands over ssh, on fresh one-box hosts, ending at the same proof: app pings web by name
# across hosts.
# Independent steps run in parallel, as a person with several terminals would. The join
# token goes to each dockerd in an Engine API request on stdin (`docker system dial-stdio`),
# as the program sends it: `docker swarm join --token` would put it on a command line.
set -euo pipefail
lab=${SWARMLAB_LAB_DIR:?the lab folder (make env sets it)}
cfg="$lab/ssh_config"
on() { local host=$1; shift; ssh -F "$cfg" "$host" "$@"; }
lan=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["subnet"])' "$lab/net.json")
gateway=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1])[1])' "$lan")

# join HOST TOKEN ADDRESS LEADER: POST /swarm/join with the token in the body (printf is a
# shell builtin: no process has the token in its arguments).
join() {
  local body
  body=$(printf '{"RemoteAddrs":["%s:2377"],"JoinToken":"%s","AdvertiseAddr":"%s","ListenAddr":"%s:2377"}' "$4" "$2" "$3" "$3")
  printf 'POST /v1.41/swarm/join HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "${#body}" "$body" | on "$1" docker system dial-stdio | head -n 1 | grep -q " 200 "
}

mapfile -t hosts < <(python3 -c 'import json,sys; [print(h["name"], h["address"], h["role"]) for h in json.load(open(sys.argv[1]))]' "$lab/inventory.json")
read -r leader leader_addr _ <<<"${hosts[0]}"
image=swarmlab/busybox:lab

on "$leader" docker swarm init --advertise-addr "$leader_addr" --listen-addr "$leader_addr:2377" >/dev/null
worker_token=$(on "$leader" docker swarm join-token -q worker)
manager_token=$(on "$leader" docker swarm join-token -q manager)

mapfile -t ranges < <(python3 "$(dirname "${BASH_SOURCE[0]}")/raw-ranges.py" "$lan" "$gateway" "$lab/inventory.json")
[ "${#ranges[@]}" -eq "${#hosts[@]}" ] || { echo "raw cli: no macvlan range for every host" >&2; exit 1; }
i=0
for entry in "${hosts[@]}"; do
  read -r name addr role <<<"$entry"
  range=${ranges[$i]}
  i=$((i + 1))
  (
    on "$name" docker network create --config-only --subnet "$lan" --gateway "$gateway" \
      --ip-range "$range" -o parent=eth1 mymacvlan-config >/dev/null
    if [ "$name" != "$leader" ]; then
      token=$worker_token; [ "$role" = manager ] && token=$manager_token
      join "$name" "$token" "$addr" "$leader_addr"
    fi
    # The seed's single-host demos, on the first two hosts (the program's default).
    if [ "$i" -le 2 ]; then on "$name" "docker network create mynetwork >/dev/null && docker network create myappnet >/dev/null &&
      docker run -d --init --name web1 --network bridge $image httpd -f -p 80 -h /www >/dev/null &&
      docker run -d --init --name web2 --network bridge $image httpd -f -p 80 -h /www >/dev/null &&
      docker run -d --init --name app --network mynetwork $image sleep 100000 >/dev/null &&
      docker run -d --init --name db --network myappnet $image sleep 100000 >/dev/null &&
      docker run -d --init --name web --network myappnet $image httpd -f -p 80 -h /www >/dev/null &&
      docker run -d --init --name hostweb --network host $image httpd -f -p $addr:8080 -h /www >/dev/null &&
      docker run -d --init --name isolated --network none $image sleep 100000 >/dev/null"; fi
  ) &
done
wait

on "$leader" "docker network create -d overlay --attachable myoverlay >/dev/null &&
  docker network create -d overlay --attachable --opt encrypted secure_net >/dev/null &&
  docker network create --config-from mymacvlan-config -d macvlan --scope swarm mymacvlan >/dev/null"

read -r second _ <<<"${hosts[1]:-${hosts[0]}}"
svc() { # name network node command...
  local name=$1 net=$2 node=$3; shift 3
  on "$leader" docker service create --detach --name "$name" --network "$net" --endpoint-mode dnsrr \
    --constraint "node.hostname==$node" --init --no-resolve-image "$image" "$@" >/dev/null
}
for pair in "myoverlay:" "secure_net:secure-net-" "mymacvlan:mymacvlan-"; do
  net=${pair%%:*}; prefix=${pair#*:}
  svc "${prefix}web" "$net" "$second" httpd -f -p 80 -h /www &
  svc "${prefix}app" "$net" "$leader" sleep 100000 &
done
wait

# The proof: app pings web by name across hosts.
for _ in $(seq 1 300); do
  ctr=$(on "$leader" docker ps -q --filter label=com.docker.swarm.service.name=app)
  if [ -n "$ctr" ] && on "$leader" docker exec "$ctr" ping -c 1 -W 1 web >/dev/null 2>&1; then
    echo "raw cli: app pings web across hosts"
    exit 0
  fi
  sleep 0.2
done
echo "raw cli: app never reached web" >&2
exit 1
