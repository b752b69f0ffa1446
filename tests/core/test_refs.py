"""Lazy `"package.module:attr"` references in manifests (app/refs.py):
resolved on first use and kept, a clear error naming the module and the
reference when one is wrong, and real objects still accepted."""

from __future__ import annotations

import sys
import types

import pytest

from app.refs import BadReference, Ref
from app.registry import JobHandler, Module, SearchProvider, Widget
from modules.contacts.hooks import ContactHooks, filter_specs


@pytest.fixture
def scratch_module():
    """A real module in sys.modules that a reference can point at, counting
    the calls of its function."""
    module = types.ModuleType("steward_scratch_refs")
    module.calls = []
    module.greet = lambda who="you": module.calls.append(who) or f"Hello, {who}"
    module.nested = types.SimpleNamespace(answer=lambda: 42)
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def test_a_reference_is_imported_on_first_use_and_called_like_its_target(scratch_module):
    del sys.modules["steward_scratch_refs"]
    ref = Ref("steward_scratch_refs:greet")  # nothing imported yet: the module is not there
    sys.modules["steward_scratch_refs"] = scratch_module
    assert ref("Ada") == "Hello, Ada"
    assert scratch_module.calls == ["Ada"]


def test_a_resolved_reference_is_kept(scratch_module):
    ref = Ref("steward_scratch_refs:greet")
    first = ref.target
    scratch_module.greet = lambda who="you": "replaced"
    assert ref.target is first and ref("Ada") == "Hello, Ada"


def test_references_reach_nested_attributes_and_whole_modules(scratch_module):
    assert Ref("steward_scratch_refs:nested.answer")() == 42
    assert Ref("steward_scratch_refs").target is scratch_module


def test_a_missing_attribute_names_the_module_and_the_reference(scratch_module):
    widget = Widget("w", "W", "core.dashboard", "steward_scratch_refs:gret")
    Module(name="scratch", title="Scratch", widgets=[widget])
    with pytest.raises(BadReference) as error:
        widget.render()
    assert str(error.value) == ("steward: module 'scratch': reference 'steward_scratch_refs:gret': "
                                "steward_scratch_refs has no 'gret'")


def test_a_missing_python_module_names_the_module_and_the_reference():
    hooks = ContactHooks(merge="steward_no_such_package.records:merge")
    Module(name="scratch", title="Scratch", extends={"contacts": hooks})
    with pytest.raises(BadReference) as error:
        hooks.merge(1, 2)
    assert str(error.value).startswith("steward: module 'scratch': reference "
                                       "'steward_no_such_package.records:merge' cannot be imported: ")
    assert "steward_no_such_package" in str(error.value).split("imported: ")[1]


def test_a_malformed_reference_is_refused_when_the_manifest_is_built():
    with pytest.raises(BadReference) as error:
        JobHandler("scratch.job", "steward_scratch_refs:greet:twice")
    assert str(error.value) == ("steward: reference 'steward_scratch_refs:greet:twice' is not "
                                "'package.module:attribute'")


def test_real_callables_are_still_accepted():
    def search(query, limit):
        return [(query, "/", "")][:limit]

    provider = SearchProvider("Scratch", "core.search", search)
    assert provider.search is search
    assert provider.search("ada", 5) == [("ada", "/", "")]


def test_manifest_references_resolve_to_the_hooks_they_name(app):
    # The real manifests: every reference resolves, and the contacts hooks
    # read through them give both modules' filter criteria.
    refs = [ref for module in app.extensions["steward"].enabled for ref in _refs(module)]
    assert len(refs) > 20
    assert [ref.spec for ref in refs if ref.target is None] == []  # a wrong one raises BadReference
    with app.test_request_context():
        keys = set(filter_specs())
    assert {"tag", "city"} <= keys  # contacts' own
    assert {"gave", "lybunt", "donor_status"} <= keys  # the pipeline's


def _refs(value):
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _refs(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _refs(getattr(value, name))
