"""Settings, read from the environment, with embedded defaults.

``COMMISSION_DATABASE_URL``   SQLAlchemy URL; default: a SQLite file in the instance folder.
``COMMISSION_SECRET_KEY``     signs sessions and CSRF tokens; required in production.
``COMMISSION_INSTANCE_PATH``  folder for the SQLite file, the uploaded documents and local state.
``COMMISSION_ENV``            ``production`` (default) or ``development``.
``COMMISSION_IDLE_MINUTES``   minutes of inactivity after which a session ends (default 30).
``COMMISSION_SESSION_HOURS``  hours after its login a session ends, however active (default 12).
``COMMISSION_TRUSTED_PROXIES`` the reverse proxies (addresses or networks, separated by commas or spaces)
                             whose X-Forwarded-For/-Proto/-Host are believed; empty (default): none.
``COMMISSION_MAX_UPLOAD_MB``  largest request body accepted, in megabytes (default 10).
``COMMISSION_ROOM_REFRESH_SECONDS`` how often the room's screen asks where the session stands (default 5, at most
                             300).

Data protection:

``COMMISSION_TWO_FACTOR``            ``required`` (default): the roles that read medical details (coordinator,
                                     care teams) must log in with an authenticator app's code; ``optional``:
                                     nobody is made to (a demonstration, never a deployment).
``COMMISSION_ACCESS_LOG_DAYS``       days the reads of the files are kept, then purged (default 365).
``COMMISSION_RETAIN_CLOSED_YEARS``   years after its last event a closed file is anonymised (default 5).
``COMMISSION_RETAIN_REFUSED_YEARS``  years after the refusal a refused application is anonymised (default 2).
``COMMISSION_RETAIN_WITHDRAWN_YEARS`` years after the withdrawal a withdrawn application is anonymised
                                     (default 2).

Mail (the daily digest of reminders) is configured when ``COMMISSION_SMTP_HOST`` is set:

``COMMISSION_SMTP_HOST``      the SMTP server; unset: no mail is sent, digests are kept in the outbox only.
``COMMISSION_SMTP_PORT``      its port (default 587 with STARTTLS, else 25).
``COMMISSION_SMTP_USER``      login, when the server asks for one (with ``COMMISSION_SMTP_PASSWORD``).
``COMMISSION_SMTP_PASSWORD``  password of that login.
``COMMISSION_SMTP_STARTTLS``  ``true`` to encrypt the connection with STARTTLS (default ``false``).
``COMMISSION_MAIL_FROM``      the sender's address; required when mail is configured.
``COMMISSION_BASE_URL``       the application's address, for the links in the mail (https://...).

The audit trail (see ``commission.services.audit_keys``):

``COMMISSION_AUDIT_KEY_FILE``         the keys that sign the audit trail's entries, by id (created with mode 0600
                                     when absent); default ``commission/audit.key`` in the user's configuration
                                     folder (``$XDG_CONFIG_HOME``, else ``~/.config``); never in the instance folder.
``COMMISSION_AUDIT_CHECKPOINT_FILE``  the file `commission audit checkpoint` and every backup append the trail's
                                     checkpoint to (optional; keep it on another machine).
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from commission.documents.data import DEFAULT_COUNCIL_NAME


class ConfigurationError(Exception):
    """The settings cannot work; the message says which one and why."""


def default_instance_path() -> Path:
    return Path.cwd() / "instance"


@dataclass(frozen=True)
class MailSettings:
    """How to reach the SMTP server that sends the digests (see the module's docstring)."""

    host: str
    port: int
    sender: str
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class CouncilSettings:
    """What the council sets for its commission, read wherever a document or a step needs it."""

    name: str = DEFAULT_COUNCIL_NAME
    offer_reply_days: int = 10  # days a person has to answer an offer (1 to 60)


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    instance_path: Path
    environment: str = "production"
    idle_minutes: int = 30
    session_hours: int = 12
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    max_upload_bytes: int = 10 * 1024 * 1024
    room_refresh_seconds: int = 5
    login_max_failures: int = 5
    login_window_minutes: int = 15
    api_rate_limit: int = 120  # requests per token in each window (the integration API); 429 beyond
    api_rate_window_seconds: int = 60
    mail: MailSettings | None = None  # None: mail is not configured
    base_url: str = ""
    two_factor_required: bool = True
    access_log_days: int = 365
    retain_closed_years: int = 5
    retain_refused_years: int = 2
    retain_withdrawn_years: int = 2
    council: CouncilSettings = field(default_factory=CouncilSettings)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _int_from_env(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, not {raw!r}")
    return value


def _bool_from_env(env: dict[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, not {env.get(name)!r}")


def _two_factor_required(env: dict[str, str]) -> bool:
    raw = (env.get("COMMISSION_TWO_FACTOR") or "required").strip().lower()
    if raw not in ("required", "optional"):
        raise ConfigurationError(f"COMMISSION_TWO_FACTOR must be 'required' or 'optional', not {raw!r}")
    return raw == "required"


def _base_url(env: dict[str, str]) -> str:
    url = (env.get("COMMISSION_BASE_URL") or "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"COMMISSION_BASE_URL must start with http:// or https://, not {url!r}")
    return url


def _trusted_proxies(env: dict[str, str]) -> tuple[IPv4Network | IPv6Network, ...]:
    raw = (env.get("COMMISSION_TRUSTED_PROXIES") or "").replace(",", " ").split()
    try:
        return tuple(ip_network(item, strict=False) for item in raw)
    except ValueError as error:
        raise ConfigurationError(f"COMMISSION_TRUSTED_PROXIES must list addresses or networks: {error}") from None


def _room_refresh_seconds(env: dict[str, str]) -> int:
    seconds = _int_from_env(env, "COMMISSION_ROOM_REFRESH_SECONDS", Settings.room_refresh_seconds)
    if seconds > MAX_ROOM_REFRESH_SECONDS:
        raise ConfigurationError(f"COMMISSION_ROOM_REFRESH_SECONDS must be {MAX_ROOM_REFRESH_SECONDS} at most, "
                                 f"not {seconds}")
    return seconds


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_ROOM_REFRESH_SECONDS = 300
MAX_OFFER_REPLY_DAYS = 60


def load_council_settings(env: Mapping[str, str] | None = None) -> CouncilSettings:
    """The council's name (``COMMISSION_COUNCIL_NAME``) and the days a person has to answer an offer
    (``COMMISSION_OFFER_REPLY_DAYS``, 1 to 60). Read at each use, so that documents and steps follow
    the council's settings without the caller carrying them."""
    env = os.environ if env is None else env
    days = _int_from_env(dict(env), "COMMISSION_OFFER_REPLY_DAYS", CouncilSettings.offer_reply_days)
    if days > MAX_OFFER_REPLY_DAYS:
        raise ConfigurationError(f"COMMISSION_OFFER_REPLY_DAYS must be {MAX_OFFER_REPLY_DAYS} at most, not {days}")
    return CouncilSettings(name=(env.get("COMMISSION_COUNCIL_NAME") or "").strip() or DEFAULT_COUNCIL_NAME,
                           offer_reply_days=days)


@dataclass(frozen=True)
class AuditSettings:
    """Where the keys that sign the audit trail are, and where its checkpoints go (see the module's docstring)."""

    key_file: Path
    checkpoint_file: Path | None = None


def load_audit_settings(env: Mapping[str, str] | None = None) -> AuditSettings:
    """Read at each use (every service writes the trail, and none carries the settings), hence cached."""
    env = os.environ if env is None else env
    return _audit_settings((env.get("COMMISSION_AUDIT_KEY_FILE") or "").strip(),
                           (env.get("XDG_CONFIG_HOME") or "").strip(),
                           (env.get("COMMISSION_AUDIT_CHECKPOINT_FILE") or "").strip(), os.environ.get("HOME", ""))


@functools.lru_cache(maxsize=32)
def _audit_settings(key_file: str, config_home: str, checkpoint: str, _home: str) -> AuditSettings:
    path = Path(key_file).expanduser() if key_file else (
        Path(config_home) if config_home else Path.home() / ".config") / "commission" / "audit.key"
    return AuditSettings(key_file=path.absolute(),
                         checkpoint_file=Path(checkpoint).expanduser().absolute() if checkpoint else None)


def _audit_key_outside(instance_path: Path, env: Mapping[str, str]) -> None:
    """Whoever can copy the instance folder (the SQLite file is there) must not find the key with it."""
    key_file = load_audit_settings(env).key_file.resolve()
    if key_file.is_relative_to(instance_path):
        raise ConfigurationError(f"COMMISSION_AUDIT_KEY_FILE ({key_file}) is inside the instance folder: keep the "
                                 "audit trail's key outside it, where a copy of the folder or the database does "
                                 "not reach it")


def environment_name(default: str = "production") -> str:
    """The environment the command line runs in (``COMMISSION_ENV``); checked by :func:`load_settings`."""
    return os.environ.get("COMMISSION_ENV", default)


def system_language() -> str:
    """The language of the shell the command line runs in (``LANG``), as two letters, or ''."""
    return (os.environ.get("LANG") or "")[:2]


def load_mail_settings(env: dict[str, str] | None = None) -> MailSettings | None:
    """The SMTP settings, or None when ``COMMISSION_SMTP_HOST`` is not set (mail not configured)."""
    env = dict(os.environ if env is None else env)
    host = (env.get("COMMISSION_SMTP_HOST") or "").strip()
    if not host:
        return None
    starttls = _bool_from_env(env, "COMMISSION_SMTP_STARTTLS", False)
    port = _int_from_env(env, "COMMISSION_SMTP_PORT", 587 if starttls else 25)
    if port > 65535:
        raise ConfigurationError(f"COMMISSION_SMTP_PORT must be a port number (1 to 65535), not {port}")
    sender = (env.get("COMMISSION_MAIL_FROM") or "").strip()
    if "@" not in sender:
        raise ConfigurationError("COMMISSION_MAIL_FROM must be the sender's e-mail address when "
                                 f"COMMISSION_SMTP_HOST is set, not {sender!r}")
    user = (env.get("COMMISSION_SMTP_USER") or "").strip()
    password = env.get("COMMISSION_SMTP_PASSWORD") or ""
    if password and not user:
        raise ConfigurationError("COMMISSION_SMTP_PASSWORD is set without COMMISSION_SMTP_USER")
    if user and not starttls and host not in LOCAL_HOSTS:
        raise ConfigurationError("COMMISSION_SMTP_USER needs COMMISSION_SMTP_STARTTLS=true: the password would "
                                 "cross the network in clear")
    return MailSettings(host=host, port=port, sender=sender, user=user, password=password, starttls=starttls)


def _development_secret(instance_path: Path) -> str:
    """A development secret kept in the instance folder, so that sessions survive a restart."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_settings(env: dict[str, str] | None = None, *, environment: str | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    environment = environment or env.get("COMMISSION_ENV", "production")
    if environment not in ("production", "development"):
        raise ConfigurationError(
            f"COMMISSION_ENV must be 'production' or 'development', not {environment!r}"
        )
    instance_path = Path(env.get("COMMISSION_INSTANCE_PATH") or default_instance_path()).resolve()
    database_url = env.get("COMMISSION_DATABASE_URL") or f"sqlite:///{instance_path / 'commission.sqlite'}"
    if database_url.startswith("postgresql://"):
        # The project talks to PostgreSQL through psycopg 3 only.
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    _audit_key_outside(instance_path, env)
    secret_key = env.get("COMMISSION_SECRET_KEY", "")
    if not secret_key:
        if environment == "production":
            raise ConfigurationError(
                "COMMISSION_SECRET_KEY is not set: the application refuses to run in production without it"
            )
        secret_key = _development_secret(instance_path)
    return Settings(
        database_url=database_url,
        secret_key=secret_key,
        instance_path=instance_path,
        environment=environment,
        idle_minutes=_int_from_env(env, "COMMISSION_IDLE_MINUTES", 30),
        session_hours=_int_from_env(env, "COMMISSION_SESSION_HOURS", 12),
        trusted_proxies=_trusted_proxies(env),
        max_upload_bytes=_int_from_env(env, "COMMISSION_MAX_UPLOAD_MB", 10) * 1024 * 1024,
        room_refresh_seconds=_room_refresh_seconds(env),
        api_rate_limit=_int_from_env(env, "COMMISSION_API_RATE_LIMIT", 120),
        api_rate_window_seconds=_int_from_env(env, "COMMISSION_API_RATE_WINDOW_SECONDS", 60),
        mail=load_mail_settings(env),
        base_url=_base_url(env),
        two_factor_required=_two_factor_required(env),
        access_log_days=_int_from_env(env, "COMMISSION_ACCESS_LOG_DAYS", 365),
        retain_closed_years=_int_from_env(env, "COMMISSION_RETAIN_CLOSED_YEARS", 5),
        retain_refused_years=_int_from_env(env, "COMMISSION_RETAIN_REFUSED_YEARS", 2),
        retain_withdrawn_years=_int_from_env(env, "COMMISSION_RETAIN_WITHDRAWN_YEARS", 2),
        council=load_council_settings(env),
    )
