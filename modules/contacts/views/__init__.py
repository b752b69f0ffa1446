"""The contacts blueprint, mounted at /contacts/. Each file holds one area."""

from flask import Blueprint

bp = Blueprint("contacts", __name__, template_folder="../templates")


@bp.app_template_global("phone_example")
def _phone_example() -> str:
    from modules.contacts.people import phones

    return phones.example()


from modules.contacts.views import (  # noqa: E402,F401
    admin,
    admin_fields,
    admin_tags,
    admin_types,
    contact,
    duplicates,
    exports,
    imports,
    listing,
    privacy,
    tasks,
    timeline,
    trash,
)
