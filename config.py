"""Settings of the platform, every one read from an environment variable with a safe default.

`load_config()` returns a plain dict for `create_app`. Production (`LMS_ENV=production`) refuses
to start without `LMS_SECRET_KEY` and turns on secure cookies; development keeps a generated
secret under `instance/` so sessions survive a restart.

The folders the platform reads and writes are decided here too, the one place, because the code
runs in two ways that put them in different places:

- from a source checkout (a clone, installed editable by `make install`): the repository's
  top-level `migrations/` and `courses/`, and `instance/` beside them;
- from an installed wheel: `migrations/` and `courses/` are package data inside `lms/` (setup.py
  maps them there at build time), and the instance folder is `instance/` under the current working
  directory, since site-packages is no place for a database or a secret.

This module sits below the `lms` package (which imports it) and imports nothing from it.
"""
from __future__ import annotations

import ipaddress
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

# The checkout's root, or site-packages for a wheel: config.py is installed beside the `lms` package.
BASE_DIR = Path(__file__).resolve().parent
# Where a wheel carries the repository's top-level folders, beside config.py (setup.py's package_dir).
INSTALLED_AS = {"migrations": "lms/migrations", "courses": "lms/shipped_courses"}


def source_checkout() -> Path | None:
    """The root of the source checkout the code runs from, or None when it runs from an installed wheel.

    A checkout has its pyproject.toml beside config.py; site-packages has none.
    """
    return BASE_DIR if (BASE_DIR / "pyproject.toml").is_file() else None


def _shipped(name: str) -> Path:
    root = source_checkout()
    return root / name if root else BASE_DIR / INSTALLED_AS[name]


def migrations_dir() -> Path:
    """The Alembic environment and its versions: the checkout's `migrations/`, else the installed copy."""
    return _shipped("migrations")


def shipped_courses_dir() -> Path:
    """The course packages shipped with the platform: the checkout's `courses/`, else the installed copy."""
    return _shipped("courses")


def default_instance_dir() -> Path:
    """The instance folder when LMS_INSTANCE_PATH is not set: the checkout's `instance/` in
    development, else `instance/` under the working directory (where the service is started)."""
    return (source_checkout() or Path.cwd()) / "instance"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc


def _count(name: str, default: int) -> int:
    """A whole number of at least 0."""
    value = _int(name, default)
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more, got {value!r}")
    return value


def _positive(name: str, default: int) -> int:
    """A whole number of at least 1."""
    value = _int(name, default)
    if value < 1:
        raise ConfigError(f"{name} must be 1 or more, got {value!r}")
    return value


def _days(name: str) -> int | None:
    """A retention period in whole days; unset or empty means "keep forever" (None)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    days = _int(name, 0)
    if days < 1:
        raise ConfigError(f"{name} must be a number of days of at least 1 (or unset to keep forever), got {value!r}")
    return days


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = (os.environ.get(name) or default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _roles(name: str, default: str) -> tuple[str, ...]:
    """A comma-separated list of roles ("admin,coordinator"); "" or "none" for none."""
    raw = os.environ.get(name, default).strip().lower()
    roles = tuple(r.strip() for r in raw.split(",") if r.strip() and r.strip() != "none")
    unknown = [r for r in roles if r not in ("trainee", "instructor", "coordinator", "admin")]
    if unknown:
        raise ConfigError(f"{name}: unknown role {unknown[0]!r} (use trainee, instructor, coordinator, admin)")
    return roles


def _storage_url(name: str) -> str:
    """An s3://bucket/prefix URL, or empty (files in a directory)."""
    value = (os.environ.get(name) or "").strip()
    if value and not re.match(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/([A-Za-z0-9_][A-Za-z0-9._-]*/?)*)?$", value):
        raise ConfigError(f"{name} must be an S3 bucket URL such as s3://lms-files/production, got {value!r} "
                          "(leave it unset to keep files in LMS_STORAGE_DIR)")
    return value


def _jobs_url(name: str, instance: Path) -> str:
    """Where the job queue keeps its jobs: sqlite:///path (default: the instance folder's jobs.sqlite3), redis://..., or
    memory (the tests' queue, in one process)."""
    value = (os.environ.get(name) or "").strip() or f"sqlite:///{instance / 'jobs.sqlite3'}"
    if value != "memory" and not value.startswith(("sqlite:///", "redis://", "rediss://", "unix://")):
        raise ConfigError(f"{name} must be sqlite:///path/to/jobs.sqlite3, redis://host:6379/1 or memory, got {value!r}")
    return value


