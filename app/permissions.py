"""Default-deny permissions.

Every view declares what it needs with one of the decorators below; a
`before_request` hook enforces it, so a view that declares nothing is refused
(and the permission-walk test names it). Roles are sets of permissions
declared by the core and the enabled modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import wraps

from flask import current_app, g
from flask_login import current_user

PUBLIC = "@public"
SIGNED_IN = "@signed-in"

BUILTIN_ROLES = {
    "admin": ("Administrator", "Everything, including users, roles and settings."),
    "manager": ("Manager", "All records in every module, including deleting, "
                "importing, exporting and module settings."),
    "staff": ("Staff", "Day-to-day work: see and edit records."),
    "volunteer": ("Volunteer", "Read-only access to records."),
}

# Which built-in roles get a module permission, by the permission's suffix.
SUFFIX_DEFAULTS = {
    "view": ("manager", "staff", "volunteer"),
    "edit": ("manager", "staff"),
}


def _declare(perm: str):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        wrapper.steward_permission = perm
        return wrapper

    return decorator


def public(view):
    """Anyone may open this view, signed in or not."""
    return _declare(PUBLIC)(view)


def signed_in(view):
    """Any signed-in user may open this view."""
    return _declare(SIGNED_IN)(view)


def permission_required(perm: str):
    """The signed-in user needs `perm` (declared by the core or a module)."""
    return _declare(perm)


def view_permission(view) -> str | None:
    return getattr(view, "steward_permission", None)


def default_roles_for(perm: str, module) -> tuple[str, ...]:
    if perm in module.role_defaults:
        return module.role_defaults[perm]
    if perm.startswith("admin."):
        return ()
    suffix = perm.rsplit(".", 1)[-1]
    return SUFFIX_DEFAULTS.get(suffix, ("manager",))


def declared_permissions(app=None) -> dict[str, tuple[str, str]]:
    """`{permission: (description, module title)}` for the core and enabled modules."""
    app = app or current_app
    return app.extensions["steward"].permissions


def role_permissions(role, app=None) -> frozenset[str]:
    """The permissions a role has right now, limited to enabled modules."""
    state = (app or current_app).extensions["steward"]
    if role.key == "admin":
        return frozenset(state.permissions)
    if role.key is not None:
        return state.builtin_grants.get(role.key, frozenset())
    return frozenset(g.permission for g in role.grants if g.permission in state.permissions)


def user_permissions() -> frozenset[str]:
    # Asked ~40 times a page (views, nav, templates): the request's answer is
    # looked up first, before the current_user proxy is touched.
    perms = g.get("steward_perms")
    if perms is not None:
        return perms
    if not current_user.is_authenticated:
        return frozenset()
    g.steward_perms = role_permissions(current_user.role)
    return g.steward_perms


def ungrantable(perms: Iterable[str]) -> list[str]:
    """Of `perms`, those the signed-in user does not hold, sorted.

    The one rule of every page that hands out rights (users, invitations,
    roles): nobody grants a permission they do not hold, so a user or role
    manager can never raise anyone, themselves included, above their own level.
    """
    return sorted(set(perms) - user_permissions())


def can(perm: str) -> bool:
    if perm == PUBLIC:
        return True
    if perm == SIGNED_IN:
        return current_user.is_authenticated
    if perm.endswith(".*"):  # any permission in a group, e.g. "admin.*"
        return any(p.startswith(perm[:-1]) for p in user_permissions())
    return perm in user_permissions()
