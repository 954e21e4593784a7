"""What needs a full kernel: traffic on the encrypted overlay (IPsec ESP) and services behind
virtual IPs (IP_VS). They run on the VM lab (Debian's stock kernel); on one-box hosts, which
share this machine's kernel, each test skips naming the feature that kernel lacks.

The evidence (ESP counters, what the captures caught, which replicas answered) is printed
in the test output."""

from __future__ import annotations

import json
import re
import threading

import pytest

from modules.ssh.waiting import polls
from tests.support.features import esp_packets, require, require_root
from tests.support.live import pair
from tools.lab import capture

pytestmark = pytest.mark.lab

PINGS = 4
# busybox's nc, not its wget: Debian's static busybox wget crashes (SIGSEGV) on these VMs and
# in their containers.
HTTP_GET = "printf 'GET {path} HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {name} {port}"


def _show(capsys, *lines: str) -> None:
    with capsys.disabled():
        print("\n  " + "\n  ".join(lines))


def _packet_sockets(lab, host: str) -> int:
    """Open packet sockets in the host's network namespace (one per running tcpdump)."""
    return len(lab.host(host).check_output("cat /proc/net/packet").splitlines())


def _ping_while_capturing(lab, client_host: str, client: str, name: str, capture_host: str):
    """Ping `name` from the client task while capturing on the capture host's eth1; the
    capture's packet counts by kind."""
    req = capture.Request(capture_host, "eth1", PINGS + 6)
    found: dict[str, bytes] = {}
    thread = threading.Thread(target=lambda: found.update(
        pcap=capture.take(lab.target(capture_host, command_timeout=60), req)))
    before = _packet_sockets(lab, capture_host)
    thread.start()
    # The first ping goes out only once tcpdump listens: its packet socket is open.
    for _ in polls(30):
        if _packet_sockets(lab, capture_host) > before:
            break
    else:
        raise AssertionError(f"tcpdump on {capture_host} opened no packet socket within 30 s")
    out = lab.host(client_host).check_output(
        f"docker exec {client} ping -c {PINGS} -i 0.5 -W 2 {name}")
    thread.join()
    assert " 0% packet loss" in out, out
    return req, capture.count(found["pcap"])


def test_the_encrypted_overlay_carries_pings_as_esp_between_hosts(lab, kernel_features, capsys):
    require(kernel_features, "esp", "traffic on the encrypted overlay")
    require_root(kernel_features, "ESP counters and the capture")
    client_host, client, server_host = pair(lab, "secure-net-")
    before = {h: esp_packets(lab, h) for h in (client_host, server_host)}
    assert all(before.values()), f"no ESP states: {before}"
    # By the task's own name: a ping to a VIP is answered in the caller's namespace (moby#33770).
    req, counts = _ping_while_capturing(lab, client_host, client, "tasks.secure-net-web",
                                        server_host)
    after = {h: esp_packets(lab, h) for h in (client_host, server_host)}
    rose = {h: sum(after[h].values()) - sum(before[h].values()) for h in after}
    _show(capsys, *(f"{h}: ESP SAs {len(after[h])}, packets {sum(before[h].values())} -> "
                    f"{sum(after[h].values())} (+{rose[h]})" for h in after),
          f"capture {capture.summary(req, counts)}")
    assert all(r >= PINGS for r in rose.values()), rose
    assert counts["ESP"] >= 2 * PINGS, counts
    assert counts["VXLAN udp/4789"] == 0, counts


def test_the_plain_overlay_carries_the_same_pings_as_vxlan(lab, kernel_features, capsys):
    require(kernel_features, "esp", "the comparison with the encrypted overlay")
    require_root(kernel_features, "the capture")
    client_host, client, server_host = pair(lab, "")
    req, counts = _ping_while_capturing(lab, client_host, client, "tasks.web", server_host)
    _show(capsys, f"capture {capture.summary(req, counts)}")
    assert counts["VXLAN udp/4789"] >= 2 * PINGS, counts