def log_format() -> str:
    """How log lines are written (LMS_LOG_FORMAT): "text" (one readable line) or "json" (one JSON object a line).

    Read here for the application and for gunicorn's own lines (lms.gunicorn_conf), which must agree."""
    return _choice("LMS_LOG_FORMAT", "text", ("text", "json"))


def _networks(name: str, default: str) -> tuple:
    """A comma-separated list of addresses or networks in CIDR notation ("10.0.0.0/8,::1"); "" or "none" for none."""
    raw = os.environ.get(name, default).strip()
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item or item.lower() == "none":
            continue
        try:
            networks.append(ipaddress.ip_network(item))
        except ValueError as exc:
            raise ConfigError(f"{name}: {item!r} is not an address or a network such as 10.0.0.0/8 ({exc})") from exc
    return tuple(networks)


# A metrics token shorter than this could be guessed: nothing slows down wrong ones.
METRICS_TOKEN_MIN = 24


# OWASP's floor for argon2id (Password Storage Cheat Sheet): 19 MiB of memory, 2 passes, 1 lane. Production
# refuses to start below it (`_password_hashing`); the defaults are the floor itself, the cost at which 200
# sign-ins in ten seconds still fit a 2-core machine (docs/security.md). Tests go cheaper, outside production.
ARGON2_FLOOR = {"PASSWORD_HASH_MEMORY_KIB": 19 * 1024, "PASSWORD_HASH_TIME_COST": 2, "PASSWORD_HASH_PARALLELISM": 1}


def _password_hashing(config: dict) -> None:
    """Refuse password hashing below OWASP's floor in production (after the overrides: what is really used)."""
    if config["ENV"] != "production":
        return
    for key, floor in ARGON2_FLOOR.items():
        if int(config[key]) < floor:
            name = "LMS_" + key
            raise ConfigError(f"{name} must be at least {floor} in production (OWASP's minimum for argon2id: "
                              f"m=19 MiB, t=2, p=1), got {config[key]!r}")


