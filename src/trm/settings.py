"""Settings of one TRM node, read from the environment (see .env.example).

TRM_MODE selects the defaults: ``production`` (the default) refuses to start when a
secret or identity setting is missing; ``development``, ``demo`` and ``test`` fall back
to clearly labelled insecure values so that a fresh clone runs with no set-up.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import pycountry
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from trm.lib.env import env_bool, env_int, env_list, env_secret, env_str
from trm.lib.fieldcrypto import FieldCipher, FieldKeyError

BASE_DIR = Path(__file__).resolve().parent
MODES = ("production", "development", "demo", "test")
TRM_MODE = env_str("TRM_MODE", "production")
if TRM_MODE not in MODES:
    raise ImproperlyConfigured(f"TRM_MODE must be one of: {', '.join(MODES)}.")
PRODUCTION = TRM_MODE == "production"
DEMO = TRM_MODE == "demo"
TESTING = TRM_MODE == "test"

DATA_DIR = Path(env_str("TRM_DATA_DIR", str(Path.cwd() / "var")))

# Fixed development-only secrets: usable only outside production, and only with synthetic data.
_INSECURE_SECRET = "insecure-development-secret-key-do-not-use-in-production-0123456789"  # noqa: S105 - development only, refused in production  # nosec B105
_INSECURE_FIELD_KEYS = "dev1:ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMzJieXQ"


def _required(name: str, dev_default: str) -> str:
    value = env_secret(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when TRM_MODE=production.")
    return dev_default


SECRET_KEY = _required("TRM_SECRET_KEY", _INSECURE_SECRET)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("TRM_SECRET_KEY must be at least 50 characters long.")

try:
    FIELD_CIPHER = FieldCipher.from_spec(_required("TRM_FIELD_KEYS", _INSECURE_FIELD_KEYS))
except FieldKeyError as exc:
    raise ImproperlyConfigured(f"TRM_FIELD_KEYS is malformed: {exc}.") from None

TRM_NODE_ID = _required("TRM_NODE_ID", "demo-node")
if not TRM_NODE_ID.replace("-", "").replace(".", "").isalnum() or len(TRM_NODE_ID) > 64:
    raise ImproperlyConfigured("TRM_NODE_ID may contain only letters, digits, '-' and '.', 64 at most.")
TRM_COUNTRY = _required("TRM_COUNTRY", "SE").upper()
if TRM_COUNTRY != "XK" and pycountry.countries.get(alpha_2=TRM_COUNTRY) is None:
    raise ImproperlyConfigured("TRM_COUNTRY must be an ISO 3166-1 alpha-2 country code.")
TRM_NODE_NAME = env_str("TRM_NODE_NAME", f"TRM node {TRM_NODE_ID}")
# The node's public base URL; peers reach its trm/1 inbox at <url>/trm/1/inbox (docs/exchange.md).
TRM_PUBLIC_URL = env_str("TRM_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Test-only: seconds the trm/1 inbox waits after storing a message, before it answers.
TRM_EXCHANGE_PAUSE_AFTER_STORE = env_int("TRM_EXCHANGE_PAUSE_AFTER_STORE", 0, minimum=0) if TESTING else 0
# /trm/1/ requests skip the middleware that serves people (core.middleware.MachineEndpointMiddleware).
TRM_MACHINE_FAST_PATH = env_bool("TRM_MACHINE_FAST_PATH", True)
# Deliveries the exchange worker keeps in flight to one peer, each in its own lane and
# conversation (a conversation's messages still leave one after the other).
TRM_EXCHANGE_LANES_PER_PEER = env_int("TRM_EXCHANGE_LANES_PER_PEER", 4, minimum=1)
# The node (on the trust list) that witnesses this node's audit chain: the exchange worker
# sends it the chain's head every TRM_AUDIT_PUBLISH_EVERY seconds (docs/security.md). Empty: off.
TRM_AUDIT_WITNESS = env_str("TRM_AUDIT_WITNESS", "")
if TRM_AUDIT_WITNESS and not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,62}", TRM_AUDIT_WITNESS):
    raise ImproperlyConfigured("TRM_AUDIT_WITNESS must be a node id of the trust list, e.g. authority.trm.")
if TRM_AUDIT_WITNESS and TRM_AUDIT_WITNESS == TRM_NODE_ID:
    raise ImproperlyConfigured("TRM_AUDIT_WITNESS must be another node than TRM_NODE_ID.")
TRM_AUDIT_PUBLISH_EVERY = env_int("TRM_AUDIT_PUBLISH_EVERY", 3600, minimum=60)
# Where the network authority publishes the signed trust list (trm/1 §10.4): the exchange
# worker fetches it every TRM_TRUST_LIST_REFRESH_EVERY seconds and applies a newer one
# (docs/exchange.md). Empty: the list is only imported by hand (`trm trustlist import`).
TRM_TRUST_LIST_URL = env_str("TRM_TRUST_LIST_URL", "").strip()
if TRM_TRUST_LIST_URL:
    _parts = urlsplit(TRM_TRUST_LIST_URL)
    _loopback = _parts.hostname in ("127.0.0.1", "localhost", "::1")
    _scheme_ok = _parts.scheme == "https" or (_parts.scheme == "http" and _loopback)
    if not _scheme_ok or not _parts.hostname or "@" in _parts.netloc or _parts.query or _parts.fragment:
        raise ImproperlyConfigured(
            "TRM_TRUST_LIST_URL must be an https:// URL without user, query or fragment (http only on loopback)."
        )
TRM_TRUST_LIST_REFRESH_EVERY = env_int("TRM_TRUST_LIST_REFRESH_EVERY", 3600, minimum=1)
# The dashboard warns the node administrator and the focal point when the trust list was
# issued more than TRM_TRUST_LIST_WARN_AGE_HOURS ago, expires within
# TRM_TRUST_LIST_WARN_EXPIRY_HOURS, is past its announced next update, or fetches failed.
TRM_TRUST_LIST_WARN_AGE_HOURS = env_int("TRM_TRUST_LIST_WARN_AGE_HOURS", 336, minimum=1)
TRM_TRUST_LIST_WARN_EXPIRY_HOURS = env_int("TRM_TRUST_LIST_WARN_EXPIRY_HOURS", 72, minimum=0)

# Statistics (docs/statistics.md): counts below TRM_STATS_K are never shown; each year of data
# has TRM_STATS_DP_BUDGET of epsilon for differentially private releases; the node sends its
# regional figures to TRM_STATS_SECRETARIAT (a node id of the trust list; empty: nobody).
TRM_STATS_K = env_int("TRM_STATS_K", 11, minimum=2)
try:
    TRM_STATS_DP_BUDGET = float(env_str("TRM_STATS_DP_BUDGET", "1.0"))
except ValueError:
    raise ImproperlyConfigured("TRM_STATS_DP_BUDGET must be a number, e.g. 1.0.") from None
if not 0 < TRM_STATS_DP_BUDGET <= 10:
    raise ImproperlyConfigured("TRM_STATS_DP_BUDGET must be above 0 and at most 10.")
TRM_STATS_SECRETARIAT = env_str("TRM_STATS_SECRETARIAT", "")
TRM_STATS_REFRESH_EVERY = env_int("TRM_STATS_REFRESH_EVERY", 300, minimum=10)
# Past cases the demo adds for the statistics (demo mode only; the tests add their own).
TRM_DEMO_HISTORY = env_int("TRM_DEMO_HISTORY", 1200 if DEMO else 0, minimum=0)
# The length in seconds of the periods (aligned to 00:00 UTC) of which the exchange worker
# sends each peer an exchange summary (trm/1 exchange_summary, docs/exchange.md). 0: none.
TRM_EXCHANGE_SUMMARY_EVERY = env_int("TRM_EXCHANGE_SUMMARY_EVERY", 86400, minimum=0)
if 0 < TRM_EXCHANGE_SUMMARY_EVERY < 60:
    raise ImproperlyConfigured("TRM_EXCHANGE_SUMMARY_EVERY must be 0 (off) or at least 60 seconds.")

DEBUG = env_bool("TRM_DEBUG", TRM_MODE == "development")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("TRM_DEBUG cannot be true when TRM_MODE=production.")

ALLOWED_HOSTS = env_list("TRM_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("TRM_ALLOWED_HOSTS must be set when TRM_MODE=production.")
CSRF_TRUSTED_ORIGINS = env_list("TRM_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "trm.core",
    "trm.accounts",
    "trm.audit",
    "trm.dashboard",
    "trm.cases",
    "trm.referrals",
    "trm.network",
    "trm.exchange",
    "trm.transnational",
    "trm.statistics",
    "trm.justice",
]
if DEMO or TESTING:
    # The demo (synthetic data, demo accounts, the launcher) is a leaf: other modes never load it.
    INSTALLED_APPS.append("trm.demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "trm.core.middleware.DatabaseUnavailableMiddleware",
    # /trm/1/ (node to node) goes from here to the input guard and its view.
    "trm.core.middleware.MachineEndpointMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "trm.accounts.middleware.SessionIdleMiddleware",
    # Django's LocaleMiddleware, with the node's language (TRM_LANGUAGE) before the browser's.
    "trm.core.language.NodeLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Outside the two-factor gate, so that its answers are seen too.
    "trm.lib.problems.ApiProblemMiddleware",
    "trm.audit.refusals.RefusalAuditMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "trm.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so its refusals still get every security header; before any view reads the body.
    "trm.core.middleware.InputGuardMiddleware",
]

ROOT_URLCONF = "trm.urls"
WSGI_APPLICATION = "trm.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "trm.accounts.context.node",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'trm.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _default_db),
        # Persistent connections, checked before reuse: after a database outage the node
        # reconnects by itself on the next request (a dead connection is never reused).
        conn_max_age=env_int("TRM_DB_CONN_MAX_AGE", 600, minimum=0),
        conn_health_checks=True,
    )
}
# How long a write waits for SQLite's single write lock before giving up (then: a 503).
SQLITE_BUSY_TIMEOUT_SECONDS = env_int("TRM_SQLITE_BUSY_TIMEOUT", 20, minimum=1)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite as an embedded default that holds under load (docs/operations.md):
    # - IMMEDIATE: a transaction takes the write lock when it begins, so it waits for the
    #   busy timeout instead of failing at once with "database is locked" when a read in a
    #   deferred transaction tries to upgrade to a write (the audit chain head, for one);
    # - WAL: readers never block the writer, nor the writer the readers;
    # - busy_timeout: how long to wait for the lock (also set by the driver's ``timeout``).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000};"
            ),
        }
    )
# Requests run in autocommit: only the verbs' own atomic blocks take the write lock, so a
# page that only reads never waits for the writer (a per-request transaction would).
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Brute-force lock-out (django-axes): per user name and address; a locked account waits.
AXES_FAILURE_LIMIT = env_int("TRM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TRM_LOGIN_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
AXES_IPWARE_PROXY_COUNT = env_int("TRM_PROXY_COUNT", 0, minimum=0)

# Sessions end after inactivity: a request pushes the expiry forward, writing the session at
# most once a TRM_SESSION_TOUCH_SECONDS (trm.accounts.middleware.SessionIdleMiddleware).
SESSION_COOKIE_AGE = env_int("TRM_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
TRM_SESSION_TOUCH_SECONDS = env_int("TRM_SESSION_TOUCH_SECONDS", 60, minimum=0)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "trm.audit.refusals.csrf_failure"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
_secure = env_bool("TRM_SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
LANGUAGE_COOKIE_SECURE = _secure
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("TRM_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("TRM_HSTS_SECONDS", 31536000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRM_BEHIND_PROXY", False) else None
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

OTP_TOTP_ISSUER = f"TRM {TRM_COUNTRY}"
OTP_TOTP_THROTTLE_FACTOR = 1
# No page of the admin site shows a second-factor secret (trm.accounts.admin removes them too).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# One-time links to choose a password (trm.accounts.enrolment) expire after this long.
PASSWORD_RESET_TIMEOUT = env_int("TRM_LINK_VALID_HOURS", 72, minimum=1) * 3600

# The shipped languages: each has a complete catalogue under locale/ (tests/core/test_catalogue.py).
LANGUAGES = [("en", _("English")), ("bg", _("Bulgarian")), ("ro", _("Romanian")), ("sv", _("Swedish"))]
# The node's language (e.g. bg on a Bulgarian node): pages open in it until the user chooses
# another one with the language switcher. Empty: the browser's language, else English.
TRM_LANGUAGE = env_str("TRM_LANGUAGE", "").strip().lower()
if TRM_LANGUAGE and TRM_LANGUAGE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"TRM_LANGUAGE must be one of: {', '.join(dict(LANGUAGES))}.")
LANGUAGE_CODE = TRM_LANGUAGE or "en"
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TRM_TIME_ZONE", "Europe/Belgrade")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Request bodies (forms and the JSON API) are kept in memory up to this size and refused
# above it: the API answers 413 (trm.core.middleware), pages 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("TRM_MAX_REQUEST_BYTES", 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# The demo writes its e-mails (enrolment links) as files under var/demo/<node>/mail, not over the console.
EMAIL_BACKEND = env_str(
    "TRM_EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEMO else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("TRM_FROM_EMAIL", f"trm@{TRM_NODE_ID}.invalid")

# Logs carry ids and event names only, never personal data (see docs/security.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("TRM_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

if TESTING:
    INSTALLED_APPS.append("tests.support")
    # Argon2 stays on in tests, with small cost parameters so the suite stays quick.
    PASSWORD_HASHERS = ["trm.accounts.hashers.TestArgon2PasswordHasher"]
    AXES_COOLOFF_TIME = timedelta(minutes=30)
