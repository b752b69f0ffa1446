"""Submitting a page's form the way a browser does, from its HTML: every
control's name and value (checked boxes and radios only, selected options,
text areas' text), so a test can change a field or two and post the rest
as shown. Used by the edit-conflict tests: what a form carries matters."""

from __future__ import annotations

from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict


class _Form(HTMLParser):
    def __init__(self, action: str | None):
        super().__init__(convert_charrefs=True)
        self.want, self.inside, self.done = action, False, False
        self.pairs: list[list[str]] = []
        self.select: str | None = None
        self.select_first: list | None = None
        self.select_chosen = False
        self.text: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and not self.done and not self.inside:
            self.inside = self.want is None or self.want in a.get("action", "") or \
                self.want in a.get("hx-post", "")
            return
        if not self.inside or "name" not in a and tag not in ("option",):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.pairs.append([a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")])
        elif tag == "textarea":
            self.text = [a["name"], ""]
            self.pairs.append(self.text)
        elif tag == "select":
            self.select, self.select_first, self.select_chosen = a["name"], None, False
        elif tag == "option" and self.select is not None:
            pair = [self.select, a.get("value", "")]
            if self.select_first is None:
                self.select_first = pair
            if "selected" in a:
                self.pairs.append(pair)
                self.select_chosen = True

    def handle_data(self, data):
        if self.text is not None:
            self.text[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.text is not None:
            self.text[1] = self.text[1].removeprefix("\r\n").removeprefix("\n")
            self.text = None
        elif tag == "select" and self.select is not None:
            if not self.select_chosen and self.select_first is not None:
                self.pairs.append(self.select_first)
            self.select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_data(html: str, action: str | None = None) -> MultiDict:
    """What the first form (whose action or hx-post contains `action`, when
    given) would submit as it stands, ready to post."""
    parser = _Form(action)
    parser.feed(html)
    assert parser.done or parser.pairs, f"no form with action {action!r}"
    return MultiDict([(name, value) for name, value in parser.pairs])


def changed(data: MultiDict, **values) -> MultiDict:
    """`data` with the fields named in `values` set (a list sets every value
    of a name, for check boxes); the rest as the page showed them."""
    out = data.copy()
    for name, value in values.items():
        out.setlist(name, value if isinstance(value, list) else [value])
    return out
