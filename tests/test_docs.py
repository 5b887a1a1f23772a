"""Links in the documentation lead somewhere: every relative link in README.md, docs/*.md,
notebooks/README.md and benchmarks/README.md names a file or folder of the repository, and every
`#anchor` (in the same file or in another markdown file) names a heading there, by the slugs
GitHub gives headings. Links to other sites are not fetched."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _documents() -> list[Path]:
    paths = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
             ROOT / "notebooks" / "README.md", ROOT / "benchmarks" / "README.md"]
    return [p for p in paths if p.is_file()]


FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"       # [text], one level of [] inside
                         r"\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"  # (target
                         r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")          #  "title")
REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
HTML_ANCHOR = re.compile(r"<a\s[^>]*(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", re.I)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    out, fence = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0] * len(m.group(1))
        elif fence is not None and re.fullmatch(rf"\s{{0,3}}{fence}{fence[0]}*\s*", line):
            fence = None
        elif fence is None:
            out.append((number, line))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text: the rendered text in lower case, without
    punctuation other than '-' and '_', each space a '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text)                          # inline HTML
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The anchors of a markdown text: heading slugs (repeats numbered -1, -2, ... as GitHub
    does) and explicit <a name/id> anchors."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    lines = _prose_lines(text)
    previous: tuple[int, str] | None = None
    for number, line in lines:
        heading = None
        m = ATX.match(line)
        if m:
            heading = m.group(2)
        elif (SETEXT.match(line) and previous is not None and previous[0] == number - 1
              and previous[1].strip() and not previous[1].lstrip().startswith(("|", "-", "*", ">"))
              and not ATX.match(previous[1])):
            heading = previous[1].strip()
        if heading is not None:
            base = slug(heading)
            n = seen.get(base, 0)
            found.add(base if n == 0 else f"{base}-{n}")
            seen[base] = n + 1
        found.update(HTML_ANCHOR.findall(line))
        previous = (number, line)
    return found


def links(text: str) -> list[tuple[int, str]]:
    """(line number, target) of every inline link, image and reference definition outside code."""
    out = []
    for number, line in _prose_lines(text):
        prose = CODE_SPAN.sub("", line)
        targets = [m.group(1) for m in INLINE_LINK.finditer(prose)]
        m = REFERENCE_DEF.match(prose)
        if m:
            targets.append(m.group(1))
        out += [(number, t[1:-1] if t.startswith("<") else t) for t in targets]
    return out


def broken_links(doc: Path, root: Path = ROOT) -> list[str]:
    """A description of every link of `doc` that does not resolve inside `root`."""
    text = doc.read_text(encoding="utf-8")
    problems = []
    for number, target in links(text):
        if not target or SCHEME.match(target) or target.startswith("//"):
            continue  # another site (http:, https:, mailto:): not checked
        path_part, _, fragment = target.partition("#")
        where = f"{doc.relative_to(root)}:{number}: link {target!r}"
        if path_part:
            dest = (doc.parent / unquote(path_part)).resolve()
            if not dest.is_relative_to(root.resolve()):
                problems.append(f"{where} leads outside the repository")
                continue
            if not dest.exists():
                problems.append(f"{where}: {dest.relative_to(root.resolve())} does not exist")
                continue
        else:
            dest = doc
        if fragment and dest.suffix == ".md":
            if unquote(fragment) not in anchors(dest.read_text(encoding="utf-8")):
                problems.append(f"{where}: {dest.name} has no heading with anchor "
                                f"#{unquote(fragment)}")
    return problems


def test_slugs_follow_github() -> None:
    assert slug("Gradients and backward()") == "gradients-and-backward"
    assert slug("Checkpoints (nn.save and nn.load)") == "checkpoints-nnsave-and-nnload"
    assert slug("NaN and inf (detect_anomaly)") == "nan-and-inf-detect_anomaly"
    assert slug("Functional transforms, custom Functions, gradcheck") == \
        "functional-transforms-custom-functions-gradcheck"
    assert slug("`nn.Module` and [state dicts](x.md)") == "nnmodule-and-state-dicts"
    assert slug("Größe — 2 × 3") == "größe--2--3"


def test_anchors_skip_code_and_number_repeats() -> None:
    text = ("# Title\n\n```python\n# not a heading\n```\n\n## Part\n\n## Part\n\nSetext\n---\n"
            '<a name="here"></a>\n')
    assert anchors(text) == {"title", "part", "part-1", "setext", "here"}


def test_links_skip_code() -> None:
    text = ("[a](x.md) `[b](y.md)` ![c](img.png 'title')\n```\n[d](z.md)\n```\n"
            "[e]: <f g.md>\n[h](<i j.md>)\n")
    assert [t for _, t in links(text)] == ["x.md", "img.png", "f g.md", "i j.md"]


def test_broken_links_are_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "B.md").write_text("# B\n\n## Known part\n", encoding="utf-8")
    doc = tmp_path / "A.md"
    doc.write_text("# A\n[ok](docs/B.md#known-part) [self](#a) [web](https://example.com/x)\n"
                   "[gone](docs/C.md) [no heading](docs/B.md#removed) [here](#nowhere)\n"
                   "[out](../elsewhere.md)\n", encoding="utf-8")
    problems = broken_links(doc, tmp_path)
    assert len(problems) == 4, problems
    assert "docs/C.md does not exist" in problems[0]
    assert "#removed" in problems[1] and "#nowhere" in problems[2]
    assert "outside the repository" in problems[3]


def test_there_are_documents() -> None:
    names = {str(p.relative_to(ROOT)) for p in _documents()}
    assert {"README.md", "docs/ERRORS.md"} <= names


@pytest.mark.parametrize("doc", _documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves(doc: Path) -> None:
    problems = broken_links(doc)
    assert not problems, "\n".join(problems)
