"""The three-way check of an edit form against what is stored now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import request

from app.database import hold_row_lock
from app.edits import changers
from app.edits.fingerprints import compared, field_print, read_token, token_for

KEEP_PREFIX = "edit_keep-"
MINE, THEIRS = "mine", "theirs"


@dataclass(frozen=True)
class Conflict:
    """What the other person saved in one field, for the form to show."""

    name: str
    theirs: str  # their value as text
    who: str
    at: datetime | None


def stamp(form) -> None:
    """Give `form`, showing the stored values, its edit token."""
    form.edit_token = token_for(form)


def settle(form, record, current: Callable[[], object], *, token: str | None = ...) -> bool:
    """Reconcile a validated `form` with what is stored now. True: save it
    (fields only someone else changed now hold their value). False: the
    form now shows its conflicts; render it again with status 409.

    `current()` builds the same form from the stored record (as the page
    that showed it did). `record` is row-locked first, so that nobody can
    save between this check and the caller's commit."""
    form.edit_taken, form.edit_conflicts = [], []
    read = read_token(request.form.get("edit_token") if token is ... else token)
    if read is None:
        return True
    shown_at, base = read
    hold_edit_lock(record)
    stored = current()
    who = changers.Changers(record, since=shown_at)
    conflicts, taken = [], []
    for name in compared(form):
        mine, theirs = form[name], stored[name]
        b, t, m = base.get(name), field_print(theirs), field_print(mine)
        choice = request.form.get(KEEP_PREFIX + mine.name)  # the posted name: a prefixed form's is prefixed
        if choice == THEIRS:
            _take(form, name, theirs)
        elif b is None or t == b or m == t:
            continue  # nobody else changed it, or both made the same change
        elif m == b:
            _take(form, name, theirs)
            taken.append(mine.label.text)
        else:
            name_at = who.of(name)
            conflicts.append(Conflict(name, display(theirs), *name_at))
    form.edit_taken = taken
    form.edit_conflicts = conflicts
    if not conflicts:
        return True
    from app.extensions import db

    db.session.rollback()  # let go of the lock while the person decides
    # Theirs is the new base: what the person keeps now is their decision.
    form.edit_token = token_for(stored)
    for conflict in conflicts:
        form[conflict.name].edit_conflict = conflict
    return False


def hold_edit_lock(record) -> None:
    """Lock what `record` stands for until the commit: its row, or what its
    own `hold_edit_lock()` says (a module's settings, see `SettingsRecord`)."""
    own = getattr(record, "hold_edit_lock", None)
    if own is not None:
        own()
    else:
        hold_row_lock(record)


def saved_message(message: str, form) -> str:
    """`message`, plus which fields now hold what someone else saved meanwhile."""
    taken = getattr(form, "edit_taken", None)
    if taken:
        message += f" Someone else's changes to {', '.join(taken)} were kept."
    return message


def _take(form, name: str, stored_field) -> None:
    """Put the stored field in place of the posted one (works for lists and subforms too)."""
    form._fields[name] = stored_field
    setattr(form, name, stored_field)


def display(field) -> str:
    """A field's value as a person reads it (a choice's label, Yes/No, the rows of a list)."""
    kind = field.type
    if kind in ("FieldList",):
        return "; ".join(text for text in (display(entry) for entry in field.entries) if text)
    if kind == "FormField":
        return ", ".join(text for text in (display(sub) for sub in field if sub.type != "CSRFTokenField") if text)
    if kind == "BooleanField":
        return "Yes" if field.data else "No"
    if hasattr(field, "iter_choices"):
        labels = [str(label) for value, label, selected, *_ in field.iter_choices() if selected and value != ""]
        return ", ".join(labels)
    value = field._value() if hasattr(field, "_value") else field.data
    return "" if value is None else str(value)
