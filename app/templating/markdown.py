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
  `{% for %}` around table rows repeats rows;
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


def _protect(source: str, tags: _Tags) -> tuple[str, set[str]]:
    """The source with placeholders for its tags; and the placeholders that
    stand for a whole table row."""
    source = source.replace("\r\n", "\n")
    # A tag over several lines (a long {% if %}) is a word, wherever it stands.
    source = TAG.sub(lambda match: tags.hold(match.group(0)) if "\n" in match.group(0) else match.group(0), source)
    lines, rows, previous = [], set(), ""
    for line in source.split("\n"):
        block = BLOCK_LINE.match(line)
        if block:
            indent, text = block.groups()
            held = tags.hold(text)
            if previous.lstrip().startswith("|"):
                rows.add(held)
                lines.append(f"{indent}{held}")       # a row of the table, removed after
            else:
                lines.append(f"{indent}<!--{held}-->")  # a block of its own
            continue
        previous = line
        lines.append(TAG.sub(lambda match: tags.hold(match.group(0)), line))
    return "\n".join(lines), rows


def _restore(html: str, tags: _Tags, rows: set[str]) -> str:
    found = tags.pattern()
    # A placeholder that became a table row of its own: the row is the tag.
    for held in rows:
        html = re.sub(rf"<tr>\s*<t[dh][^>]*>{held}</t[dh]>(?:\s*<t[dh][^>]*></t[dh]>)*\s*</tr>\n?",
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
