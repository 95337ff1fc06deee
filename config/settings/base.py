"""Settings shared by every environment; everything that varies comes from the environment.

Variables (all optional for `make run`):
- ``SECRET_KEY``: required when ``DEBUG`` is off.
- ``DEBUG``: ``1``/``true`` to enable debug pages (off by default).
- ``ALLOWED_HOSTS``: comma-separated host names (default ``127.0.0.1,localhost``).
- ``DATABASE_URL``: e.g. ``postgres://postgres@127.0.0.1:5432/atende``; SQLite under ``var/``
  when unset.
- ``REDIS_URL``: Celery broker, result backend and cache; when unset Celery uses the
  embedded broker (``core/broker.py``: a SQLite file under ``var/``, no server needed) and
  the cache is file based.

Under this module (not ``production`` or ``test``), variables the environment lacks are
read from ``<ATENDE_VAR_DIR>/local.env``, which `make run` writes (``core/local_env.py``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.local_env import FILENAME as LOCAL_ENV_FILENAME
from core.local_env import local_env_load

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ATENDE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
if os.environ.get("DJANGO_SETTINGS_MODULE", __name__) == __name__:
    # The development settings of `make run`'s checkout; production and tests never read them.
    local_env_load(path=VAR_DIR / LOCAL_ENV_FILENAME)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "core.admin_apps.AtendeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",  # only for the migration that moved its tokens to knox (users/0004)
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "core",
    "organisation",
    "users",
    "attendance",
    "providers",
    "customers",
    "surveys",
    "classifications",
    "calendars",
    "imports",
    "workspace",
    "reports",
    "privacy",
    "webchat",
    "demo",
]

MIDDLEWARE = [
    # Outermost: /api/ answers JSON even with DEBUG's error pages (core/api_errors.py).
    "core.api_errors.ApiErrorsAsJsonMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.language.DefaultLanguageLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.query_strings.CleanQueryStringMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "users.middleware.AccessRulesMiddleware",
    # Axes must come last: it turns locked-out login attempts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'atende.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks instead of failing at once, and
    # take the write lock when a transaction begins (IMMEDIATE): a transaction that read
    # first and then writes could not wait for it and would fail with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Parameters bound on the server, and a statement run twice on a connection prepared
    # (psycopg's ``prepare_threshold``): PostgreSQL then skips parsing and planning the
    # engine's hot queries (inbound: ~1.4 ms less per message). Turn off behind a pooler
    # that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out username + address pairs before any password check.
    "axes.backends.AxesStandaloneBackend",
    "users.backends.RoleBackend",
]
# SPEC §2: the policy, and not one of the common passwords (Django's list of 20,000).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "users.validators.PasswordPolicyValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))
CSRF_COOKIE_HTTPONLY = False

# Login throttling (django-axes): locks a username *from one address* after repeated
# failures, so one agent's typos never lock out colleagues behind the same office IP.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "users.lockout.lockout_response"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False

LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", _("Portuguese (Brazil)")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
USE_TZ = True

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Message media (attendance/media.py): the largest file per kind, in bytes (WhatsApp's limits).
MEDIA_MAX_BYTES = {
    "image": int(os.environ.get("MEDIA_MAX_IMAGE_BYTES", str(5 * 1024 * 1024))),
    "audio": int(os.environ.get("MEDIA_MAX_AUDIO_BYTES", str(16 * 1024 * 1024))),
    "video": int(os.environ.get("MEDIA_MAX_VIDEO_BYTES", str(16 * 1024 * 1024))),
    "document": int(os.environ.get("MEDIA_MAX_DOCUMENT_BYTES", str(100 * 1024 * 1024))),
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if os.environ.get("MEDIA_S3_BUCKET"):
    # S3-compatible storage (AWS, MinIO, DigitalOcean Spaces…) through django-storages
    # (`pip install "django-storages[s3]"`, see README "Media"). Files stay private: the
    # media view checks who may see them, then redirects to a URL signed for a few minutes.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["MEDIA_S3_BUCKET"],
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "access_key": os.environ.get("MEDIA_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("MEDIA_S3_PREFIX", "atende"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": int(os.environ.get("MEDIA_S3_URL_SECONDS", "300")),
            "file_overwrite": False,
        },
    }

# The engine
ATENDE_OUTBOUND_LOG_ONLY = env_bool("ATENDE_OUTBOUND_LOG_ONLY")  # never call channel webhooks (demos, benches)
# Outbound webhooks (SPEC §8.2.2): the first retry after about this many seconds (doubling
# up to 4 h, ±50 % jitter), retried for this many hours (and at least 10 tries).
ATENDE_WEBHOOK_RETRY_SECONDS = float(os.environ.get("ATENDE_WEBHOOK_RETRY_SECONDS", "30"))
# E-mail channels (SPEC §16): accept self-signed IMAP/SMTP certificates (tests only).
EMAIL_CHANNEL_INSECURE_TLS = env_bool("EMAIL_CHANNEL_INSECURE_TLS")
# Seconds one poller holds a mailbox (renewed per batch); a killed poller's is taken back after it.
EMAIL_POLL_LEASE_SECONDS = float(os.environ.get("EMAIL_POLL_LEASE_SECONDS", "60"))
ATENDE_WEBHOOK_RETRY_HOURS = float(os.environ.get("ATENDE_WEBHOOK_RETRY_HOURS", "24"))
# How long a worker holds a delivery for one try (more than the POST's 10 s timeout): a
# worker killed mid-try leaves it to the beat's sweep after this.
ATENDE_WEBHOOK_LEASE_SECONDS = float(os.environ.get("ATENDE_WEBHOOK_LEASE_SECONDS", "60"))
# Provider channels (providers/, SPEC §8.2.1).
# The site's public address (https://atende.example.com): absolute webhook URLs in the
# admin and API, Twilio's status callback URL. Empty: taken from the request.
ATENDE_PUBLIC_URL = os.environ.get("ATENDE_PUBLIC_URL", "")
# Seconds a signed public URL of an outbound file stays valid (Twilio fetches the file
# from it when it sends: attendance/public_media.py).
PUBLIC_MEDIA_URL_SECONDS = int(os.environ.get("PUBLIC_MEDIA_URL_SECONDS", "3600"))
WHATSAPP_CLOUD_API_BASE = os.environ.get("WHATSAPP_CLOUD_API_BASE", "https://graph.facebook.com/v21.0")
TELEGRAM_API_BASE = os.environ.get("TELEGRAM_API_BASE", "https://api.telegram.org")
TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE", "https://api.twilio.com")
PROVIDER_HTTP_TIMEOUT = float(os.environ.get("PROVIDER_HTTP_TIMEOUT", "15"))
# Largest media file downloaded from a provider; a bigger one is noted in the message.
PROVIDER_MEDIA_MAX_BYTES = int(os.environ.get("PROVIDER_MEDIA_MAX_BYTES", str(16 * 1024 * 1024)))
# Media URLs resolving to private, loopback or link-local addresses are refused (SSRF);
# only tests turn this on (their fake provider listens on 127.0.0.1).
PROVIDER_MEDIA_ALLOW_PRIVATE = env_bool("PROVIDER_MEDIA_ALLOW_PRIVATE")
PRESENCE_TIMEOUT_SECONDS = int(os.environ.get("PRESENCE_TIMEOUT_SECONDS", "90"))  # heartbeat expiry
DISTRIBUTION_BATCH = int(os.environ.get("DISTRIBUTION_BATCH", "200"))
DISTRIBUTION_SWEEP_SECONDS = float(os.environ.get("DISTRIBUTION_SWEEP_SECONDS", "5"))
# Seconds a process keeps the group/bot configuration the inbound path reads (attendance/engine_cache.py).
ENGINE_CONFIG_CACHE_SECONDS = float(os.environ.get("ENGINE_CONFIG_CACHE_SECONDS", "2"))
TIMER_BATCH = int(os.environ.get("TIMER_BATCH", "500"))
TIMER_SWEEP_SECONDS = float(os.environ.get("TIMER_SWEEP_SECONDS", "1"))
QUEUE_POSITION_MIN_SECONDS = int(os.environ.get("QUEUE_POSITION_MIN_SECONDS", "30"))
QUEUE_POSITION_MAX_NOTIFIED = int(os.environ.get("QUEUE_POSITION_MAX_NOTIFIED", "500"))  # the queue's head

# Bulk import limits (checked before parsing).
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "200000"))
IMPORT_MAX_XLSX_UNCOMPRESSED = int(os.environ.get("IMPORT_MAX_XLSX_UNCOMPRESSED", str(400 * 1024 * 1024)))
IMPORT_MAX_CELL_CHARS = int(os.environ.get("IMPORT_MAX_CELL_CHARS", "1000"))
IMPORT_CHUNK_ROWS = int(os.environ.get("IMPORT_CHUNK_ROWS", "1000"))
IMPORT_STALE_SECONDS = int(os.environ.get("IMPORT_STALE_SECONDS", "120"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # File based so that the web server, worker and beat of `make run` share it.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Celery: the app is `config` (config/celery.py), settings under the CELERY_ namespace.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT = "core.redis_broker:Transport"  # kombu's, publishing with one client per channel
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    # The embedded broker (core/broker.py): a SQLite file, transactional, no server.
    CELERY_BROKER_URL = f"sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
    CELERY_BROKER_TRANSPORT = "core.broker:Transport"
    # The worker polls the file (kombu's 1 s default would add up to a second per hop), and
    # with one task in flight it cannot poll at all: a prefetch of 4 keeps the next tasks
    # at hand. Measured with 300 tasks on the shared machine: 6/s with 1 and 0.1 s, 11/s so.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"polling_interval": 0.05}
    # Every Atende task ignores its result; a task that keeps one gets a transactional store too.
    CELERY_RESULT_BACKEND = f"db+sqlite:///{VAR_DIR / 'celery-results.sqlite3'}"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1 if REDIS_URL else 4  # see the embedded broker above
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.authentication.WorkHoursTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "core.filters.FilterBackend",  # relation filters never reveal which ids exist
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": [
        # JSON with a nesting limit (a deep body is a 400, not a RecursionError).
        "core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # One key for an error that is no field's, whoever raises it (a serializer's validate(),
    # a service's ValidationError, a domain error): ``detail``.
    "NON_FIELD_ERRORS_KEY": "detail",
    "DEFAULT_VERSIONING_CLASS": None,
}
# API tokens (SPEC §10): django-rest-knox keeps a SHA-512 digest, never the token; it is
# shown once, when created. They do not expire (integrations); their user or an admin
# revokes them.
REST_KNOX = {"TOKEN_TTL": None, "AUTH_HEADER_PREFIX": "Token", "AUTO_REFRESH": False}

SPECTACULAR_SETTINGS = {
    "TITLE": "Atende API",
    "DESCRIPTION": "Back office and routing engine of the Atende contact center.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The e-mail channel's IMAP and SMTP security share one choice set (SPEC §16).
    # Every operation documents its JSON error bodies (400/401/403/404).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.add_error_responses",
    ],
    # Served from our own static files: production networks often have no CDN access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # A message's kind (with ``note``) and what may be sent or received (without it).
    "ENUM_NAME_OVERRIDES": {
        "MailSecurityEnum": "attendance.models.channels.SECURITY_CHOICES",
        "MessageKindEnum": "attendance.models.Kind",
        "SendableKindEnum": "attendance.models.MESSAGE_KINDS",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Live updates to open pages (core/live.py, workspace/stream.py).
LIVE_BACKLOG = int(os.environ.get("LIVE_BACKLOG", "200"))  # events kept per user for reconnecting pages
LIVE_BACKLOG_SECONDS = int(os.environ.get("LIVE_BACKLOG_SECONDS", "3600"))  # Redis: backlog expiry when idle
LIVE_DB_KEEP_SECONDS = int(os.environ.get("LIVE_DB_KEEP_SECONDS", "600"))  # without Redis: rows kept this long
LIVE_POLL_SECONDS = float(os.environ.get("LIVE_POLL_SECONDS", "0.3"))  # without Redis: how often a stream looks
LIVE_KEEPALIVE_SECONDS = float(os.environ.get("LIVE_KEEPALIVE_SECONDS", "15"))
# A stream ends after this long and the browser reconnects (with Last-Event-ID): bounded
# server resources per connection, and a fresh session check.
LIVE_STREAM_SECONDS = float(os.environ.get("LIVE_STREAM_SECONDS", "120"))
# How many streams of one ASGI worker may be opening (reading the session) at once: each
# uses a database connection for that moment; a burst of reconnections waits its turn
# instead of exceeding PostgreSQL's max_connections.
LIVE_STREAM_DB_SLOTS = int(os.environ.get("LIVE_STREAM_DB_SLOTS", "10"))