def _metrics_token(name: str) -> str:
    value = (os.environ.get(name) or "").strip()
    if value and len(value) < METRICS_TOKEN_MIN:
        raise ConfigError(f"{name} must be at least {METRICS_TOKEN_MIN} characters "
                          "(generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return value


def _secret_key(env: str, instance: Path) -> str:
    key = os.environ.get("LMS_SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise ConfigError(
            "LMS_SECRET_KEY is required when LMS_ENV=production "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    # Development and tests: a key generated once and kept, so sessions survive restarts.
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _engine_options(database_url: str) -> dict:
    """SQLAlchemy's engine options. PostgreSQL: give up connecting after LMS_DATABASE_CONNECT_TIMEOUT_SECONDS,
    so that a server that does not answer at all (a host down, a network cut) gives the "unavailable" page
    and a 503 of /healthz in seconds instead of holding the worker until gunicorn kills it."""
    if not database_url.startswith("postgresql"):
        return {}
    timeout = _int("LMS_DATABASE_CONNECT_TIMEOUT_SECONDS", 10)
    if timeout < 1:
        raise ConfigError(f"LMS_DATABASE_CONNECT_TIMEOUT_SECONDS must be at least 1, got {timeout!r}")
    return {"connect_args": {"connect_timeout": timeout}}


def load_config(**overrides) -> dict:
    """Build the settings from the environment; keyword arguments win (tests use them)."""
    env = overrides.get("ENV") or os.environ.get("LMS_ENV", "development")
    instance = Path(overrides.get("INSTANCE_PATH") or os.environ.get("LMS_INSTANCE_PATH") or default_instance_dir())
    production = env == "production"
    database_url = os.environ.get("LMS_DATABASE_URL") or f"sqlite:///{instance / 'lms.sqlite3'}"
    if database_url.startswith("postgres://"):  # the scheme some hosts hand out
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    config = {
        "ENV": env,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(env, instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Connections that waited in the pool are checked before use (lms.core.db.ping_idle_connections).
        "DATABASE_PING_AFTER_IDLE_SECONDS": _int("LMS_DATABASE_PING_AFTER_IDLE_SECONDS", 10),
        # SQLite: how long a write waits for another's lock before the busy page (lms.core.errors) answers.
        "SQLITE_BUSY_TIMEOUT_SECONDS": _count("LMS_SQLITE_BUSY_TIMEOUT_SECONDS", 10),
        "SESSION_COOKIE_SECURE": _bool("LMS_SECURE_COOKIES", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("LMS_SECURE_COOKIES", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Signed-in sessions (lms.auth.sessions): a session ends after this many minutes without a request
        # (idle) or this many hours after sign-in (absolute), whichever comes first; trainees' and staff's
        # (instructors, coordinators, admins) apart, staff accounts reaching more people's data.
        "SESSION_IDLE_MINUTES_TRAINEE": _int("LMS_SESSION_IDLE_MINUTES_TRAINEE", 480),
        "SESSION_IDLE_MINUTES_STAFF": _int("LMS_SESSION_IDLE_MINUTES_STAFF", 60),
        "SESSION_MAX_HOURS_TRAINEE": _int("LMS_SESSION_MAX_HOURS_TRAINEE", 168),
        "SESSION_MAX_HOURS_STAFF": _int("LMS_SESSION_MAX_HOURS_STAFF", 12),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # Where links in certificates and set-password links point; empty = the request's host.
        "PUBLIC_URL": os.environ.get("LMS_PUBLIC_URL", "").rstrip("/"),
        "MAX_CONTENT_LENGTH": _int("LMS_MAX_UPLOAD_MB", 20) * 1024 * 1024,
        # Brotli/gzip for static files, JSON and CSV (never HTML pages: lms.core.compression says why); off
        # when a reverse proxy compresses those itself.
        "COMPRESSION": _bool("LMS_COMPRESSION", True),
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: long lessons must not expire a form
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("LMS_TIMEZONE", "UTC"),
        # The interface's languages: English and every catalogue in lms/translations (lms.core.i18n), filled in
        # by create_app when a configuration does not name them.
        "LANGUAGES": None,
        # Where the platform keeps files (lms.core.storage): a directory, unless STORAGE_URL names an
        # S3-compatible bucket (s3://bucket/prefix) that several servers share.
        "STORAGE_DIR": os.environ.get("LMS_STORAGE_DIR") or str(instance / "storage"),
        "STORAGE_URL": _storage_url("LMS_STORAGE_URL"),
        "STORAGE_S3_ENDPOINT_URL": os.environ.get("LMS_STORAGE_S3_ENDPOINT_URL", ""),
        "STORAGE_S3_REGION": os.environ.get("LMS_STORAGE_S3_REGION", ""),
        "STORAGE_S3_ACCESS_KEY_ID": os.environ.get("LMS_STORAGE_S3_ACCESS_KEY_ID", ""),
        "STORAGE_S3_SECRET_ACCESS_KEY": os.environ.get("LMS_STORAGE_S3_SECRET_ACCESS_KEY", ""),
        # Course packages `lms init` imports; unset = the courses shipped with the platform.
        "COURSES_DIR": os.environ.get("LMS_COURSES_DIR") or str(shipped_courses_dir()),
        # Not an environment variable: where the Alembic migrations are, for Flask-Migrate.
        "MIGRATIONS_DIR": str(migrations_dir()),
        # Password hashing (lms.core.security): argon2id's memory in KiB, passes and lanes; production refuses
        # less than OWASP's floor (ARGON2_FLOOR). A raised cost reaches each stored hash at its next sign-in.
        # (PASSWORD_HASH_MEMORY_KIB, _TIME_COST, _PARALLELISM, each from LMS_ + its name, the floor by default)
        **{key: _positive("LMS_" + key, floor) for key, floor in ARGON2_FLOOR.items()},
        # The sign-in gate (lms.core.security): per worker process, this many passwords hashed at once (on threads
        # of low priority, so pages go first), at most this many more waiting, each for at most these seconds;
        # past either bound the person is asked to try again in a few seconds (503). Keep hashes + waiting below
        # gunicorn's threads per worker (lms/gunicorn_conf.py), so that some threads always serve pages.
        "PASSWORD_HASHES_AT_ONCE": _positive("LMS_PASSWORD_HASHES_AT_ONCE", 1),
        "PASSWORD_HASH_QUEUE": _count("LMS_PASSWORD_HASH_QUEUE", 8),
        "PASSWORD_HASH_WAIT_SECONDS": _count("LMS_PASSWORD_HASH_WAIT_SECONDS", 10),
        # How much lower the hashing threads' CPU priority is than the pages' (Linux nice, 0 to 19; 0 = the same).
        "PASSWORD_HASH_NICENESS": _count("LMS_PASSWORD_HASH_NICENESS", 5),
        # One-time set-password links expire after this many hours.
        "PASSWORD_LINK_HOURS": _int("LMS_PASSWORD_LINK_HOURS", 72),
        "LOG_LEVEL": os.environ.get("LMS_LOG_LEVEL", "INFO"),
        # "text" (as a person reads it) or "json": one JSON object a line, with the request's id (lms.core.logs).
        "LOG_FORMAT": log_format(),
        # Who may read /metrics (lms.core.metrics): the bearer of this token ("" = no token opens it), or a
        # client whose address (after LMS_TRUSTED_PROXIES) is in one of these networks. Anyone else gets 404.
        "METRICS_TOKEN": _metrics_token("LMS_METRICS_TOKEN"),
        "METRICS_ALLOW": _networks("LMS_METRICS_ALLOW", "127.0.0.1/32,::1/128"),
        # How many reverse proxies stand in front of the application (lms.register_proxies): the client's
        # address and scheme are then read from the last that many X-Forwarded-For / X-Forwarded-Proto
        # entries. 0: nothing of those headers is believed (anyone can send them).
        "TRUSTED_PROXIES": _count("LMS_TRUSTED_PROXIES", 0),
        # Sign-in throttling (lms.auth.throttle): failed sign-ins per address and per account, counted in
        # Redis when the storage is redis://... (shared by workers; memory per worker while it is down).
        "RATELIMIT_STORAGE_URI": os.environ.get("LMS_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("LMS_RATELIMIT_KEY_PREFIX", "lms"),  # two sites may share one Redis
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LMS_LOGIN_LIMIT_PER_ADDRESS", "50 per 10 minutes"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LMS_LOGIN_LIMIT_PER_ACCOUNT", "5 per 10 minutes"),
        # Past the account's limit each attempt waits this long, doubling after each failure, up to the most.
        "LOGIN_DELAY_FIRST_SECONDS": _int("LMS_LOGIN_DELAY_FIRST_SECONDS", 60),
        "LOGIN_DELAY_MAX_SECONDS": _int("LMS_LOGIN_DELAY_MAX_SECONDS", 15 * 60),
        # A second factor at sign-in (lms.mfa): the roles that must have one (comma-separated); the others may.
        # Admins and coordinators reach many people's data, so production asks it of them unless told otherwise.
        "MFA_REQUIRED_ROLES": _roles("LMS_MFA_REQUIRED_ROLES", "admin,coordinator" if production else ""),
        # The name authenticator apps show beside the account.
        "MFA_ISSUER": os.environ.get("LMS_MFA_ISSUER", "IBM Training"),
        # Passkeys (WebAuthn) are bound to a domain: the site's host name (empty = the request's host, or the
        # host of LMS_PUBLIC_URL when that is set). A passkey made for one domain does not work on another.
        "WEBAUTHN_RP_ID": os.environ.get("LMS_WEBAUTHN_RP_ID", ""),
        # The job queue (lms.jobs, Huey): its store, shared by the app servers and `lms worker`; SQLite in the
        # instance folder by default (one machine), Redis for several. Its name keeps two sites in one Redis apart.
        "JOBS_URL": _jobs_url("LMS_JOBS_URL", instance),
        "JOBS_NAME": os.environ.get("LMS_JOBS_NAME", "lms"),
        # Mail (lms.mail): an SMTP server when LMS_MAIL_SERVER is set; else, outside production, each message
        # is written to instance/mail/<id>.eml (listed for admins at /admin/mail); in production without a
        # server, messages wait in the outbox (admins see how many) until one is set.
        "MAIL_SERVER": os.environ.get("LMS_MAIL_SERVER", "").strip(),
        "MAIL_PORT": _int("LMS_MAIL_PORT", 465 if _bool("LMS_MAIL_SSL", False) else 587),
        "MAIL_USERNAME": os.environ.get("LMS_MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("LMS_MAIL_PASSWORD", ""),
        # STARTTLS on the plain port (default), or TLS from the first byte (LMS_MAIL_SSL, port 465).
        "MAIL_TLS": _bool("LMS_MAIL_TLS", True),
        "MAIL_SSL": _bool("LMS_MAIL_SSL", False),
        "MAIL_FROM": os.environ.get("LMS_MAIL_FROM", "IBM Training <noreply@localhost>"),
        "MAIL_TIMEOUT_SECONDS": _int("LMS_MAIL_TIMEOUT_SECONDS", 30),
        # The hour (in each person's zone) at which the daily digest goes to those who chose it.
        "MAIL_DIGEST_HOUR": _int("LMS_MAIL_DIGEST_HOUR", 7),
        # Days sent messages and read notifications are kept before `lms data prune` removes them.
        "MAIL_RETENTION_DAYS": _days("LMS_MAIL_RETENTION_DAYS") or 90,
        # Password reset by mail (lms.auth): requests per address typed and per client address in a window.
        "RESET_LIMIT_PER_EMAIL": os.environ.get("LMS_RESET_LIMIT_PER_EMAIL", "3 per hour"),
        "RESET_LIMIT_PER_ADDRESS": os.environ.get("LMS_RESET_LIMIT_PER_ADDRESS", "20 per hour"),
        # Privacy (lms/privacy): the notice shown in the footer and after sign-in, retention, verification.
        # A Markdown file with the operator's own notice; empty = the default text shipped in lms/privacy/.
        "PRIVACY_NOTICE_FILE": os.environ.get("LMS_PRIVACY_NOTICE_FILE", ""),
        # Send users who have not acknowledged the notice to it after they sign in.
        "PRIVACY_NOTICE_AT_SIGN_IN": _bool("LMS_PRIVACY_NOTICE_AT_SIGN_IN", True),
        # Days audit events / the raw answers of ended quiz attempts are kept; None = forever (`lms data prune`).
        "AUDIT_RETENTION_DAYS": _days("LMS_AUDIT_RETENTION_DAYS"),
        "ANSWER_RETENTION_DAYS": _days("LMS_ANSWER_RETENTION_DAYS"),
        # Days a calendar feed address (lms.calendar) lives without being fetched before `lms data prune`
        # removes it: a calendar nobody reads keeps no open door to a person's dates. Default a year.
        "CALENDAR_FEED_RETENTION_DAYS": _days("LMS_CALENDAR_FEED_RETENTION_DAYS") or 365,
        # Fetches of one feed address allowed per window (calendar apps poll every few minutes to hours);
        # past it the feed answers 429 with Retry-After until the window ends.
        "CALENDAR_FEED_LIMIT": os.environ.get("LMS_CALENDAR_FEED_LIMIT", "60 per hour"),
        # Report exports (lms.reports): one of more rows than this runs as a background job with a progress page
        # (and a download link for its maker, valid EXPORT_JOB_HOURS); a smaller one is sent at once.
        "EXPORT_JOB_ROWS": _count("LMS_EXPORT_JOB_ROWS", 10_000),
        "EXPORT_JOB_HOURS": _int("LMS_EXPORT_JOB_HOURS", 24),
        # Minutes a running export job may go without progress before it counts as lost (its worker was stopped
        # or killed) and is marked failed. A job shows progress every 2,000 rows; keep this above the time of the
        # slowest export's first rows (its SELECT) and of storing its file.
        "EXPORT_JOB_STALE_MINUTES": _positive("LMS_EXPORT_JOB_STALE_MINUTES", 15),
        # Days the record of an export job (who asked what, when; its file is long gone) is kept.
        "EXPORT_JOB_RETENTION_DAYS": _days("LMS_EXPORT_JOB_RETENTION_DAYS") or 30,
        # What the public /verify/<code> page shows of the holder: "initials" (default) or the full "name".
        "VERIFY_SHOWS": _choice("LMS_VERIFY_SHOWS", "initials", ("initials", "name")),
    }
    config.update(overrides)
    _password_hashing(config)
    # After the overrides: the options must suit the database actually used.
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(config["SQLALCHEMY_DATABASE_URI"]))
    # "Keep me signed in" keeps the session cookie as long as the longest session may last; the database's
    # record of the session decides when it really ends (Flask-Login's remember cookie is not used).
    config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(
        hours=max(config["SESSION_MAX_HOURS_TRAINEE"], config["SESSION_MAX_HOURS_STAFF"])))
    return config
