"""Turning arbitrary strings into text that Graphviz shows as written and never parses as markup.

User strings (tensor names, module paths, ModuleDict keys) reach two places with different rules:

- HTML-like labels: XML entities are decoded first, then Graphviz collapses a doubled backslash,
  so `<`, `&`, quotes are written as entities and each backslash is doubled.
- Tooltips are escStrings: Graphviz expands `\\N`, `\\G`, `\\E`... in them, and how many times it
  unescapes a backslash differs between Graphviz versions. No spelling of a backslash survives
  every version, so a tooltip shows a backslash as the look-alike U+29F5 (⧵).

Control characters, which XML cannot carry, become their visible Unicode pictures (␀, ␉...).
"""

from __future__ import annotations

import html
import re

BACKSLASH_IN_TOOLTIP = "\u29f5"

# C0 controls except newline, DEL, lone surrogates and the two XML non-characters.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _picture(m: re.Match) -> str:
    c = ord(m.group())
    if c < 0x20:
        return chr(0x2400 + c)  # the Control Pictures block: ␀ ␁ ... ␟
    if c == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def sanitize(s: object) -> str:
    """Any object's text with line breaks normalized and nothing XML cannot hold."""
    text = s if isinstance(s, str) else str(s)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub(_picture, text)


def html_text(s: object) -> str:
    """Text for inside an HTML-like label; newlines become line breaks."""
    text = html.escape(sanitize(s), quote=True).replace("\\", "\\\\")
    return text.replace("\n", "<BR/>")


def tooltip_text(s: object) -> str:
    """Text for a tooltip (an escString attribute); newlines stay newlines."""
    text = sanitize(s).replace("\\", BACKSLASH_IN_TOOLTIP)
    return html.escape(text, quote=True).replace("\n", "&#10;")


def shorten(s: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut."""
    return s if len(s) <= limit else s[: max(limit - 1, 0)] + "\u2026"
