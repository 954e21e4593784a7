"""diagram.write: dot renders the SVG and PNG, the Mermaid text goes beside them, and nothing
at all is written when a join token, an unlock key or "[secret]" would appear."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from tools.lab import diagram
from tools.lab.diagram import mermaid, model


def svg_texts(svg: str) -> list[str]:
    """The words dot drew (the <text> elements), not the ids in its comments and titles."""
    return [html.unescape(t).replace("\xa0", " ") for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_write_renders_svg_png_and_mermaid(doc: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "sub" / "lab"
    paths = diagram.write(doc, out)
    assert paths == [tmp_path / "sub" / f"lab.{suffix}" for suffix in ("svg", "png", "mmd")]
    svg, png, mmd = paths
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert mmd.read_text() == mermaid.render(model.build(doc))
    texts = svg_texts(svg.read_text())
    for host in doc["hosts"]:
        assert f"{host['name']}  {host['address']}" in texts
    for net in ("mymacvlan", "myoverlay", "secure_net", "myappnet", "mynetwork", "bridge", "host", "none"):
        assert net in texts, net
    for c in doc["containers"]:
        assert (c["task"] or c["name"]) in texts
        for address in c["addresses"].values():
            assert address is None or address in texts, address
    assert "ENCRYPTED (IPsec)" in texts
    assert sorted(tmp_path.rglob("*")) == sorted([tmp_path / "sub", *paths])


def test_the_same_document_gives_the_same_files(doc: dict[str, Any], tmp_path: Path) -> None:
    first = [p.read_bytes() for p in diagram.write(doc, tmp_path / "a")]
    second = [p.read_bytes() for p in diagram.write(doc, tmp_path / "b")]
    assert first[0] == second[0] and first[2] == second[2]


def _leak_in_a_name(doc: dict[str, Any], leak: str) -> None:
    doc["containers"][0].update(name=f"app-{leak}", task=None)


def _leak_in_the_cluster_id(doc: dict[str, Any], leak: str) -> None:
    doc["swarm"]["cluster_id"] = leak


def _leak_in_a_field_not_drawn(doc: dict[str, Any], leak: str) -> None:
    doc["containers"][0]["image"] = leak


@pytest.mark.parametrize("leak", ["SWMTKN-1-" + "0" * 50 + "-x", "SWMKEY-1-abc", "[secret]"])
@pytest.mark.parametrize("where", [_leak_in_a_name, _leak_in_the_cluster_id, _leak_in_a_field_not_drawn])
def test_nothing_is_written_when_a_secret_would_appear(doc: dict[str, Any], tmp_path: Path, leak: str,
                                                       where: Any) -> None:
    where(doc, leak)
    with pytest.raises(ValueError, match="join token or unlock key would appear"):
        diagram.write(doc, tmp_path / "out" / "diagram")
    assert list(tmp_path.iterdir()) == []
