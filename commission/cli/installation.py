"""Setting up, running and backing up an installation: the database, the demo, the server, backups."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click
from sqlalchemy import Engine

from commission import migrate
from commission.cli.base import OUTPUT_FILE_IN_NEW_FOLDERS, _engine, _safe_url, _settings, fail, main
from commission.config import Settings, environment_name
from commission.i18n import msg


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create or migrate the database to the latest schema (safe to run again)."""
    settings = _settings(ctx, environment_name("development"))
    engine = _engine(settings)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(engine)
    click.echo(f"database ready at revision {migrate.current_revision(engine)}: {_safe_url(settings)}")


def _serve(settings: Settings, engine: Engine | None, host: str, port: int, threads: int) -> None:
    import waitress

    from commission.web import create_app

    app = create_app(settings, engine=engine)
    click.echo(f"serving on http://{host}:{port}/  (Ctrl+C to stop)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="commission")


@main.command()
@click.option("--no-serve", is_flag=True, help="Build the demo database, print the accounts, and stop.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5055, show_default=True, type=click.IntRange(1, 65535))
@click.option("--seed", default=2026, show_default=True, type=int, help="Same seed, same demo.")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 1000),
              help="N times more synthetic volume.")
@click.pass_context
def demo(ctx: click.Context, no_serve: bool, host: str, port: int, seed: int, scale: int) -> None:
    """A fresh database full of realistic data, then serve it. The demo is built aside and replaces the
    instance's database only once complete (see commission/demo_install.py); a database that holds anything
    else than a demo is never replaced."""
    from commission.demo_install import install_demo

    settings = _settings(ctx, "development")
    result = install_demo(settings.database_url, settings.instance_path, seed=seed, scale=scale)
    click.echo(
        f"demo database: {_safe_url(settings)} — {result.towns} towns, {result.places} places, "
        f"{result.applicants} applicants"
    )
    # A demo is not a deployment: its visitors log in with a password only, and may try two-factor login
    # from their account's page. A deployment requires it of the roles that read medical details.
    click.echo("two-factor login is optional in this demo: a password logs in (a deployment requires a code "
               "of the coordinator and care teams, see COMMISSION_TWO_FACTOR)")
    click.echo("demo accounts (role, login, password):")
    for account in result.accounts:
        click.echo(f"  {account.role.value:<12} {account.login:<22} {account.password}")
    if not no_serve:
        _serve(replace(settings, two_factor_required=False), _engine(settings), host, port, threads=8)


def _refuse_an_incomplete_demo(engine: Engine) -> None:
    from commission.demo_install import DatabaseKind, database_kind

    with engine.connect() as connection:
        incomplete = database_kind(connection) is DatabaseKind.INCOMPLETE_DEMO
    if incomplete:
        fail(msg("This database holds a demo whose build did not finish: run `commission demo` again."))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Serve the application with a production WSGI server (waitress), behind an HTTPS reverse proxy."""
    settings = _settings(ctx)
    engine = _engine(settings)
    current, head = migrate.current_revision(engine), migrate.head_revision(engine)
    if current != head:
        fail(f"the database is at revision {current}, not {head}: run `commission db upgrade` first")
    _refuse_an_incomplete_demo(engine)
    # The operator's first try is often plain HTTP on the server itself: say at once what is expected.
    if settings.development:
        click.echo("development: plain HTTP is accepted and the session cookie is not Secure; never with real data")
    else:
        click.echo("production: HTTPS is expected in front of this server (a reverse proxy: nginx, Caddy...); "
                   "a request over plain HTTP gets a page that says so, and cannot log in")
    if settings.trusted_proxies:
        proxies = ", ".join(str(network) for network in settings.trusted_proxies)
        click.echo(f"trusted proxies (COMMISSION_TRUSTED_PROXIES): {proxies}; their X-Forwarded-For, -Proto and "
                   "-Host headers give the client's address and scheme")
    else:
        click.echo("trusted proxies: none (COMMISSION_TRUSTED_PROXIES is empty): X-Forwarded-* headers are ignored, "
                   "the client's address is the connection's; behind a proxy, list its address there")
    _serve(settings, engine, host, port, threads)


@main.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Migrate the database to the latest schema."""
    settings = _settings(ctx, environment_name("development"))
    engine = _engine(settings)
    migrate.upgrade(engine)
    click.echo(f"database at revision {migrate.current_revision(engine)}")


@db_group.command("check")
@click.pass_context
def db_check(ctx: click.Context) -> None:
    """Check that the database is at the latest revision and matches the models."""
    settings = _settings(ctx, environment_name("development"))
    engine = _engine(settings)
    current, head = migrate.current_revision(engine), migrate.head_revision(engine)
    if current != head:
        fail(f"the database is at revision {current}, the code expects {head}: run `commission db upgrade`")
    differences = migrate.schema_differences(engine)
    if differences:
        for difference in differences:
            click.echo(f"  {difference}", err=True)
        fail(f"the schema differs from the models in {len(differences)} places")
    click.echo(f"database at revision {current}; schema matches the models")


# ---------------------------------------------------------------- backups


@main.command("backup")
@click.argument("out", type=OUTPUT_FILE_IN_NEW_FOLDERS)
@click.pass_context
def backup_command(ctx: click.Context, out: Path) -> None:
    """Write a consistent backup (database and documents) to the archive OUT, while the application runs."""
    from commission import backup
    from commission.config import load_audit_settings

    settings = _settings(ctx, environment_name("development"))
    checkpoint_file = load_audit_settings().checkpoint_file
    try:
        manifest = backup.create_backup(settings.database_url, settings.instance_path / "documents", out,
                                        checkpoint_file=checkpoint_file)
    except backup.BackupError as error:
        fail(str(error))
    documents = sum(1 for name in manifest.members if name.startswith("documents/"))
    click.echo(f"backup written to {out}: {manifest.dialect} database at revision {manifest.revision}, "
               f"{documents} document(s); audit checkpoint appended to {backup.checkpoint_path(out, checkpoint_file)}")


@main.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@click.pass_context
def restore_command(ctx: click.Context, archive: Path, force: bool) -> None:
    """Check the backup ARCHIVE, restore it, then check the restored data."""
    from commission import backup

    settings = _settings(ctx, environment_name("development"))
    try:
        report = backup.restore_backup(archive, settings.database_url, settings.instance_path / "documents",
                                       force=force)
    except backup.BackupError as error:
        fail(str(error))
    if report.problems:
        for problem in report.problems:
            click.echo(f"problem: {problem}", err=True)
        fail(f"restored, but {len(report.problems)} problem(s) found: see above")
    click.echo(f"restored the backup of {report.manifest.created_at} (revision {report.manifest.revision}, "
               f"{report.documents} document(s)); all {report.checks} groups of checks passed")
