"""What the money edit forms share around app/edits: a record that someone
else deleted while the form was open is said so, never a crash."""

from __future__ import annotations

from flask import abort, flash, request
from sqlalchemy.orm.exc import ObjectDeletedError

from app import edits
from app.extensions import db
from app.htmx import redirect_after_post


class Gone(Exception):
    """The record was deleted between loading it and saving the form."""


def settle(form, record, current) -> bool:
    """`edits.settle`, raising `Gone` when the row is no longer there."""
    try:
        return edits.settle(form, record, current)
    except ObjectDeletedError:
        db.session.rollback()
        raise Gone from None


def gone(what: str, back_url: str):
    """A save (POST) of a deleted record: say so and go to `back_url`; a GET is a plain 404."""
    if request.method != "POST":
        abort(404)
    flash(f"{what} was deleted by someone else while you were editing it, so your changes "
          "could not be saved.", "error")
    return redirect_after_post(back_url)
