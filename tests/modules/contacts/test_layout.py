"""The contacts package reads as a table of contents (issue 15): a handful of
files at the top and one folder per area (docs/modules.md, "The contacts
package layout"). A new module goes into the folder of its area; a new top
level entry means a new area, named here and in the docs."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import modules.contacts

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = Path(modules.contacts.__file__).parent

TOP_LEVEL = {
    "__init__.py",
    "models.py",
    "hooks.py",
    "signals.py",
    "cli.py",
    "seed.py",
    "people",
    "lists",
    "activity",
    "dedupe",
    "importer",
    "views",
    "api",
    "contracts",
    "templates",
    "migrations",
}

# The modules that left the top level, and the folder each lives in now.
MOVED = {
    "records": "people",
    "relations": "people",
    "phones": "people",
    "custom_fields": "people",
    "forms": "people",
    "privacy": "people",
    "queries": "lists",
    "filters": "lists",
    "search": "lists",
    "segments": "lists",
    "bulk": "lists",
    "export": "lists",
    "timeline": "activity",
    "tasks_service": "activity",
    "duplicates": "dedupe",
    "merge": "dedupe",
    "admin_forms": "views",
}

OLD_NAMES = "|".join(MOVED)
# Old references, as code, reference strings ("modules.contacts.x:attr") or file paths.
OLD_DOTTED = re.compile(r"(?<![\w.])modules\.contacts\.(" + OLD_NAMES + r")\b")
OLD_PATH = re.compile(r"(?<![\w.-])(?<!tests/)modules/contacts/(" + OLD_NAMES + r")\b(?!/)")
SEARCHED = ("app", "modules", "tests", "bench", "docs", "migrations", "pyproject.toml", "README.md")


def _entries() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__" and not p.name.startswith(".")}


def _submodules() -> list[str]:
    found = pkgutil.walk_packages([str(PACKAGE)], "modules.contacts.")
    return sorted(info.name for info in found)


def _files():
    for top in SEARCHED:
        start = ROOT / top
        for path in [start] if start.is_file() else start.rglob("*"):
            if path.is_file() and path.suffix in (".py", ".md", ".toml", ".html") and not (
                    {"vendor", "__pycache__"} & set(path.parts)):
                yield path


def test_the_top_level_holds_only_the_table_of_contents():
    assert _entries() == TOP_LEVEL


def test_each_moved_module_lives_in_its_folder_and_nowhere_else():
    for name, group in MOVED.items():
        assert (PACKAGE / group / f"{name}.py").is_file(), name
        assert not (PACKAGE / f"{name}.py").exists(), name
        assert not (PACKAGE / name).exists(), f"a folder named {name} would hide modules.contacts.{group}.{name}"


def test_every_folder_says_what_it_holds():
    folders = sorted(e for e in TOP_LEVEL if (PACKAGE / e).is_dir() and e not in ("templates", "migrations"))
    assert folders == ["activity", "api", "contracts", "dedupe", "importer", "lists", "people", "views"]
    for folder in folders:
        doc = importlib.import_module(f"modules.contacts.{folder}").__doc__
        assert doc and len(doc.strip()) > 20, folder


def test_every_submodule_imports():
    names = _submodules()
    expected = {f"modules.contacts.{group}.{name}" for name, group in MOVED.items()}
    assert expected <= set(names)
    assert "modules.contacts.importer.run" in names and "modules.contacts.views.contact" in names
    failed = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as error:  # every failure is reported at once
            failed[name] = repr(error)
    assert failed == {}


def test_nothing_names_a_module_where_it_used_to_be():
    stale = []
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if OLD_DOTTED.search(line) or OLD_PATH.search(line):
                stale.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
        if path.suffix == ".py":
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.ImportFrom) and node.module == "modules.contacts" and not node.level:
                    stale += [f"{path.relative_to(ROOT)}:{node.lineno}: from modules.contacts import {a.name}"
                              for a in node.names if a.name in MOVED]
    assert stale == []
