"""Lazy references from a manifest to code: `"package.module:attr"`.

Every installed module's manifest is imported at start-up, enabled or not,
so a manifest names the code it contributes instead of importing it. A
reference is written as an entry point's value is (`"pkg.mod:attr.sub"`, or
`"pkg.mod"` for the module itself) and imported the first time it is used,
then kept. Manifest fields that point at code pass their value through
`lazy()`, so a module may give a reference or the object itself.
"""

from __future__ import annotations

import importlib
import re

_SPEC = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*)?")
_UNRESOLVED = object()


class BadReference(ImportError):
    """A reference that names no importable module or no such attribute."""


class Ref:
    """`"pkg.mod:attr"`, imported on first use. Calling a Ref calls its
    target, so a reference stands wherever a callable is expected."""

    __slots__ = ("spec", "owner", "_target")

    def __init__(self, spec: str, owner: str = ""):
        if not _SPEC.fullmatch(spec):
            raise BadReference(f"steward: {_whose(owner)}reference {spec!r} is not "
                               f"'package.module:attribute'")
        self.spec, self.owner, self._target = spec, owner, _UNRESOLVED

    @property
    def target(self):
        if self._target is _UNRESOLVED:
            self._target = self._resolve()
        return self._target

    def _resolve(self):
        module_name, _, attrs = self.spec.partition(":")
        try:
            obj = importlib.import_module(module_name)
        except ImportError as error:
            raise BadReference(f"steward: {_whose(self.owner)}reference {self.spec!r} cannot be "
                               f"imported: {error}") from error
        for attr in attrs.split(".") if attrs else ():
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                raise BadReference(f"steward: {_whose(self.owner)}reference {self.spec!r}: "
                                   f"{module_name} has no {attrs!r}") from None
        return obj

    def __call__(self, *args, **kwargs):
        return self.target(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Ref({self.spec!r})"


def _whose(owner: str) -> str:
    return f"module {owner!r}: " if owner else ""


def lazy(value):
    """A manifest field's value as given, or a Ref when it is a string."""
    return Ref(value) if isinstance(value, str) else value


def resolve(value):
    """The object a field points at: a Ref's target, anything else as is."""
    return value.target if isinstance(value, Ref) else value


def lazy_fields(declaration, *names: str) -> None:
    """`lazy()` on the named fields of a (possibly frozen) dataclass, from
    its `__post_init__`."""
    for name in names:
        object.__setattr__(declaration, name, lazy(getattr(declaration, name)))


def claim(value, owner: str) -> None:
    """Name `owner` in the errors of every Ref in `value` (a field's value: a
    Ref, a list of declarations, or a declaration whose fields hold Refs)."""
    if isinstance(value, Ref):
        value.owner = value.owner or owner
    elif isinstance(value, list | tuple | dict):
        for item in value.values() if isinstance(value, dict) else value:
            claim(item, owner)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            claim(getattr(value, name), owner)
