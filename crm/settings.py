"""Settings of the brokerage CRM, read from the environment only.

Local defaults are safe for a developer's machine (SQLite under .data/, Celery in-process);
production must set SECRET_KEY, DATABASE_URL and CELERY_BROKER_URL (see .env.example).
"""

import datetime
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)


def _secret_key_problem(key: str) -> str | None:
    """Why `key` is too weak to sign production sessions, or None; the rules of Django's
    own security.W009 check, refused at start-up instead of warned about."""
    if key.startswith("django-insecure-"):
        return "it starts with django-insecure- (a key made by startproject)"
    if len(key) < 50:
        return "it is shorter than 50 characters"
    if len(set(key)) < 5:
        return "it has fewer than 5 different characters"
    return None


# Read as it stands: django-environ takes a value beginning with "$" for the name of another
# variable, and one generated key in fifty begins so.
if DEBUG:
    SECRET_KEY = os.environ.get("SECRET_KEY", "local-development-key-never-used-in-production")
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if problem := _secret_key_problem(SECRET_KEY):
        raise ImproperlyConfigured(f"SECRET_KEY is too weak for DEBUG off: {problem}.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "crm.apps.CrmAdminConfig",  # Django's admin on the project's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "crm.apps.CrmAxesConfig",  # django-axes, named in the reader's language
    "crm",
    "customers",
    "products",
    "marketing",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise, so that the collected static files keep their own caching headers.
    "csp.middleware.CSPMiddleware",
    "crm.middleware.security_headers",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After the session, the user and the messages, which it reads and writes.
    "crm.middleware.session_idle_timeout",
    # Last, as django-axes asks: it turns a lockout into the login page's lockout message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "crm.context_processors.navigation",
            ],
        },
    },
]

# Database: the embedded default is a SQLite file so that `make demo` runs on a bare machine.
DATA_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'crm.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and an immediate write lock keep the in-process worker and the web server from
    # failing each other with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use an in-memory database unless this names a file, which other processes
    # (the concurrent-import tests start real ones) can open too; `make test` sets it.
    if test_file := env.str("SQLITE_TEST_DATABASE", default=""):
        DATABASES["default"]["TEST"] = {"NAME": str(Path(test_file).resolve())}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by every process (web, worker, command): import progress lives here. The embedded
# default is a file cache under .data/; production points CACHE_URL at Redis.
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{DATA_DIR / 'cache'}")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "customers:workbench"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=10 * 60 * 60)

# Sign-in throttling (django-axes), at the login page and the admin's: after
# AXES_FAILURE_LIMIT failures of one username from one client address, that pair is locked
# for AXES_COOLOFF_MINUTES. Not the address alone: a branch's staff share one NAT address.
# Failures and lockouts go to the audit log (crm/logins.py); an administrator unlocks in
# admin, under "Access attempts".
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=30)
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be at least 1.")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "crm.services.client_ip"
AXES_USERNAME_CALLABLE = "crm.logins.username_tried"
AXES_LOCKOUT_CALLABLE = "crm.logins.lockout_response"
# How many reverse proxies in front of gunicorn append to X-Forwarded-For: the client
# address (audit log, lockout) is that many entries from its right; 0 trusts no header.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
if TRUSTED_PROXY_HOPS < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_HOPS must be 0 or more.")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
FORMAT_MODULE_PATH = ["crm.formats"]
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic puts the files whitenoise serves; the image collects them outside
# .data/, which a deployment may mount as a volume.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "crm.staticfinders.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Production hardening; all of it can be relaxed from the environment for an HTTP-only intranet.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Only the site's own script files run: no inline script, handler attribute or eval (the
# charts' figures travel as JSON data blocks, static/js/charts.js draws them; plotly.js needs
# no eval for the chart types drawn). Styles may be inline because plotly.js inserts <style>
# elements and style attributes as it draws (htmx its indicator rule), which 'self' refuses.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# The browser features the CRM never uses, off for its pages and whatever they might embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), bluetooth=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), "
    "usb=()"
)
# A session unused this long (seconds) is signed out; SESSION_COOKIE_AGE stays the limit of
# a session in use, counted from the sign-in.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)

