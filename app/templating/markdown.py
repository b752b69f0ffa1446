"""A Markdown template turned into an HTML template, its Jinja tags intact.

The Markdown is converted once, on the template's source, before any merge
value exists; the sandbox then fills in the HTML with autoescaping
(formats.py). So a merge value can never become Markdown or markup: a donor
named "*Bob* <b>x</b>" prints exactly that.

Markdown must not see the tags themselves (a `|` filter would split a table
cell, `{{ url }}` in a link would be percent-encoded, `{% if %}` on its own
line would become a paragraph), so each tag is swapped for a placeholder of
letters and digits first and put back after:

- a line holding nothing but block tags (`{% if %}`, `{% for %}`, ...) becomes
  an HTML comment, which Markdown keeps as a block of its own: the tag stays
  between paragraphs rather than inside one;
- in a table (the line before it is a table row, starting with `|`) such a
  line becomes a row of its own, which is then replaced by the tag: a
  `{% for %}` around table rows repeats rows; in a list (a list item after
  it, or before it where the list ends) likewise an item of its own, so a
  `{% for %}` around items repeats items, not lists;
- every other tag (`{{ donor.name }}`, an inline `{% if %}`) is a word.

CommonMark with tables, HTML allowed (the sanitiser has the last word) and
one change for letters: a line break is a line break (a signature under
"With gratitude,", an address), a blank line starts a paragraph.
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache

from markdown_it import MarkdownIt

# Jinja's default delimiters: {{ }}, {% %}, {# #}, with their whitespace-control dashes.
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
BLOCK_LINE = re.compile(r"^([ \t]*)((?:\{%.*?%\}|\{#.*?#\})(?:[ \t]*(?:\{%.*?%\}|\{#.*?#\}))*)[ \t]*$")
LIST_ITEM = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]+\S")
ALIGNED = re.compile(r"text-align:(left|right|center)")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable("table")
    md.core.ruler.push("align_classes", _align_classes)
    return md


def _align_classes(state) -> None:
    """Table alignment as a class (align-right, ...), not a style attribute:
    the pages' Content-Security-Policy forbids style attributes, and the
    sanitiser removes them."""
    for token in state.tokens:
        style = token.attrGet("style") if token.type in ("th_open", "td_open") else None
        if style:
            match = ALIGNED.fullmatch(str(style))
            token.attrs.pop("style", None)
            if match:
                token.attrSet("class", f"align-{match.group(1)}")


_MD = _parser()


class _Tags:
    """The tags taken out of a source, and their placeholders."""

    def __init__(self, source: str):
        nonce = secrets.token_hex(4)
        while nonce in source:
            nonce = secrets.token_hex(4)
        self.prefix = f"jinja{nonce}t"
        self.tags: list[str] = []

    def hold(self, tag: str) -> str:
        self.tags.append(tag)
        return f"{self.prefix}{len(self.tags) - 1}x"

    def pattern(self) -> re.Pattern:
        return re.compile(re.escape(self.prefix) + r"(\d+)x")


def _neighbours(lines: list[str], index: int) -> tuple[str, str | None]:
    """The nearest lines before and after lines[index] that are not block
    tags ("" before the start; None after the end)."""
    before = next((lines[i] for i in range(index - 1, -1, -1) if not BLOCK_LINE.match(lines[i])), "")
    after = next((lines[i] for i in range(index + 1, len(lines)) if not BLOCK_LINE.match(lines[i])), None)
    return before, after


def _width(text: str) -> int:
    return len(text.expandtabs(4))


def _marker(item: re.Match) -> str:
    marker = item.group(2)
    return "1" + marker[-1] if marker[-1] in ".)" else marker


def _list_marker(lines: list[str], index: int, indent: str) -> str | None:
    """The list marker a block tag takes to stay inside the list it stands
    in: that of the item after it at its indentation, or, when the list
    ends there (a blank line or the end follows), of the nearest item
    before it at its indentation."""
    _, after = _neighbours(lines, index)
    item = LIST_ITEM.match(after or "")
    if item is not None and _width(item.group(1)) == _width(indent):
        return _marker(item)
    if (after or "").strip():
        return None
    for line in reversed(lines[:index]):
        if not line.strip() or BLOCK_LINE.match(line):
            continue
        item = LIST_ITEM.match(line)
        width = _width(line) - _width(line.lstrip())
        if item is not None and width == _width(indent):
            return _marker(item)
        if item is None and width <= _width(indent):
            return None  # a paragraph at its level: not in a list
    return None


def _protect(source: str, tags: _Tags) -> tuple[str, set[str]]:
    """The source with placeholders for its tags; and the placeholders that
    stand for a whole table row or list item."""
    source = source.replace("\r\n", "\n")
    # A tag over several lines (a long {% if %}) is a word, wherever it stands.
    source = TAG.sub(lambda match: tags.hold(match.group(0)) if "\n" in match.group(0) else match.group(0), source)
    original = source.split("\n")
    lines, whole = [], set()
    for index, line in enumerate(original):
        block = BLOCK_LINE.match(line)
        if not block:
            lines.append(TAG.sub(lambda match: tags.hold(match.group(0)), line))
            continue
        indent, text = block.groups()
        held = tags.hold(text)
        before, _ = _neighbours(original, index)
        marker = _list_marker(original, index, indent)
        if before.lstrip().startswith("|"):
            whole.add(held)
            lines.append(f"{indent}{held}")           # a row of the table, replaced by the tag after
        elif marker is not None:
            whole.add(held)
            lines.append(f"{indent}{marker} {held}")  # an item of the list (as indented as the tag), replaced after
        else:
            lines.append(f"{indent}<!--{held}-->")    # a block of its own
    return "\n".join(lines), whole


def _restore(html: str, tags: _Tags, whole: set[str]) -> str:
    found = tags.pattern()
    # A placeholder that became a table row or a list item of its own: the row or item is the tag.
    for held in whole:
        html = re.sub(rf"<tr>\s*<t[dh][^>]*>{held}</t[dh]>(?:\s*<t[dh][^>]*></t[dh]>)*\s*</tr>\n?"
                      rf"|<li>\s*(?:<p>)?{held}(?:</p>)?\s*</li>\n?",
                      lambda _m, held=held: held + "\n", html)
    html = re.sub(rf"<!--({found.pattern})-->", r"\1", html)
    return found.sub(lambda match: tags.tags[int(match.group(1))], html)


@lru_cache(maxsize=64)
def to_html(source: str) -> str:
    """The HTML template a Markdown template stands for (cached: a batch
    run fills the same template in for every letter)."""
    tags = _Tags(source)
    protected, rows = _protect(source, tags)
    return _restore(_MD.render(protected), tags, rows)
