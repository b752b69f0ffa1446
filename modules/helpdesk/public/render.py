"""Rendering a help-centre page: the minimal layout's context."""

from __future__ import annotations

from flask import make_response, render_template

from app import organisation
from modules.helpdesk.portal import sessions


def page(template: str, status: int = 200, **context):
    response = make_response(render_template(template, logo=organisation.logo_data_uri(),
                                             portal_contact=sessions.contact(), **context), status)
    response.headers["Vary"] = "HX-Request, Cookie"
    return response


def not_found(message: str = "There is no such page here."):
    return page("helpdesk/help/not_found.html", 404, message=message)
