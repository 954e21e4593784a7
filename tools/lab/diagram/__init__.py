"""The lab diagram, drawn from the inspect document (tools/lab/inspect.py).

- model.py:   the inspect document -> what the drawing shows (pure);
- draw.py:    the model as a Graphviz graph, laid out by `dot` into SVG and PNG;
- mermaid.py: the model as a Mermaid flowchart, for GitHub Markdown.

`write` renders all three in memory and writes them only when neither the document nor any of
them holds a swarm join token or unlock key (or the "[secret]" stand-in for one): a
half-written set of files could leak one as surely as a whole one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tools.lab.diagram import draw, mermaid, model
from tools.lab.inspect_doc import check_no_secret

__all__ = ["render", "write"]


def render(doc: Mapping[str, Any]) -> dict[str, bytes]:
    """The drawing of an inspect document, by file suffix: svg, png and mmd."""
    check_no_secret(repr(doc))
    drawing = model.build(doc)
    dot = draw.graph(drawing)
    chart = mermaid.render(drawing)
    check_no_secret(dot.source)
    check_no_secret(chart)
    files = draw.render(dot)
    check_no_secret(files["svg"].decode())
    files["mmd"] = chart.encode()
    return files


def write(doc: Mapping[str, Any], out_base: Path) -> list[Path]:
    """Write `<out_base>.svg`, `.png` and `.mmd`; returns their paths, in that order."""
    files = render(doc)
    out_base.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix in ("svg", "png", "mmd"):
        path = out_base.with_name(f"{out_base.name}.{suffix}")
        path.write_bytes(files[suffix])
        paths.append(path)
    return paths
