"""Machi settings. Everything that differs between machines comes from the environment."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
# The project folder: where the SQLite file and the development secret live.
PROJECT_DIR = Path(os.environ.get("MACHI_HOME", PACKAGE_DIR.parent.parent)).resolve()

# Production is the default: debug only when asked for (`make run` and the test suite ask).
DEBUG = os.environ.get("MACHI_DEBUG", "0") == "1"


def _secret_key() -> str:
    """From MACHI_SECRET_KEY; in development, generated once into an uncommitted file."""
    if key := os.environ.get("MACHI_SECRET_KEY"):
        return key
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "MACHI_SECRET_KEY を設定してください（本番では必須です。開発用の機械では MACHI_DEBUG=1）"
        )
    path = PROJECT_DIR / ".machi-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("MACHI_ALLOWED_HOSTS", "").split(",") if h] or (
    ["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "ninja",  # serves the API docs (Swagger UI) from its own static files, not from a CDN
    "django_tasks",
    "django_tasks_db",  # the queue's table (migrated always, used where MACHI_TASKS_BACKEND=database)
    "machi.core",
    "machi.accounts",
    "machi.audit",
    "machi.ledger",
    "machi.facilities",
    "machi.grants",
    "machi.events",
    "machi.requests",
    "machi.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a body (the CSRF check does): a body over its cap is refused unread.
    "machi.core.limits.RequestSizeLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The request's scheme and host, for links in the mail an action sends while serving it.
    "machi.core.mail.RequestOriginMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
    # Innermost: a view that meets a database that is down or locked answers 503, not a traceback.
    "machi.core.unavailable.DatabaseUnavailableMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a login while the account and address are locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock-out after repeated failures: 5 failed logins for one username from one address
# lock that pair for 15 minutes (locking the username alone would let anyone lock anyone out).
AXES_FAILURE_LIMIT = int(os.environ.get("MACHI_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Reverse proxies in front of Machi: what they add to a request (the client's address, the scheme)
# is believed only when the settings say they are there; without one, those headers are anyone's.
PROXY_COUNT = int(os.environ.get("MACHI_PROXY_COUNT", 0))
# django-ipware is not installed, so axes would count every client behind a proxy as the proxy:
# it asks Machi's own reading of X-Forwarded-For, the one the mail limits use too.
AXES_CLIENT_IP_CALLABLE = "machi.core.clients.client_address"
AXES_VERBOSE = False

# Mails the account pages send on request (a password reset, the address check, a sign-up, an address
# change): at most this many an hour to one address, and from one client address.
MACHI_MAILS_PER_ADDRESS_HOUR = int(os.environ.get("MACHI_MAILS_PER_ADDRESS_HOUR", 3))
MACHI_MAILS_PER_CLIENT_HOUR = int(os.environ.get("MACHI_MAILS_PER_CLIENT_HOUR", 20))
# A personal API token lasts this many days unless made with another term (`machi token create --days`).
MACHI_TOKEN_DAYS = int(os.environ.get("MACHI_TOKEN_DAYS", 90))

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "ledger:index"

# Mail: printed to the console in development; SMTP from the environment in production.
EMAIL_BACKEND = os.environ.get("MACHI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("MACHI_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("MACHI_EMAIL_PORT", 25))
DEFAULT_FROM_EMAIL = os.environ.get("MACHI_DEFAULT_FROM_EMAIL", "machi@localhost")
# The public address links in mail start with (machi.core.mail.absolute_url). Unset, a mail sent while
# serving a request links to that request's host, and one sent by a background task or the command
# line to http://127.0.0.1:8000; production should set it (a start-up check warns when it is not).
MACHI_SITE_URL = os.environ.get("MACHI_SITE_URL", "").rstrip("/")

# Background tasks (mail, due lottery work): Django's Tasks framework (the django-tasks backport).
# "immediate" (development, tests): a task runs at once in the process that enqueues it, so
# `make run` needs no worker. "database" (production): tasks wait in the database until
# `machi worker` runs them. See machi.core.mail and machi.facilities.tasks.
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
MACHI_TASKS_BACKEND = os.environ.get("MACHI_TASKS_BACKEND", "immediate")
if MACHI_TASKS_BACKEND not in _TASK_BACKENDS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"MACHI_TASKS_BACKEND は {' / '.join(_TASK_BACKENDS)} のどれかにしてください（{MACHI_TASKS_BACKEND!r}）"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[MACHI_TASKS_BACKEND]}}
# The work that falls due with the clock: `machi worker` enqueues each of these every minute.
# Each takes no argument and may run any number of times (a lottery is drawn once, a win lapses once).
MACHI_DUE_TASKS = ["machi.facilities.tasks.run_due_work", "machi.events.tasks.draw_due_lotteries"]
# Work done once a day (the first minute the worker sees a new day): the retention of personal data,
# and forgetting the answers kept for `Idempotency-Key` retries after 48 hours.
MACHI_DAILY_TASKS = [
    "machi.accounts.tasks.anonymise_expired",
    "machi.accounts.tasks.forget_idempotent_answers",
]
# Personal data in bookings, lottery entries and grant applications is kept until the end of this
# many fiscal years after the one it belongs to, then anonymised (machi.accounts.privacy).
MACHI_RETENTION_FISCAL_YEARS = int(os.environ.get("MACHI_RETENTION_FISCAL_YEARS", 3))

# The map tiles of the residents' requests pages (report a problem, the public map): a URL template
# with {z}/{x}/{y}, the attribution shown on the map and the page it links to. 地理院タイル (the
# Geospatial Information Authority of Japan's standard map) unless MACHI_MAP_TILES names another source.
MACHI_MAP_TILES = {
    "url": os.environ.get("MACHI_MAP_TILES", "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"),
    "attribution": os.environ.get("MACHI_MAP_ATTRIBUTION", "地理院タイル"),
    "attribution_url": os.environ.get(
        "MACHI_MAP_ATTRIBUTION_URL", "https://maps.gsi.go.jp/development/ichiran.html"
    ),
}


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# Content-Security-Policy: only our own scripts, styles and images (and the map's tiles); no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *filter(None, [_origin(MACHI_MAP_TILES["url"])])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the API's session clients read it to send X-CSRFToken

ROOT_URLCONF = "machi.urls"
WSGI_APPLICATION = "machi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def _database() -> dict:
    default_sqlite = f"sqlite:///{PROJECT_DIR / 'machi.sqlite3'}"
    config = dj_database_url.parse(os.environ.get("DATABASE_URL") or default_sqlite, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write
        # lock at BEGIN, so two writers queue instead of failing half-way.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        return config
    # Django's backend, whose check of a kept connection before a request reads its socket instead of
    # sending SELECT 1 (machi.core.postgresql): a round trip fewer on every request.
    config["ENGINE"] = "machi.core.postgresql"
    # Parameters bound by the server, and a statement run five times on a connection prepared there
    # (psycopg's default, which Django turns off): the hot paths' statements are parsed and planned once
    # per connection, not on each request (a booking's database CPU fell by a quarter).
    config["OPTIONS"] = {**config.get("OPTIONS", {}), "server_side_binding": True, "prepare_threshold": 5}
    if pool := _db_pool(os.environ.get("MACHI_DB_POOL", "")):
        # A pool in each server process (psycopg_pool), shared by its threads: a request borrows a
        # connection and gives it back at its end. Django refuses a pool with persistent connections.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "pool": pool}
        # With a pool, the health check is the pool's own (ConnectionPool.check_connection): each
        # connection is checked as it is borrowed, and a dead one replaced.
        config["CONN_HEALTH_CHECKS"] = True
        return config
    # A kept connection is checked before a request uses it: after a database restart, the first
    # request of each worker reconnects instead of failing on the dead connection.
    config["CONN_HEALTH_CHECKS"] = config.get("CONN_MAX_AGE", 0) != 0
    return config


def _db_pool(value: str) -> dict | None:
    """MACHI_DB_POOL: unset or 0, no pool (each worker keeps its connection); N, a pool of N
    connections per process; MIN:MAX, one that holds MIN and grows to MAX. PostgreSQL only."""
    value = value.strip()
    if value in ("", "0"):
        return None
    low, colon, high = value.partition(":")
    try:
        min_size, max_size = int(low), int(high if colon else low)
    except ValueError:
        min_size = max_size = 0
    if not 1 <= min_size <= max_size:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"MACHI_DB_POOL は 0、接続数 N、または 最小:最大 にしてください（例: 4 または 2:8）（{value!r}）"
        )
    # A request waits at most 10 s for a connection, then answers 503 (the database is busy).
    return {"min_size": min_size, "max_size": max_size, "timeout": 10}


DATABASES = {"default": _database()}
if (test_name := os.environ.get("MACHI_TEST_DATABASE_NAME")) and "sqlite" not in DATABASES["default"][
    "ENGINE"
]:
    # Lets two suites share one PostgreSQL server without dropping each other's test database.
    DATABASES["default"]["TEST"] = {"NAME": test_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = PROJECT_DIR / "var" / "static"
# Static files are served by WhiteNoise from STATIC_ROOT (after `machi collectstatic`); in
# development straight from the apps, so nothing needs collecting first.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
STATICFILES_DIRS = [PACKAGE_DIR / "static"]

# Uploads larger than this are refused before they are read (see ledger.importers).
MACHI_MAX_IMPORT_BYTES = int(os.environ.get("MACHI_MAX_IMPORT_BYTES", 20 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = MACHI_MAX_IMPORT_BYTES
# The largest body a request may have; a view taking uploads sets its own (machi.core.limits.max_body).
MACHI_MAX_REQUEST_BYTES = int(os.environ.get("MACHI_MAX_REQUEST_BYTES", 1024 * 1024))

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Allows the domain onto the browsers' HTTPS-only preload list; it takes effect only once
    # the city submits the domain, which is the operator's decision (hstspreload.org).
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = os.environ.get("MACHI_SSL_REDIRECT", "1") == "1"
    # The load balancer's health checks (/healthz/live, /healthz/ready) may come over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/"]
    if PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# The shipped datasets (`machi demo` loads data/kumamoto-fy2022).
MACHI_DATA_DIR = Path(os.environ.get("MACHI_DATA_DIR", PROJECT_DIR / "data"))
