"""The methods of built-in values a template may call. Jinja's sandbox
already refuses private attributes and changing what a template is given;
this also refuses the methods that can build a big value from small
arguments ((1).to_bytes(10**9), "x".translate(...)), except a few useful
ones whose result is measured before the call."""

from __future__ import annotations

from decimal import Decimal

from jinja2.exceptions import SecurityError
from markupsafe import Markup

from app.templating import sizes
from app.templating.guard import Guard

_TEXT = frozenset("""capitalize casefold count encode endswith find index isalnum isalpha isascii isdecimal
    isdigit isidentifier islower isnumeric isprintable isspace istitle isupper lower lstrip partition
    removeprefix removesuffix rfind rindex rpartition rsplit rstrip split splitlines startswith strip
    striptags swapcase title unescape upper""".split())
_NUMBER = frozenset("bit_length conjugate is_integer".split())

# (the types, the methods of theirs a template may call), most specific first.
ALLOWED: tuple[tuple[tuple[type, ...], frozenset[str]], ...] = (
    ((str,), _TEXT),
    ((bytes,), frozenset("count decode endswith find hex index startswith".split())),
    ((bool, int, float, complex, Decimal), _NUMBER),
    ((list,), frozenset("copy count index".split())),
    ((tuple, range), frozenset("count index".split())),
    ((dict,), frozenset("copy get items keys values".split())),
    ((set, frozenset), frozenset("""copy difference intersection isdisjoint issubset issuperset
        symmetric_difference union""".split())),
)
_BUILT_INS = tuple(kind for kinds, _ in ALLOWED for kind in kinds)


_PADDING = ("center", "ljust", "rjust", "zfill")
_MEASURED = frozenset({*_PADDING, "expandtabs", "replace", "join"})


def _measure(guard: Guard, text: str, name: str, args: tuple) -> tuple:
    """Check the size of text.<name>(*args) before the call; the arguments
    to call it with."""
    if name in _PADDING:
        guard.room_for_text(sizes.pad_size(text, args[0] if args else 0))
    elif name == "expandtabs":
        guard.room_for_text(sizes.expandtabs_size(text, *args))
    elif name == "replace":
        guard.room_for_text(sizes.replace_size(text, *args))
    else:  # join: its items are walked here, once, and the join gets them as a list
        items = list(guard.counted(args[0])) if args else []
        guard.room_for_text(sizes.join_size(text, items, guard.limits.string))
        return (items,)
    return args


def check(guard: Guard, method, args: tuple, kwargs: dict) -> tuple:
    """Refuse `method` or measure what it will build; the arguments to call
    it with (a join's items, already walked, come back as a list)."""
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if isinstance(owner, type) and issubclass(owner, _BUILT_INS):
        if owner is Markup and name == "escape":
            return args
        raise SecurityError(f"calling {owner.__name__}.{name}() is not allowed")
    for kinds, allowed in ALLOWED:
        if isinstance(owner, kinds):
            if name in allowed:
                return args
            if isinstance(owner, str) and name in _MEASURED and not kwargs:
                return _measure(guard, owner, name, args)
            raise SecurityError(f"calling {type(owner).__name__}.{name}() is not allowed")
    return args