# Celery: with no broker configured, tasks run in-process (the embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Longer than the longest task (a nightly import of a big day), or Redis re-delivers it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 12 * 60 * 60}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 12 * 60 * 60}
NIGHTLY_PIPELINE_HOUR = env.int("NIGHTLY_PIPELINE_HOUR", default=2)
NIGHTLY_PIPELINE_MINUTE = env.int("NIGHTLY_PIPELINE_MINUTE", default=0)
# Every periodic schedule of the CRM lives here, one comment per entry.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # After the counter's end-of-day export: import every new complete day folder, then
    # compute the metrics of each day loaded (crm/pipeline.py).
    "nightly-pipeline": {
        "task": "crm.nightly_pipeline",
        "schedule": crontab(hour=NIGHTLY_PIPELINE_HOUR, minute=NIGHTLY_PIPELINE_MINUTE),
    },
    # An import whose process died (killed, machine restarted) is marked failed, so that
    # nobody waits on a run that will never end.
    "import-runs-reap": {"task": "customers.import_runs_reap", "schedule": crontab(minute="*/5")},
    # Campaigns: finish what is done and hand each channel with due sends to its sender
    # (marketing/services/sending.py); the due times live in the database, never in countdowns.
    "campaign-dispatch": {"task": "marketing.campaign_dispatch", "schedule": crontab(minute="*")},
}

# Campaigns (marketing/services/sending.py). Each outbound channel has a backend, as
# Django's e-mail has: the console/file backend by default (the demo writes what it would
# send to a file), the HTTP SMS gateway in production; e-mail goes through EMAIL_BACKEND.
CAMPAIGN_SMS_BACKEND = env.str(
    "CAMPAIGN_SMS_BACKEND", default="marketing.channels.console.ConsoleBackend"
)
CAMPAIGN_EMAIL_BACKEND = env.str(
    "CAMPAIGN_EMAIL_BACKEND", default="marketing.channels.email.EmailBackend"
)
# Where the console backend writes what it sends (one JSON line per message).
CAMPAIGN_OUTBOX = Path(env.str("CAMPAIGN_OUTBOX", default=str(DATA_DIR / "outbox")))
# Django's e-mail (campaign e-mails go through it): SMTP when EMAIL_HOST is set, otherwise
# files under the outbox, so that the demo sends nothing anywhere.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = CAMPAIGN_OUTBOX / "email"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CRM <crm@localhost>")
# Messages per second each channel may send, and how many go to the gateway in one call.
CAMPAIGN_SMS_RATE = env.float("CAMPAIGN_SMS_RATE", default=200.0)
CAMPAIGN_EMAIL_RATE = env.float("CAMPAIGN_EMAIL_RATE", default=20.0)
CAMPAIGN_BATCH_SIZE = env.int("CAMPAIGN_BATCH_SIZE", default=100)
if CAMPAIGN_SMS_RATE <= 0 or CAMPAIGN_EMAIL_RATE <= 0 or CAMPAIGN_BATCH_SIZE < 1:
    raise ImproperlyConfigured("Campaign send rates must be positive and batches at least 1.")
# No marketing message goes out between these local times (gateways in China refuse
# promotional SMS outside roughly 08:00-22:00); a send due then waits for the morning.
CAMPAIGN_QUIET_HOURS = env.str("CAMPAIGN_QUIET_HOURS", default="21:00-08:00")
try:
    if CAMPAIGN_QUIET_HOURS.strip():
        _quiet_parts = CAMPAIGN_QUIET_HOURS.split("-")
        if len(_quiet_parts) != 2:
            raise ValueError
        for _part in _quiet_parts:
            datetime.time.fromisoformat(_part.strip())
except ValueError:
    raise ImproperlyConfigured(
        f"CAMPAIGN_QUIET_HOURS must read like 21:00-08:00 or be empty,"
        f" not {CAMPAIGN_QUIET_HOURS!r}."
    ) from None
