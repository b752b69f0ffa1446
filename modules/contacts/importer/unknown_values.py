"""The "unknown values" step of an import: a column that goes to a closed list
(funds, appeals, payment methods, tags, custom-field choices) meets values
the database does not know. The preview lists each such value once, with how
many rows use it; the user chooses "create it" or "use this existing one"
(a near match offered first) and the choice applies to every row.

An importer describes each list as a `ClosedList`; this module tallies the
values, finds near matches (RapidFuzz), reads and checks the choices a form
posted, and resolves a row's value with them. Choices are stored on the
import record as `{list key: {folded value: "create" | "use:<option>"}}`
(and, under NAMES, the spelling each value to create is created under),
so a re-render, the job and the CLI all read the same thing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

CREATE = "create"
USE = "use:"
NAMES = "names"  # choices[NAMES][list key][folded value]: the spelling to create a value under
NEAR_ENOUGH = 75  # rapidfuzz WRatio (0-100) from which an existing option is offered as the near match


def fold(text: str) -> str:
    """How values are compared: case and runs of spaces ignored."""
    return " ".join((text or "").split()).casefold()


@dataclass(frozen=True)
class Option:
    """An existing entry of a list: `value` is what a choice stores (an id
    or a code), `label` what the user reads."""

    value: str
    label: str


@dataclass
class ClosedList:
    """A list an import column goes to. `known` maps each folded spelling
    that already means an option (its name, code, synonyms) to the option's
    value; `can_create` is False for a fixed code list."""

    key: str  # "fund", "tags", "custom:colour"
    noun: str  # "fund", "tag", "choice of Colour"
    options: list[Option]
    known: dict[str, str]
    can_create: bool = True

    def option(self, value: str) -> Option | None:
        if len(getattr(self, "_by_value", ())) != len(self.options):  # options may have grown (a value created)
            self._by_value = {o.value: o for o in self.options}
        return self._by_value.get(value)

    def near(self, text: str) -> Option | None:
        """The existing option most like `text`, if any is alike enough."""
        if not self.options:
            return None
        from rapidfuzz import fuzz, process  # loaded when used, not in every web process

        found = process.extractOne(fold(text), {o.value: fold(o.label) for o in self.options},
                                   scorer=fuzz.WRatio, score_cutoff=NEAR_ENOUGH)
        return self.option(found[2]) if found else None


@dataclass
class Unknown:
    """One value a list does not know: as most of its rows spell it, the rows
    using it (any spelling), the near match, and the choice made (if any)."""

    closed: ClosedList
    value: str
    rows: int = 0
    near: Option | None = None
    choice: str = ""
    error: str = ""

    @property
    def folded(self) -> str:
        return fold(self.value)

    def choices(self) -> list[tuple[str, str]]:
        """What the user can choose, (token, label), the near match first."""
        out = []
        if self.closed.can_create:
            out.append((CREATE, f"Create “{self.value}” as a new {self.closed.noun}"))
        ordered = ([self.near] if self.near else []) + [o for o in self.closed.options if o != self.near]
        for option in ordered:
            suffix = " (near match)" if option == self.near else ""
            out.append((USE + option.value, f"Use “{option.label}”{suffix}"))
        return out


@dataclass
class Tally:
    """Unknown values seen while reading rows, per list: each folded value's
    spellings and how many rows use each."""

    seen: dict[str, dict[str, Counter]] = field(default_factory=dict)  # key -> folded -> spellings

    def add(self, closed: ClosedList, text: str) -> None:
        self.seen.setdefault(closed.key, {}).setdefault(fold(text), Counter())[" ".join(text.split())] += 1

    def unknowns(self, lists: list[ClosedList], choices: Mapping[str, Mapping[str, str]]) -> list[Unknown]:
        """Every unknown value, list by list, the most used first, shown as
        most rows spell it; each with its stored choice (a fixed list's near
        match preselected) and what is wrong with that choice."""
        out = []
        for closed in lists:
            stored = choices.get(closed.key, {})
            found = [(spellings.most_common(1)[0][0], spellings.total())
                     for spellings in self.seen.get(closed.key, {}).values()]
            for value, rows in sorted(found, key=lambda e: (-e[1], fold(e[0]))):
                item = Unknown(closed, value, rows, closed.near(value))
                item.choice = stored.get(item.folded, "")
                if not item.choice and not closed.can_create and item.near:
                    item.choice = USE + item.near.value
                item.error = problem(item, item.choice)
                out.append(item)
        return out


def problem(item: Unknown, choice: str) -> str:
    """What is wrong with `choice` for `item` ("" when it can be used)."""
    closed = item.closed
    if not choice:
        if closed.can_create:
            return f"Choose whether to create “{item.value}” or use an existing {closed.noun}."
        return f"Choose which {closed.noun} “{item.value}” means."
    if choice == CREATE:
        return "" if closed.can_create else f"This list is fixed: choose which {closed.noun} “{item.value}” means."
    if choice.startswith(USE) and closed.option(choice[len(USE):]):
        return ""
    return f"That {closed.noun} no longer exists; choose again."


def field_names(index: int) -> tuple[str, str]:
    """The form fields of the `index`-th unknown value: (its folded value, the choice)."""
    return f"unknown-{index}-value", f"unknown-{index}-choice"


def read_form(form: Mapping[str, str], unknowns: list[Unknown],
              stored: Mapping[str, Mapping[str, str]]) -> tuple[dict, bool]:
    """The choices a posted form makes, merged over the `stored` ones, and
    whether every unknown value now has a usable choice. Sets each item's
    `choice` and `error` so that the page re-renders with what was chosen."""
    posted = {}
    index = 0
    while field_names(index)[0] in form:
        value_name, choice_name = field_names(index)
        if choice_name in form:  # a form without the field keeps what was stored
            posted[form.get(value_name, "")] = form.get(choice_name, "")
        index += 1
    choices = {key: dict(values) for key, values in stored.items()}
    complete = True
    for item in unknowns:
        choice = posted.get(item.folded, item.choice)
        item.choice, item.error = choice, problem(item, choice)
        if item.error:
            complete = False
        if choice:
            choices.setdefault(item.closed.key, {})[item.folded] = choice
        if choice == CREATE:
            choices.setdefault(NAMES, {}).setdefault(item.closed.key, {})[item.folded] = item.value
    return choices, complete


def name_to_create(closed: ClosedList, text: str, choices: Mapping) -> str:
    """The name a value chosen "create" is created under: as the preview
    showed it (the spelling most rows use), else as `text` spells it."""
    return choices.get(NAMES, {}).get(closed.key, {}).get(fold(text)) or " ".join(text.split())


def resolve(closed: ClosedList, text: str, choices: Mapping[str, Mapping[str, str]]) -> tuple[str, str] | None:
    """What a row's `text` means: ("known", option value), ("use", option
    value), ("create", folded value), or None (unknown, nothing chosen)."""
    folded = fold(text)
    if folded in closed.known:
        return "known", closed.known[folded]
    choice = choices.get(closed.key, {}).get(folded, "")
    if choice == CREATE and closed.can_create:
        return "create", folded
    if choice.startswith(USE) and closed.option(choice[len(USE):]):
        return "use", choice[len(USE):]
    return None


def create_all(unknowns: list[Unknown], choices: Mapping, keys: tuple[str, ...]) -> dict:
    """`choices` with "create" for every unknown value of the lists named by
    `keys` that has no choice yet (the gift CLI's --create-funds)."""
    out = {key: dict(values) for key, values in choices.items()}
    for item in unknowns:
        if item.closed.key in keys and item.closed.can_create and not item.choice:
            item.choice = CREATE
            out.setdefault(item.closed.key, {})[item.folded] = CREATE
            out.setdefault(NAMES, {}).setdefault(item.closed.key, {})[item.folded] = item.value
    return out