def _endpoint(lab, service: str) -> dict:
    out = lab.host("manager").check_output(
        f"docker service inspect --format '{{{{json .Endpoint}}}}' {service}")
    return json.loads(out)


def _require_vip(lab, kernel_features) -> None:
    require(kernel_features, "ip_vs", "service virtual IPs")
    mode = _endpoint(lab, "web")["Spec"].get("Mode", "vip")
    if mode != "vip":
        pytest.skip(f"the stack runs services with endpointMode {mode}, not vip")


def test_web_has_a_virtual_ip_and_app_gets_its_page_through_it(lab, kernel_features, capsys):
    _require_vip(lab, kernel_features)
    vips = {v["NetworkID"]: v["Addr"] for v in _endpoint(lab, "web").get("VirtualIPs", [])}
    overlay = json.loads(lab.host("manager").check_output("docker network inspect myoverlay"))[0]
    vip = vips[overlay["Id"]].split("/")[0]
    host, app = lab.task_container("app")
    resolved = lab.host(host).check_output(f"docker exec {app} nslookup web")
    page = lab.host(host).check_output(
        f"docker exec {app} sh -c \"{HTTP_GET.format(path='/', name='web', port=80)}\"")
    answers = re.findall(r"Address:\s*([0-9.]+)\s*$", resolved, re.MULTILINE)
    _show(capsys, f"web's VIP on myoverlay: {vip}; `nslookup web` in app answers {answers}")
    assert answers == [vip]
    assert "200 OK" in page


@pytest.fixture(scope="module")
def vipweb(lab, kernel_features):
    """A web service of the test's own for as long as the module runs: 2 replicas, one per
    node, on myoverlay behind a VIP, its port 80 published as 8088 on every node."""
    _require_vip(lab, kernel_features)
    manager = lab.host("manager")
    manager.check_output(
        "docker service create --detach=false --quiet --name vipweb --network myoverlay "
        "--replicas 2 --replicas-max-per-node 1 --publish published=8088,target=80 "
        "swarmlab/busybox:lab httpd -f -p 80 -h /www")
    try:
        yield "vipweb"
    finally:
        manager.check_output("docker service rm vipweb")


def _served_by(lab, host: str, request: str) -> str:
    """Which container answered (the lab image's /cgi-bin/hostname names it)."""
    out = lab.host(host).check_output(request)
    assert "200 OK" in out, out
    return out.strip().splitlines()[-1]


def test_both_replicas_of_a_service_answer_through_its_vip(lab, vipweb, capsys):
    nodes = lab.host("manager").check_output(
        f"docker service ps --filter desired-state=running --format '{{{{.Node}}}}' {vipweb}")
    assert len(set(nodes.split())) == 2, nodes
    host, app = lab.task_container("app")
    request = HTTP_GET.format(path="/cgi-bin/hostname", name=vipweb, port=80)
    seen = {_served_by(lab, host, f"docker exec {app} sh -c \"{request}\"") for _ in range(10)}
    _show(capsys, f"10 requests to http://{vipweb}/ from app were answered by tasks "
                  f"{sorted(seen)}")
    assert len(seen) == 2, seen


def test_a_published_port_answers_on_both_node_addresses_from_the_other_node(
        lab, vipweb, capsys):
    answers = {}
    for asked in lab.inventory[:2]:
        other = next(h["name"] for h in lab.inventory[:2] if h["name"] != asked["name"])
        request = HTTP_GET.format(path="/cgi-bin/hostname", name=asked["address"], port=8088)
        answers[(asked["address"], other)] = _served_by(
            lab, other, request.replace("| nc", "| busybox nc"))
    _show(capsys, *(f"routing mesh: http://{address}:8088/ asked from {other}: answered by "
                    f"container {served!r}" for (address, other), served in answers.items()))
    assert all(answers.values()), answers
