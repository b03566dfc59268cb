"""What every command shares: the ``commission`` group, its readable failures, the values it parses,
the settings, the engine, and whom a command acts as."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from commission import parsing, policy
from commission.config import ConfigurationError, Settings, environment_name, load_settings, system_language
from commission.db import make_engine, make_session_factory
from commission.errors import CommissionError, InvalidInput
from commission.i18n import DEFAULT_LOCALE, LOCALES, translations


def _cli_locale() -> str:
    lang = system_language()
    return lang if lang in LOCALES else DEFAULT_LOCALE


def fail(text: str, code: int = 1) -> NoReturn:
    click.echo(f"commission: {text}", err=True)
    sys.exit(code)


class _Parsed(click.ParamType):  # type: ignore[type-arg]
    """A command-line value read by the same parser as the forms, with its message in the user's language."""

    def __init__(self, name: str, parse: Callable[[str], Any]) -> None:
        self.name = name
        self._parse = parse

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self._parse(value)
        except InvalidInput as invalid:
            self.fail(invalid.message.render(translations(_cli_locale()).gettext), param, ctx)


ID = _Parsed("id", lambda text: parsing.parse_id(text, "id"))
DAY = _Parsed("YYYY-MM-DD", lambda text: parsing.parse_date(text, "date"))
# Bounded against overflow only: the command says itself which years have figures.
YEAR = _Parsed("year", lambda text: parsing.parse_whole(text, "year", minimum=1, maximum=9999))


def _safe_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


class CommissionGroup(click.Group):
    """Turns the failures an operator can meet into one readable line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigurationError as error:
            fail(str(error), 2)
        except CommissionError as error:
            fail(error.message.render(translations(_cli_locale()).gettext))
        except OperationalError as error:
            lines = str(error.orig or error).strip().splitlines()
            reason = lines[0] if lines else ""
            settings = ctx.find_root().obj
            url = _safe_url(settings) if isinstance(settings, Settings) else ""
            fail(f"cannot reach the database {url}: {reason}", 3)
        except SQLAlchemyError as error:
            fail(f"database error: {str(error).splitlines()[0]}", 3)


def _settings(ctx: click.Context, environment: str | None = None) -> Settings:
    settings = load_settings(environment=environment)
    ctx.find_root().obj = settings
    return settings


def _engine(settings: Settings) -> Engine:
    """An engine whose connections are closed when the command ends."""
    engine = make_engine(settings.database_url)
    click.get_current_context().call_on_close(engine.dispose)
    return engine


@click.group(cls=CommissionGroup)
@click.version_option(package_name="commission")
def main() -> None:
    """The apartment commission: applications, hearings, places, deposits, follow-up."""


def _actor(session: Any, login: str | None) -> Any:
    """Whom the command acts as: the account given with --as, else the first active coordinator."""
    from sqlalchemy import select

    from commission.models.accounts import User

    query = select(User).where(User.active)
    query = query.where(User.login == login.lower()) if login else query.where(policy.coordinators_clause())
    user = session.execute(query.order_by(User.id).limit(1)).scalar_one_or_none()
    if user is None:
        fail(f"no active account {login!r}" if login else "no active coordinator account: create one with "
             "`commission user add --role coordinator`")
    return user


def _hearing_session(ctx: click.Context) -> Any:
    settings = _settings(ctx, environment_name("development"))
    return settings, make_session_factory(_engine(settings))()


AS_OPTION = click.option("--as", "as_login", metavar="LOGIN",
                         help="Act with this account's rights (default: the first active coordinator).")
