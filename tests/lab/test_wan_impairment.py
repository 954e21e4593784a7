"""Link impairment, run under `make test` only: it changes the lab, and `make validate` leaves
it out (tests/lab/conftest.py). Where the hosts' kernel has sch_netem (the VMs' stock kernel),
`make impair NODE=... DELAY=100ms` delays all that host sends on the LAN, so every round trip
across hosts grows by the delay, the encrypted overlay's too (still as ESP), and `make
unimpair` takes it back; under `LOSS=5%` app still gets web's page by name, retrying as a
client on a lossy link does. Where the kernel has no netem (the one-box hosts share this
machine's), `make impair` is refused naming it, and nothing changes."""

from __future__ import annotations

import re

import pytest

from modules.spec import links
from tests.support import builder
from tests.support.damage_lab import make
from tests.support.features import esp_packets
from tests.support.lab import Lab
from tests.support.live import pair

pytestmark = [pytest.mark.lab, pytest.mark.faults]

TARGET = "tasks.secure-net-web"
FETCHES, TRIES = 20, 4
ECHOES = 200
# busybox's nc (its wget crashes on the VMs): one try is one connection, 3 s at most.
# The host's shell reads it inside double quotes first: its `$` are escaped for the task's.
FETCH = ("ok=0; for try in {tries}; do "
         "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 web 80 | grep -q '200 OK' && "
         "{{ ok=1; echo try \\$try; break; }}; done; [ \\$ok = 1 ]")


def min_rtt(lab: Lab, host: str, container: str) -> float:
    """The least round trip of 10 pings, in ms (busybox: 'round-trip min/avg/max = a/b/c ms'):
    under emulation (the VMs) a single round trip can take 10 ms more than the next."""
    out = lab.host(host).check_output(f"docker exec {container} ping -c 10 -i 0.2 -W 3 {TARGET}")
    found = re.search(r"min/avg/max = ([0-9.]+)/", out)
    assert found, out
    return float(found[1])


def _changes_the_lab(request) -> builder.TestLab:
    test_lab = request.node.callspec.params["lab"]
    if test_lab is None:
        pytest.skip("changes the lab: runs only on the labs `make test` builds")
    return test_lab


def _has_netem(lab: Lab, host: str) -> bool:
    return bool(lab.host(host).run(links.PROBE).rc == 0)


def test_a_delay_on_one_host_lengthens_round_trips_across_secure_net(
        lab, kernel_features, request, capsys):
    test_lab = _changes_the_lab(request)
    client_host, client, server_host = pair(lab, "secure-net-")  # on two hosts
    far = server_host  # the delay goes on the host of the server's task
    impaired = lab.host(far)
    if not _has_netem(lab, far):
        refused = make("impair", f"NODE={far}", "DELAY=100ms", test_lab=test_lab, check=False)
        assert refused.returncode != 0 and "sch_netem" in refused.stderr, refused.stderr
        assert "netem" not in impaired.check_output("tc qdisc show dev eth1")
        return
    counts_esp = all(f.get("esp") and f.get("root") for f in kernel_features.values())
    before = min_rtt(lab, client_host, client)
    make("impair", f"NODE={far}", "DELAY=100ms", test_lab=test_lab)
    try:
        assert "netem" in impaired.check_output("tc qdisc show dev eth1")
        status = make("status", test_lab=test_lab, check=False)
        assert f"impaired: {far} (delay 100ms)" in status.stdout, status.stdout
        esp_before = {h: sum(esp_packets(lab, h).values()) for h in (client_host, far)} \
            if counts_esp else {}
        during = min_rtt(lab, client_host, client)
        esp_rose = {h: sum(esp_packets(lab, h).values()) - n for h, n in esp_before.items()}
    finally:
        undone = make("unimpair", f"NODE={far}", test_lab=test_lab, check=False)
    assert undone.returncode == 0, undone.stderr
    after = min_rtt(lab, client_host, client)
    with capsys.disabled():
        print(f"\n  secure_net least RTT: {before:.1f} ms; with DELAY=100ms on {far} "
              f"{during:.1f} ms; after unimpair {after:.1f} ms; ESP packets during: "
              + (", ".join(f"{h} +{n}" for h, n in esp_rose.items()) or "not counted (no ESP "
                 "or no root)"))
    # The unimpaired round trip is the lesser of the two taken without the delay: under
    # emulation either can come out several ms long.
    assert during - min(before, after) >= 90, (before, during, after)
    assert after - before < 50, (before, after)
    # The delayed pings still crossed as ESP: 5 requests and 5 replies on each side.
    assert all(n >= 5 for n in esp_rose.values()), esp_rose


