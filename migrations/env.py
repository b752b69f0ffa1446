"""Alembic environment shared by the core and every module's branch."""

from alembic import context
from flask import current_app

config = context.config
target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def include_name(name, type_, parent_names):
    """Full-text tables (SQLite FTS5 and its shadow tables, the PostgreSQL
    search table) are made by hand in migrations; autogenerate leaves them be."""
    return not (type_ == "table" and "_fts" in (name or ""))


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _wide_version_table(connection):
    """Alembic's own alembic_version holds ids of up to 32 characters;
    module revisions are named `<module>_<nnnn>_<what>` and can be longer
    (pipeline_0014_gift_fund_day_rollup is 34), which PostgreSQL refuses
    (SQLite does not check). Make the column 255 wide before Alembic
    writes to it; an existing table is widened once."""
    if connection.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    connection.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(255) NOT NULL, "
                            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
    connection.execute(text("ALTER TABLE alembic_version ALTER COLUMN version_num TYPE VARCHAR(255)"))
    connection.commit()


def run_migrations_online():
    def skip_empty(ctx, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []

    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("process_revision_directives", skip_empty)
    args.setdefault("include_name", include_name)
    with target_db.engine.connect() as connection:
        _wide_version_table(connection)
        context.configure(connection=connection, target_metadata=target_db.metadata, **args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
