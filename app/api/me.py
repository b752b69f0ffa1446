"""`GET /api/v1/me`: who the token is, and what it may do now."""

from __future__ import annotations

import marshmallow as ma
from flask import g
from flask_login import current_user
from flask_smorest import Blueprint

from app.permissions import signed_in, user_permissions

blp = Blueprint("api_me", __name__, description="The token in use")


class Me(ma.Schema):
    user_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    token = ma.fields.String(required=True, metadata={"description": "The token's name."})
    scopes = ma.fields.List(ma.fields.String(), required=True)
    permissions = ma.fields.List(ma.fields.String(), required=True,
                                 metadata={"description": "What the token may do now: its scopes, within "
                                                          "its user's current permissions."})
    expires_at = ma.fields.AwareDateTime(allow_none=True, required=True)


@blp.route("/me")
@signed_in
@blp.response(200, Me)
def me():
    token = g.api_token
    return {"user_id": current_user.id, "name": current_user.name, "email": current_user.email,
            "token": token.name, "scopes": list(token.scopes or ()), "permissions": sorted(user_permissions()),
            "expires_at": token.expires_at}
