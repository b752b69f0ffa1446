"""The closed lists a contact file meets (the unknown-values step,
unknown_values.py): tags, and the choices of each mapped choice or
multiple-choice custom field. A value no list knows is listed in the
preview; "create" makes a new tag or adds the choice to its field, "use"
reads it as an existing one.

What a run created is listed on it (`created_values`: {"tags": [tag ids],
"custom:<key>": [choices]}) so that undo removes those nothing else uses.
Without a choice (an import started some other way), a new tag is created
as it always was and an unknown choice fails its row.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from app.extensions import db
from modules.contacts.importer.unknown_values import CREATE, ClosedList, Option, Tally, fold, name_to_create, resolve
from modules.contacts.models import ContactTag, CustomField, CustomValue, ImportRun, Tag

TAGS = "tags"
CHOICE_TYPES = ("choice", "multi_choice")


def _custom_key(field: CustomField) -> str:
    return f"custom:{field.key}"


def choice_list(field: CustomField) -> ClosedList:
    choices = list(field.choices or ())
    return ClosedList(_custom_key(field), f"choice of “{field.label}”", [Option(c, c) for c in choices],
                      {fold(c): c for c in choices})


def tag_list() -> ClosedList:
    options, known = [], {}
    for ident, name in db.session.execute(select(Tag.id, Tag.name).order_by(Tag.name)):
        options.append(Option(str(ident), name))
        known.setdefault(fold(name), str(ident))
    return ClosedList(TAGS, "tag", options, known)


class ValueLists:
    """The lists one run's mapping meets, its choices, and a tally of the
    unknown values its rows use (for the preview)."""

    def __init__(self, run: ImportRun, fields: list[CustomField]):
        mapped = set((run.mapping or {}).values())
        self.choices = run.value_choices or {}
        self.lists: dict[str, ClosedList] = {}
        if "tags" in mapped:
            self.lists[TAGS] = tag_list()
        for field in fields:
            if field.type in CHOICE_TYPES and _custom_key(field) in mapped:
                self.lists[_custom_key(field)] = choice_list(field)
        self.tally = Tally()

    def unknowns(self):
        return self.tally.unknowns(list(self.lists.values()), self.choices)

    def tag(self, name: str) -> str:
        """The tag a row's `name` means: an existing tag's name, or the name
        to create it under (chosen "create", or nothing chosen)."""
        closed = self.lists[TAGS]
        found = resolve(closed, name, self.choices)
        if found is None or found[0] != "known":
            self.tally.add(closed, name)
        if found is None:
            return name
        how, value = found
        if how == "create":
            return name_to_create(closed, name, self.choices)[:60]
        return closed.option(value).label

    def choice(self, field: CustomField, text: str) -> str | None:
        """The field's choice a row's `text` means (an existing one, or one
        chosen to be created), or None when unknown and nothing is chosen."""
        closed = self.lists[_custom_key(field)]
        found = resolve(closed, text, self.choices)
        if found is None or found[0] != "known":
            self.tally.add(closed, text)
        if found is None:
            return None
        how, value = found
        return name_to_create(closed, text, self.choices) if how == "create" else value


def add_created_choices(run: ImportRun, fields: list[CustomField]) -> None:
    """Before a run reads its rows: add the choices chosen "create" to their
    fields (once: a choice already there, in any case, is left alone)."""
    created = {key: list(values) for key, values in (run.created_values or {}).items()}
    for field in fields:
        key = _custom_key(field)
        wanted = [folded for folded, choice in (run.value_choices or {}).get(key, {}).items() if choice == CREATE]
        have = {fold(c) for c in field.choices or ()}
        new = [name_to_create(choice_list(field), folded, run.value_choices) for folded in wanted
               if folded not in have]
        if new:
            field.choices = [*(field.choices or ()), *new]
            created[key] = [*created.get(key, []), *new]
    if created != (run.created_values or {}):
        run.created_values = created
        db.session.flush()


def note_created_tags(run: ImportRun, ids: list[int]) -> None:
    created = {key: list(values) for key, values in (run.created_values or {}).items()}
    created[TAGS] = [*created.get(TAGS, []), *ids]
    run.created_values = created


def remove_created(run: ImportRun) -> str:
    """After undo has removed the run's contacts: delete the tags it created
    and the choices it added that nothing uses; what it did, for people."""
    removed, kept = [], []
    created = run.created_values or {}
    for ident in created.get(TAGS, []):
        tag = db.session.get(Tag, ident)
        if tag is None:
            continue
        if db.session.scalar(select(exists().where(ContactTag.tag_id == ident))):
            kept.append(f"tag “{tag.name}”")
        else:
            db.session.delete(tag)
            removed.append(f"tag “{tag.name}”")
    for field in db.session.scalars(select(CustomField)):
        added = created.get(_custom_key(field), [])
        if not added:
            continue
        unused = []
        for choice in added:
            used = db.session.scalar(select(exists().where(CustomValue.field_id == field.id,
                                                           CustomValue.value_text == choice)))
            (kept if used else removed).append(f"choice “{choice}” of {field.label}")
            if not used:
                unused.append(choice)
        field.choices = [c for c in field.choices or () if c not in unused]
    run.created_values = {}
    db.session.flush()
    parts = []
    if removed:
        parts.append(f"Removed the {', '.join(removed)} it created.")
    if kept:
        parts.append(f"Kept the {', '.join(kept)} it created: other contacts use them now.")
    return " ".join(parts)
