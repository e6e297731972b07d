"""Django settings for Shaobao, read from the environment.

Everything an operator sets comes from environment variables (SPEC §6): the data
directory, the database URL, the secret key and the debug flag. Defaults give a
working single-machine install on the embedded SQLite database.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SHAOBAO_DATA_DIR", "./var")).resolve()


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use SHAOBAO_SECRET_KEY, or one generated on first start and kept in the data dir.

    Keeping it on disk means sessions and signed tokens survive a restart without the
    operator having to invent a key for a trial install.
    """
    configured = os.environ.get("SHAOBAO_SECRET_KEY")
    if configured:
        return configured
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_flag("SHAOBAO_DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("SHAOBAO_ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("SHAOBAO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "shaobao.core",
    "shaobao.geo",
    "shaobao.org",
    "shaobao.catalogue",
    "shaobao.calendar",
    "shaobao.cases",
    "shaobao.points",
    "shaobao.governance",
    "shaobao.analytics",
    "shaobao.integrations",
    "shaobao.api",
    "shaobao.web",
    "shaobao.demo",
    "shaobao.routing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shaobao.config.urls"
WSGI_APPLICATION = "shaobao.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shaobao.web.context_processors.unread_notifications",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'shaobao.sqlite3'}"
    db: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers proceed while one writer commits; IMMEDIATE transactions take
        # the write lock up front so two writers queue instead of failing mid-transaction.
        # Writers queue on a lock file instead of polling (see shaobao/core/sqlite/base.py).
        db["ENGINE"] = "shaobao.core.sqlite"
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
        db["CONN_MAX_AGE"] = 60
        db["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    else:
        db["CONN_HEALTH_CHECKS"] = True
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it even when empty
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

REDIS_URL = os.environ.get("REDIS_URL", "")

# Rate-limit counters (and any other short-lived cache): in-process by default, shared
# through Redis when REDIS_URL is set so every worker process counts together.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL else
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shaobao"})
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "shaobao.core.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHAOBAO_LOG_LEVEL", "WARNING")},
}

# Product rules that a district may tune without code changes.
SHAOBAO: dict[str, Any] = {
    "CASE_NUMBER_PREFIX": os.environ.get("SHAOBAO_CASE_PREFIX", "DG"),
    "DISTRICT_CODE": os.environ.get("SHAOBAO_DISTRICT_CODE", "340803"),
    "DUPLICATE_RADIUS_M": 50,
    "DUPLICATE_WINDOW_HOURS": 24,
    "FEEDBACK_WORK_DAYS": 3,
    # An unsatisfied rating sends the case back to the station (SPEC §4 reopen, "by rule").
    "REOPEN_ON_UNSATISFIED": _env_flag("SHAOBAO_REOPEN_ON_UNSATISFIED", default=True),
    "YELLOW_AT": 0.8,
    "MAX_PHOTO_BYTES": 10 * 1024 * 1024,
    "COMPOSITE_WEIGHTS": {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4},
    # Public endpoints, requests per minute (0 = unlimited): Open311 reads per client IP,
    # Open311 posts per api_key (ApiClient.rate_limit overrides), REST intake per user.
    "OPEN311_READS_PER_MIN": 120,
    "OPEN311_POSTS_PER_MIN": 30,
    "INTAKE_PER_MIN": int(os.environ.get("SHAOBAO_INTAKE_PER_MIN", "30")),
    "TRUST_X_FORWARDED_FOR": _env_flag("SHAOBAO_TRUST_X_FORWARDED_FOR"),
}