def test_under_5_percent_loss_app_still_gets_webs_page_by_name(lab, request, capsys):
    test_lab = _changes_the_lab(request)
    client_host, app, server_host = pair(lab, "")
    if not _has_netem(lab, server_host):
        pytest.skip(f"kernel module sch_netem missing on {server_host} (this lab's hosts share "
                    "this machine's kernel): loss cannot be set; the VM lab runs it")
    make("impair", f"NODE={server_host}", "LOSS=5%", test_lab=test_lab)
    tries: list[int] = []
    fetch = FETCH.format(tries=" ".join(map(str, range(1, TRIES + 1))))
    try:
        # The loss is there: of 200 echoes a few replies go missing (none at all would
        # happen one time in 28,000 at 5%).
        pinged = lab.host(client_host).run(
            f"docker exec {app} ping -c {ECHOES} -i 0.05 -W 2 tasks.web")
        got_back = re.search(r"(\d+) packets received", pinged.stdout)
        assert got_back, pinged.stdout + pinged.stderr
        lost = ECHOES - int(got_back[1])
        assert 0 < lost < ECHOES // 4, pinged.stdout
        for _ in range(FETCHES):
            got = lab.host(client_host).run(f"docker exec {app} sh -c \"{fetch}\"")
            assert got.rc == 0, f"no page in {TRIES} tries: {got.stdout}{got.stderr}"
            tries.append(int(got.stdout.split()[-1]))
    finally:
        undone = make("unimpair", f"NODE={server_host}", test_lab=test_lab, check=False)
    assert undone.returncode == 0, undone.stderr
    with capsys.disabled():
        retried = sum(t > 1 for t in tries)
        print(f"\n  LOSS=5% on {server_host}: {lost} of {ECHOES} echoes lost; {FETCHES} pages "
              f"of web by name, {retried} needed a retry (most tries: {max(tries)}): TCP "
              "resends what netem drops")


def _netem_line(lab: Lab, host: str) -> str:
    lines = lab.host(host).check_output("tc qdisc show dev eth1").splitlines()
    return next((line for line in lines if line.startswith("qdisc netem")), "")


def test_pulumi_up_sets_the_links_the_stack_declares(lab, request, capsys):
    """`swarmlab:links` in the stack: `pulumi up` puts the declared netem in place, replacing
    one set by hand with `make impair` (refused where the kernel has none, before anything
    changes), and takes it away once the stack no longer declares it."""
    test_lab = _changes_the_lab(request)
    client_host, client, far = pair(lab, "secure-net-")
    pulumi = builder.pulumi()
    has_netem = _has_netem(lab, far)
    before = min_rtt(lab, client_host, client) if has_netem else 0.0
    undone = healed = None
    try:
        if has_netem:
            make("impair", f"NODE={far}", "DELAY=20ms", test_lab=test_lab)
        pulumi("config", "set", "--path", f"swarmlab:links.{far}.delay", "100ms")
        if not has_netem:
            refused = pulumi.up(check=False)
            said = refused.stdout + refused.stderr
            assert refused.returncode != 0 and "sch_netem" in said, said
            assert "nothing was changed" in said, said
            assert not _netem_line(lab, far)
            return
        pulumi.up()
        declared = _netem_line(lab, far)
        assert "delay 100ms" in declared, declared
        during = min_rtt(lab, client_host, client)
        # A plain `pulumi up` leaves the tool's record of what was done by hand as it was
        # (`make up` clears it); `make unimpair` forgets it, and the declared netem stays.
        make("unimpair", f"NODE={far}", test_lab=test_lab)
        assert "delay 100ms" in _netem_line(lab, far)
        status = make("status", test_lab=test_lab, check=False)
        assert f"links (stack): {far} (delay 100ms)" in status.stdout, status.stdout
    finally:
        pulumi("config", "rm", "swarmlab:links", check=False)
        if has_netem:
            undone = pulumi.up(check=False)
            healed = make("heal", test_lab=test_lab, check=False)
    assert undone is not None and undone.returncode == 0, undone and undone.stdout + undone.stderr
    assert healed is not None and healed.returncode == 0, healed and healed.stderr
    gone = _netem_line(lab, far)
    after = min_rtt(lab, client_host, client)
    with capsys.disabled():
        print(f"\n  swarmlab:links {far} delay 100ms, over `make impair DELAY=20ms`: secure_net "
              f"least RTT {before:.1f} ms -> {during:.1f} ms; links removed: {after:.1f} ms, "
              f"netem {'left: ' + gone if gone else 'gone'}")
    # Every echo's reply leaves the delayed host: 100 ms is the least any round trip can take.
    assert during >= 100, (before, during)
    assert not gone
    assert after - before < 50, (before, after)
