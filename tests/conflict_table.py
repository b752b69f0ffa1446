"""The edit-conflict checks every guarded form passes (app/edits), driven by a
table: one `Case` per form says how to make a record, what each of two
people changes, and how to read back what is stored. Ada Admin saves first;
Sam Lee, on the page as it was before, saves second."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tests.forms import changed, form_data
from tests.two_editors import page, two_editors


@dataclass
class Case:
    """One edit form. `make(app)` -> (url, read) or (url, read, prefix):
    read(app) is a dict of what is stored, keyed like `merged`; `theirs`,
    `mine` and `clash` name fields as posted, after the form's `prefix`."""

    id: str
    make: Callable
    theirs: dict  # Ada's change
    mine: dict  # Sam's change, to other fields
    merged: dict  # what is stored once both saved
    clash: str  # a field both change
    their_value: object
    my_value: object
    stored: str  # the key of `clash` in read()
    their_stored: object
    my_stored: object
    their_shown: str  # how the conflict view shows Ada's value
    action: str | None = None  # the form's action, when not the url
    headers: dict = field(default_factory=dict)


def _post(client, case, url, data, **kw):
    return client.post(url, data=data, headers=case.headers, **kw)


def _open_both(app, case):
    """Both open the form; `case` comes back with its field names prefixed."""
    first, second = two_editors(app)
    url, read, *prefix = case.make(app)
    if prefix:
        def named(values):
            return {prefix[0] + name: value for name, value in values.items()}

        case = replace(case, theirs=named(case.theirs), mine=named(case.mine), clash=prefix[0] + case.clash)
    action = case.action or url
    mine_a = form_data(page(first, url, **case.headers), action)
    mine_b = form_data(page(second, url, **case.headers), action)
    assert mine_a.get("edit_token"), "the form carries no edit token"
    return case, first, second, url, read, mine_a, mine_b


def check_merge(app, case: Case):
    """Different fields: both changes are stored, and Sam is told Ada's were kept."""
    case, first, second, url, read, form_a, form_b = _open_both(app, case)
    assert _post(first, case, url, changed(form_a, **case.theirs)).status_code in (303, 204)
    saved = _post(second, case, url, changed(form_b, **case.mine))
    assert saved.status_code in (303, 204), saved.get_data(as_text=True)[:2000]
    stored = read(app)
    assert {k: stored[k] for k in case.merged} == case.merged


def check_clash(app, case: Case, choice: str):
    """The same field: a 409 showing Ada's value, name and Sam's typing, with
    nothing stored changed; then Sam keeps his (`mine`) or takes hers."""
    case, first, second, url, read, form_a, form_b = _open_both(app, case)
    assert _post(first, case, url, changed(form_a, **{case.clash: case.their_value})).status_code in (303, 204)
    clash = _post(second, case, url, changed(form_b, **{case.clash: case.my_value}))
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409, html[:2000]
    assert "Ada Admin changed this at" in html
    assert f'<p class="edit-theirs">{case.their_shown}</p>' in html
    assert html.count('class="edit-conflict"') == 1
    again = form_data(html, case.action or url)
    typed = case.my_value if isinstance(case.my_value, list) else [case.my_value]
    assert sorted(again.getlist(case.clash)) == sorted(typed)  # what Sam typed is still in the form
    assert read(app)[case.stored] == case.their_stored  # nothing of Sam's stored yet

    if choice == "theirs":
        again = changed(again, **{f"edit_keep-{case.clash}": "theirs"})
    assert _post(second, case, url, again).status_code in (303, 204)
    assert read(app)[case.stored] == (case.my_stored if choice == "mine" else case.their_stored)


def check_no_token(app, case: Case):
    """A form posted without a token (an old page, a script) saves as before: last save wins."""
    case, first, second, url, read, form_a, form_b = _open_both(app, case)
    assert _post(first, case, url, changed(form_a, **{case.clash: case.their_value})).status_code in (303, 204)
    form_b.pop("edit_token")
    assert _post(second, case, url, changed(form_b, **{case.clash: case.my_value})).status_code in (303, 204)
    assert read(app)[case.stored] == case.my_stored
