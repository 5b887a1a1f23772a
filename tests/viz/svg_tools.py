"""Reading the SVG that Graphviz writes: nodes, edges, clusters, their text and tooltips."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed")


@dataclass
class Item:
    """One node, edge or cluster of the picture."""

    name: str  # the <title>: a node's DOT id, "a->b" for an edge, "cluster_..." for a cluster
    cls: str
    text: list[str]  # the label's lines, in order
    tooltip: str | None
    element: ET.Element

    @property
    def joined(self) -> str:
        return "\n".join(self.text)

    def fills(self) -> set[str]:
        return {e.get("fill") for e in self.element.iter()
                if e.tag in (SVG + "polygon", SVG + "path", SVG + "ellipse") and e.get("fill")}

    def strokes(self) -> set[str]:
        return {e.get("stroke") for e in self.element.iter()
                if e.tag in (SVG + "polygon", SVG + "path", SVG + "ellipse") and e.get("stroke")}


@dataclass
class Picture:
    root: ET.Element
    nodes: dict[str, Item]
    edges: list[tuple[str, str]]
    edge_items: list[Item]
    clusters: dict[str, Item]

    def by_class(self, word: str) -> list[Item]:
        return [n for n in self.nodes.values() if word in n.cls.split()]

    def graph_nodes(self) -> dict[str, Item]:
        """Nodes of the computation itself: no notes, no legend."""
        return {k: v for k, v in self.nodes.items()
                if not {"note", "legend"} & set(v.cls.split())}

    def find(self, text: str) -> Item:
        hits = [n for n in self.nodes.values() if text in n.text]
        assert len(hits) == 1, f"{len(hits)} nodes have the line {text!r}"
        return hits[0]

    def out_degree(self, name: str) -> int:
        return sum(1 for s, _ in self.edges if s == name)

    def in_degree(self, name: str) -> int:
        return sum(1 for _, d in self.edges if d == name)


def _item(g: ET.Element) -> Item:
    title = g.find(SVG + "title")
    name = "" if title is None else (title.text or "")
    texts = [t.text or "" for t in g.iter(SVG + "text")]
    link = g.find(f".//{SVG}a")
    tooltip = None if link is None else link.get(XLINK_TITLE)
    return Item(name, g.get("class", ""), texts, tooltip, g)


def parse(svg: str | bytes) -> Picture:
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    root = ET.fromstring(data)
    nodes: dict[str, Item] = {}
    edges: list[tuple[str, str]] = []
    edge_items: list[Item] = []
    clusters: dict[str, Item] = {}
    for g in root.iter(SVG + "g"):
        classes = g.get("class", "").split()
        if "node" in classes:
            item = _item(g)
            nodes[item.name] = item
        elif "edge" in classes:
            item = _item(g)
            src, _, dst = item.name.partition("->")
            edges.append((src, dst))
            edge_items.append(item)
        elif "cluster" in classes:
            item = _item(g)
            # a cluster's own text only: nodes inside it are separate <g> siblings
            clusters[item.name] = item
    return Picture(root, nodes, edges, edge_items, clusters)


def render(graph) -> Picture:
    return parse(graph.pipe(format="svg"))
