"""`flask api token create|list|revoke`: tokens for scripts and set-up."""

from __future__ import annotations

import click
from flask.cli import AppGroup

group = AppGroup("api", help="The REST API.")
token_group = AppGroup("token", help="Personal access tokens.")
group.add_command(token_group)


def _user(email: str):
    from app.extensions import db
    from app.models import User

    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user with the email {email}")
    if not user.active:
        raise click.ClickException(f"{email} is deactivated")
    return user


@token_group.command("create")
@click.option("--user", "email", required=True, help="The email of the token's user.")
@click.option("--name", required=True, help="What the token is for (shown in lists and the audit log).")
@click.option("--scope", "scopes", multiple=True,
              help="A permission the token gets (repeat); default: every API permission the user holds.")
@click.option("--expires", "days", type=int, default=365, show_default=True, help="Days until it expires.")
def create_command(email: str, name: str, scopes: tuple[str, ...], days: int):
    """Print a new token (shown only this once)."""
    from app.api import tokens
    from app.extensions import db

    user = _user(email)
    try:
        token, secret = tokens.create(user, name, list(scopes) or None, days, by=user)
    except tokens.TokenProblem as problem:
        raise click.ClickException(str(problem)) from None
    db.session.commit()
    click.echo(secret)


@token_group.command("list")
def list_command():
    """Every token: id, user, name, state, scopes."""
    from app.api import tokens
    from app.extensions import db
    from app.models import ApiToken

    for token in db.session.scalars(db.select(ApiToken).order_by(ApiToken.id)):
        click.echo(f"{token.id}\t{token.user.email}\t{token.name}\t{tokens.state(token)}\t{','.join(token.scopes)}")


@token_group.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int):
    """Revoke a token by its id (see `flask api token list`)."""
    from app.api import tokens
    from app.extensions import db
    from app.models import ApiToken

    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"no token {token_id}")
    tokens.revoke(token, by=None)
    db.session.commit()
    click.echo(f"revoked {token.name}")