# The most marketing messages (SMS and e-mail, all campaigns) a customer gets in 7 days.
CAMPAIGN_WEEKLY_MESSAGE_CAP = env.int("CAMPAIGN_WEEKLY_MESSAGE_CAP", default=2)
# The words that, as a whole reply, opt a customer out of marketing everywhere, and the
# wording every marketing SMS ends with.
CAMPAIGN_OPT_OUT_WORDS = env.list("CAMPAIGN_OPT_OUT_WORDS", default=["TD", "退订", "STOP", "T"])
CAMPAIGN_OPT_OUT_TEXT = env.str("CAMPAIGN_OPT_OUT_TEXT", default="回复TD退订")
# The signature every SMS starts with (the gateway refuses an unsigned one), and what one
# billed segment costs.
CAMPAIGN_SMS_SIGNATURE = env.str("CAMPAIGN_SMS_SIGNATURE", default="【示范证券】")
CAMPAIGN_SMS_SEGMENT_COST = env.str("CAMPAIGN_SMS_SEGMENT_COST", default="0.05")
# A send claimed this long ago (seconds) whose sender never recorded the answer is
# re-submitted under the same message id, which the gateway de-duplicates.
CAMPAIGN_CLAIM_LEASE_SECONDS = env.int("CAMPAIGN_CLAIM_LEASE_SECONDS", default=120)
# The HTTP SMS gateway (marketing/channels/gateway.py): its address, account and the secret
# that signs requests both ways (our submissions, its receipts and replies).
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_ACCOUNT = env.str("SMS_GATEWAY_ACCOUNT", default="")
SMS_GATEWAY_SECRET = env.str("SMS_GATEWAY_SECRET", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10.0)

# The most customers one CSV export may hold (a bigger one asks for narrower filters).
CUSTOMER_EXPORT_MAX_ROWS = env.int("CUSTOMER_EXPORT_MAX_ROWS", default=100_000)
# The segment editor's live preview: the longest a count may run (milliseconds) before the
# preview says it could not count in time (marketing/services/previews.py).
PREVIEW_TIMEOUT_MS = env.int("PREVIEW_TIMEOUT_MS", default=2000)
if PREVIEW_TIMEOUT_MS < 1:
    raise ImproperlyConfigured("PREVIEW_TIMEOUT_MS must be at least 1.")
# The longest one segment's evaluation may run (milliseconds, PostgreSQL): a rule the planner
# reads badly fails, keeps its members and is logged, instead of holding the nightly run.
SEGMENT_EVALUATION_TIMEOUT_MS = env.int("SEGMENT_EVALUATION_TIMEOUT_MS", default=120_000)
if SEGMENT_EVALUATION_TIMEOUT_MS < 1:
    raise ImproperlyConfigured("SEGMENT_EVALUATION_TIMEOUT_MS must be at least 1.")
# How long a risk questionnaire stays valid before the customer must be reassessed.
RISK_ASSESSMENT_VALID_DAYS = env.int("RISK_ASSESSMENT_VALID_DAYS", default=730)
# What an ordinary investor must show to be converted to a professional one (class C): the
# regulation's financial assets or average annual income over three years, and experience.
PROFESSIONAL_MIN_FINANCIAL_ASSETS = env.str("PROFESSIONAL_MIN_FINANCIAL_ASSETS", default="3000000")
PROFESSIONAL_MIN_ANNUAL_INCOME = env.str("PROFESSIONAL_MIN_ANNUAL_INCOME", default="300000")
PROFESSIONAL_MIN_EXPERIENCE_YEARS = env.int("PROFESSIONAL_MIN_EXPERIENCE_YEARS", default=1)

# Metrics (README, "Metrics"): the annual spread the brokerage earns on customers' cash,
# and the annual rate it charges on financing debt; both over a 360-day year.
INTEREST_SPREAD_ANNUAL = env.str("INTEREST_SPREAD_ANNUAL", default="0.012")
MARGIN_INTEREST_RATE = env.str("MARGIN_INTEREST_RATE", default="0.06")

IMPORT_ROOT = Path(env.str("IMPORT_ROOT", default=str(DATA_DIR / "imports")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors": {"()": "crm.logs.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's records go up to the root's console alone: its own console handler (with
        # DEBUG on) printed each of them, tracebacks included, a second time.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # A 403 or 404 is one line; a 500 keeps its traceback.
        "django.request": {"filters": ["client_errors"]},
    },
}
