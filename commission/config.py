"""Settings, read from the environment, with embedded defaults.

``COMMISSION_DATABASE_URL``   SQLAlchemy URL; default: a SQLite file in the instance folder.
``COMMISSION_SECRET_KEY``     signs sessions and CSRF tokens; required in production.
``COMMISSION_INSTANCE_PATH``  folder for the SQLite file, the uploaded documents and local state.
``COMMISSION_ENV``            ``production`` (default) or ``development``.
``COMMISSION_IDLE_MINUTES``   minutes of inactivity after which a session ends (default 30).
``COMMISSION_MAX_UPLOAD_MB``  largest request body accepted, in megabytes (default 10).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


class ConfigurationError(Exception):
    """The settings cannot work; the message says which one and why."""


def default_instance_path() -> Path:
    return Path.cwd() / "instance"


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    instance_path: Path
    environment: str = "production"
    idle_minutes: int = 30
    max_upload_bytes: int = 10 * 1024 * 1024
    login_max_failures: int = 5
    login_window_minutes: int = 15
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
        max_upload_bytes=_int_from_env(env, "COMMISSION_MAX_UPLOAD_MB", 10) * 1024 * 1024,
    )
