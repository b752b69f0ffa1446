"""Registers the core's blueprints."""

from flask import Flask


def register_core(app: Flask) -> None:
    from app import assets, dashboard, health, search, setup_views
    from app.admin import bp as admin_bp
    from app.auth.views import bp as auth_bp
    from app.calendar_feed.views import bp as calendar_bp
    from app.organisation_views import bp as logo_bp

    for blueprint in (assets.bp, health.bp, setup_views.bp, auth_bp, dashboard.bp, search.bp, calendar_bp, logo_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    from app.webhooks.views import bp as webhooks_bp

    app.register_blueprint(webhooks_bp, url_prefix="/admin/webhooks")
