"""The reachability matrix from an inspect document: who is tried against whom, and the
table the results make (the live lab's own matrix is in tests/lab/test_verbs.py)."""

from __future__ import annotations

from modules.checks.model import Result
from tools.lab import matrix


def test_each_network_is_a_group_with_its_members(doc):
    groups = {g.title: g for g in matrix.groups(doc)}
    assert {"myoverlay", "secure_net", "mymacvlan", "bridge on manager", "myappnet on worker",
            "none on manager"} <= set(groups)
    # No system network, no config-only network: nothing of the lab's runs on them alone.
    assert not any(t.startswith(("ingress", "docker_gwbridge", "host", "mymacvlan-config"))
                   for t in groups)
    overlay = groups["myoverlay"]
    assert [(m.label, m.name) for m in overlay.members] == [("app", "tasks.app"),
                                                            ("web", "tasks.web")]
    assert {m.host for m in overlay.members} == {"manager", "worker"}
    assert groups["secure_net"].encrypted and not overlay.encrypted
    assert [m.label for m in groups["bridge on manager"].members] == ["web1", "web2"]


def test_the_none_container_is_tried_against_its_hosts_other_containers(doc):
    none = next(g for g in matrix.groups(doc) if g.title == "none on manager")
    pairs = matrix.pairs(none)
    assert {s.label for s, _ in pairs} == {"isolated"}
    assert {t.label for _, t in pairs} == {"web1", "web2", "app", "db", "web"}
    assert all(t.address for _, t in pairs)


def test_every_pair_is_tried_by_name_and_by_address(doc):
    tried = matrix.checks(matrix.groups(doc))
    overlay = [(s.label, t.label, how, c.target) for g, s, t, how, c in tried
               if g.title == "myoverlay"]
    assert ("app", "web", "name", "tasks.web") in overlay
    assert any(row[:3] == ("app", "web", "address") and row[3].startswith("10.")
               for row in overlay)
    encrypted = [c for g, *_, c in tried if g.title == "secure_net"]
    assert encrypted and all(c.requires == "esp" for c in encrypted)


def test_the_table_shows_the_seeds_lessons(doc):
    groups = matrix.groups(doc)
    tried = matrix.checks(groups)

    def outcome(group, how, check):
        if group.encrypted:
            return Result(check, "skipped", "no ESP", "kernel")
        if group.network == "none" or (group.network == "bridge" and how == "name"):
            return Result(check, "refused", "bad address")
        return Result(check, "reached")

    results = [outcome(g, how, c) for g, _, _, how, c in tried]
    text = matrix.render("swarmlab", groups, tried, results)
    cells = [[c.strip() for c in line.strip("|").split("|")]
             for line in text.splitlines() if line.startswith("| ")]
    rows = {row[0]: row[3:6] for row in cells}
    assert rows["bridge on manager"][:2] == ["none", "all"]
    assert rows["myappnet on manager"][:2] == ["all", "all"]
    assert rows["none on manager"][:2] == ["none", "none"]
    assert rows["myoverlay"] == ["all", "all", "all"]
    assert rows["secure_net"][0] == "n/a (no ESP in this kernel)"
    assert "| web1 | - | name no, address yes |" in text
