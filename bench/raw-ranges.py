"""The raw CLI script's macvlan ip-range per host, one a line in the inventory's order: the
program's default rule (modules.spec.parse.default_macvlan_ranges), written out here so the
raw script stays plain commands with no import of the program. Each host a range of the LAN's
last /24 that holds no host's address and not the gateway: a /29 from its top half for the
first sixteen, then a /30 from its lower half, from .124 down.

Usage: python3 bench/raw-ranges.py LAN GATEWAY INVENTORY.json
"""

import ipaddress
import json
import sys

lan = ipaddress.IPv4Network(sys.argv[1])
gateway = ipaddress.IPv4Address(sys.argv[2])
with open(sys.argv[3], encoding="utf-8") as f:
    hosts = json.load(f)
last = list(lan.subnets(new_prefix=24))[-1]
middle = last.network_address + 128
candidates = [b for b in last.subnets(new_prefix=29) if b.network_address >= middle]
candidates += [b for b in reversed(list(last.subnets(new_prefix=30)))
               if b.network_address < middle]
taken = {ipaddress.IPv4Address(h["address"]) for h in hosts} | {gateway}
free = [b for b in candidates if not any(a in b for a in taken)]
if len(hosts) > len(free):
    sys.exit(f"raw-ranges: {len(hosts)} hosts, {len(free)} ranges")
for i in range(len(hosts)):
    print(free[i])
