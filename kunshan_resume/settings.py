"""Settings for the Kunshan resumption portal, read from the environment (twelve-factor).

Without any environment the portal runs on the embedded default: SQLite under var/ and Celery
tasks executed eagerly in-process. DATABASE_URL and REDIS_URL switch to PostgreSQL and a real
broker. When DEBUG is off the transport-security settings default to production values.
"""

import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's .env (written by `make`, git-ignored) fills in what the real environment leaves unset.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# A development key is only acceptable while DEBUG is on; production must provide its own.
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "dev-only-insecure-key-kunshan-resume-0123456789abcdefghijklmnopqrstuvwxyz" if DEBUG else ""
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "accounts.apps.AxesConfig",
    "csp",
    "django_ratelimit",
    "core",
    "reference",
    "accounts",
    "negative_list",
    "enterprises",
    "filings",
    "workforce",
    "passes",
    "service_requests",
    "labour",
    "supervision",
    "policies",
    "dashboard",
    "portal",
]

MIDDLEWARE = [
    "core.logging.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.NoStoreForAuthenticatedMiddleware",
    "core.replica.PrimaryAfterWriteMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last so that it sees the result of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kunshan_resume.urls"
WSGI_APPLICATION = "kunshan_resume.wsgi.application"

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
                "portal.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica for the heavy reads (core/replica.py; README, "Read replica"): dashboards, drill-down
# lists, exports and the daily workbook read from it; writes, and a user's pages right after their own write,
# the primary. In tests it mirrors the default database (tests/core/test_replica.py uses a real one).
if DATABASE_REPLICA_URL := env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        # The portal's queries are short and run on every page: PostgreSQL's JIT compiled the larger ones (the
        # dashboards' grouped counts) for 15-30 ms each and won nothing back on queries of that size (bench.dashboard).
        _options = _database.setdefault("OPTIONS", {})
        _options["options"] = f"-c jit=off {_options.get('options', '')}".strip()
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# After a write, the user's pages read the primary this long (longer than the replica's usual lag).
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=15)
# A replica further behind than this is skipped: the figures never describe more than this long ago.
REPLICA_MAX_LAG_SECONDS = env.int("REPLICA_MAX_LAG_SECONDS", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# pytest-xdist runs the suite in several processes, each with its own test database: each gets its own Redis
# database too, or one process's test would see (or empty) another's cache, rate limits, revocation set and queue.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _xdist_worker and os.environ.get("REDIS_URL_SHIFTED_FOR") != _xdist_worker:
    _redis = urlsplit(REDIS_URL)
    _redis_db = (int(_redis.path.strip("/") or 0) + 1 + int(_xdist_worker.removeprefix("gw"))) % 16
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_redis_db}"))
    # For the tests that read it and the processes they start, which inherit both and shift nothing again.
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["REDIS_URL_SHIFTED_FOR"] = _xdist_worker

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions are read from Redis (one GET) and written through to the database, which stays the record.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process so that `make run` needs nothing but Python.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
# A page that queues a task must answer even when Redis is down: bound the connection and publish retries.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One beat: celery-redbeat keeps the schedule (each entry's last run) in Redis and lets only the beat holding a
# Redis lock send; a second beat started by mistake waits for the lock, and takes over, at the schedule where the
# first left it, within CELERY_REDBEAT_LOCK_TIMEOUT of the first one dying (at once when it stops cleanly).
if REDIS_URL:
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
CELERY_REDBEAT_REDIS_URL = REDIS_URL
CELERY_REDBEAT_REDIS_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_REDBEAT_KEY_PREFIX = "redbeat"
# The leader renews its lock at every tick (at most every CELERY_BEAT_MAX_LOOP_INTERVAL seconds); a waiting beat
# tries the lock as often.
CELERY_BEAT_MAX_LOOP_INTERVAL = 10
CELERY_REDBEAT_LOCK_TIMEOUT = env.int("BEAT_LOCK_TIMEOUT", default=60)

# --- Accounts, login protection -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.CachedModelBackend",
]
# How long a signed-in user is served from the cache (a save or delete of the user drops it at once).
USER_CACHE_SECONDS = env.int("USER_CACHE_SECONDS", default=60)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Checkpoints share carrier NAT: lock out a username from one address, never a whole address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Behind the reverse proxy every request arrives from the proxy's address, and a lockout would then be keyed
# on the username alone (anyone could lock anyone out). TRUSTED_PROXY_COUNT is how many proxies stand in front
# of gunicorn, each appending to X-Forwarded-For; the client's address is read from that header counting from
# the right, so an address the client wrote into the header itself is never the one taken.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1  # ipware counts the proxies the header lists: not the last
    IPWARE_STRICT = False  # a header longer than the proxies make is read from the right, not refused

# Pages used without signing in (the QR link a passer-by opens, self-registration) are limited per client
# address (core.ratelimit), counted in the cache and keyed by the address the lockout above reads.
PUBLIC_RATE_LIMIT = env.str("PUBLIC_RATE_LIMIT", default="30/m")
RATELIMIT_IP_META_KEY = "axes.helpers.get_client_ip_address"
# core.cache.RedisCache is Django's Redis cache (atomic INCR), which the library's check does not know by name;
# without Redis the embedded default is one process, whose local-memory cache is then shared enough.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + ([] if REDIS_URL else ["django_ratelimit.E003"])

# Idle timeout: the session ends after SESSION_IDLE_MINUTES without a request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
# Not a write per request: core.middleware.SessionIdleRefreshMiddleware pushes the expiry forward at most
# once a minute (a session ends 29 to 30 idle minutes after its last request); a checkpoint scanning at
# peak would otherwise commit a session UPDATE with every pass it checks.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Transport security (production defaults whenever DEBUG is off) -------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /healthz must answer a plain-HTTP probe from the load balancer.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$"]

# No inline script or style anywhere: every script and stylesheet is a vendored static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
    },
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded files go through Django's storage API only (core.uploads): FILE_STORAGE chooses the backend, "local"
# (MEDIA_ROOT on this machine, or a folder every app node mounts) or "s3" (an S3-compatible object store, e.g. a
# city's private cloud, through django-storages; objects are private and served only through the portal's views).
FILE_STORAGE = env.str("FILE_STORAGE", default="local")
_FILES: dict[str, Any]
if FILE_STORAGE == "local":
    _FILES = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif FILE_STORAGE == "s3":
    _FILES = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_PREFIX", default=""),
            # Most private clouds (MinIO, Ceph) answer on one host name: the bucket goes in the path.
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
            "default_acl": None,  # the bucket's own policy: private
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured('FILE_STORAGE must be "local" or "s3".')
STORAGES = {
    "default": _FILES,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"  # never served directly: uploads go through scope-checked views
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
EXCEL_UPLOAD_MAX_BYTES = env.int("EXCEL_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# What reading one uploaded workbook may cost (core.excel.Limits), checked before openpyxl opens it and while
# it reads, so that any upload up to EXCEL_UPLOAD_MAX_BYTES is processed or refused within 5 s of CPU and
# 100 MB of memory (bench/hostile_upload.py measures the worst files). Sizes are unpacked bytes: of all
# parts together, of a part read whole (styles, workbook), of a worksheet (streamed), of the shared strings
# (held in memory); the ratio applies to parts of 1 MB and more. Rows count blank ones; cells count every
# sheet's, empty ones too: 5,000 rows of a dozen columns fit, a file every cell of which is wrong (the
# costliest: each error is written into the annotated copy) is answered within the target. Larger files
# are imported in parts (the roster, with its own limits below, in a background job).
EXCEL_MAX_UNCOMPRESSED = env.int("EXCEL_MAX_UNCOMPRESSED", default=50 * 1024 * 1024)
EXCEL_MAX_PART_BYTES = env.int("EXCEL_MAX_PART_BYTES", default=2 * 1024 * 1024)
EXCEL_MAX_SHEET_BYTES = env.int("EXCEL_MAX_SHEET_BYTES", default=24 * 1024 * 1024)
EXCEL_MAX_STRINGS_BYTES = env.int("EXCEL_MAX_STRINGS_BYTES", default=8 * 1024 * 1024)
EXCEL_MAX_COMPRESSION_RATIO = env.int("EXCEL_MAX_COMPRESSION_RATIO", default=100)
EXCEL_MAX_SHARED_STRINGS = env.int("EXCEL_MAX_SHARED_STRINGS", default=150_000)
EXCEL_MAX_ROWS = env.int("EXCEL_MAX_ROWS", default=10_000)
EXCEL_MAX_COLUMNS = env.int("EXCEL_MAX_COLUMNS", default=64)
EXCEL_MAX_CELLS = env.int("EXCEL_MAX_CELLS", default=60_000)
# Largest uploaded material (PDF, image, Word, Excel), checked by core.uploads.validate_upload.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

# --- Mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="昆山复工复产服务平台 <noreply@localhost>")

# --- Text messages (accounts/sms.py) --------------------------------------------------------
SMS_BACKEND = env.str("SMS_BACKEND", default="accounts.sms.ConsoleBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms.jsonl"))
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env.str("SMS_GATEWAY_KEY", default="")
SMS_GATEWAY_SECRET = env.str("SMS_GATEWAY_SECRET", default="")
SMS_GATEWAY_SIGN = env.str("SMS_GATEWAY_SIGN", default="昆山复工复产")
# The platform's registered template id for each of accounts.sms.TEMPLATES, e.g. "filing_decision=SMS_001,...".
SMS_GATEWAY_TEMPLATES = env.dict("SMS_GATEWAY_TEMPLATES", default={})
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=5.0)
SMS_DAILY_CAP_PER_NUMBER = env.int("SMS_DAILY_CAP_PER_NUMBER", default=10)

# --- Forms ----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging: one line per event on stdout, with the personal-data audit trail kept apart ----
# JSON lines in production (one object per record: time, level, logger, message, request_id, user_id, role),
# plain text for a developer. Personal-data access has a logger and a file of its own (kept apart, under its own
# retention), and never reaches the general log.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
PERSONAL_DATA_LOG_FILE = Path(
    env.str("PERSONAL_DATA_LOG_FILE", default="") or BASE_DIR / "var" / "log" / "personal_data.log"
)
PERSONAL_DATA_LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
_JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s %(role)s"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "core.logging.RequestContextFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "refusal_without_traceback": {"()": "core.logging.RefusalWithoutTraceback"},
        "secret_paths_hidden": {"()": "core.logging.SecretPathsHidden"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": _JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_context"]},
        "personal_data_file": {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(PERSONAL_DATA_LOG_FILE),
            "formatter": "json",
            "filters": ["request_context"],
            "delay": True,
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # A 403 logs its one line without the traceback; server errors also go to ADMINS by mail.
        "django.request": {
            "handlers": ["mail_admins"],
            "filters": ["refusal_without_traceback", "secret_paths_hidden"],
        },
        "personal_data": {"handlers": ["personal_data_file"], "level": "INFO", "propagate": False},
    },
}
# Error reports by e-mail to ADMINS ("姓名 <address>" or a bare address, comma separated); SERVER_EMAIL sends them.
ADMINS = [(a.split("<")[0].strip() or a, a.split("<")[-1].strip(" >")) for a in env.list("ADMINS", default=[])]
SERVER_EMAIL = env.str("SERVER_EMAIL", default="fugong-portal@localhost")
# And to a self-hosted Sentry when SENTRY_DSN is set, personal data scrubbed first (core/sentry.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from core.sentry import sentry_init

    sentry_init(SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="production"))

# --- Portal --------------------------------------------------------------------------------
# A submitted filing should be reviewed within this many working days (Monday to Friday).
FILING_REVIEW_WORKING_DAYS = env.int("FILING_REVIEW_WORKING_DAYS", default=1)
# A support-policy application is to be reviewed within this many official working days of its submission.
POLICY_REVIEW_WORKING_DAYS = env.int("POLICY_REVIEW_WORKING_DAYS", default=5)
# Daily workforce reports may be saved until this local time; a report saved later is marked late.
WORKFORCE_REPORT_CUTOFF = time.fromisoformat(env.str("WORKFORCE_REPORT_CUTOFF", default="16:00"))
# Reminders an hour before the cut-off, provisional summaries every hour of the day, the final one after it.
_REMIND_AT = (datetime.combine(date.min, WORKFORCE_REPORT_CUTOFF) - timedelta(hours=1)).time()
_FINAL_AT = (datetime.combine(date.min, WORKFORCE_REPORT_CUTOFF) + timedelta(minutes=10)).time()
# Labour (clauses 8 and 10): a complaint about the HR market is answered, and a labour dispute settled or
# referred, within these many working days; an open dispute past its deadline goes up to the district's head.
LABOUR_COMPLAINT_WORKING_DAYS = env.int("LABOUR_COMPLAINT_WORKING_DAYS", default=5)
LABOUR_DISPUTE_WORKING_DAYS = env.int("LABOUR_DISPUTE_WORKING_DAYS", default=10)
# Anonymous complaints about the HR market, per client address (django-ratelimit, e.g. "5/h").
LABOUR_PUBLIC_COMPLAINT_RATE = env.str("LABOUR_PUBLIC_COMPLAINT_RATE", default="5/h")
# The peak-hour figures re-count this many recent minutes of the check log every few minutes (passes.flow_rollup).
FLOW_ROLLUP_RECENT_MINUTES = env.int("FLOW_ROLLUP_RECENT_MINUTES", default=180)
# A pass holder's report of a refusal at a community (issue 17), per client address: a few per hour.
ACCESS_COMPLAINT_RATE = env.str("ACCESS_COMPLAINT_RATE", default="5/h")
# One beat sends (the lock above); the tasks are idempotent besides: a run repeated after a takeover is harmless.
CELERY_BEAT_SCHEDULE = {
    "workforce-reminders": {
        "task": "workforce.tasks.send_report_reminders",
        "schedule": crontab(hour=_REMIND_AT.hour, minute=_REMIND_AT.minute),
    },
    "workforce-summary-provisional": {
        "task": "workforce.tasks.build_daily_summary",
        "schedule": crontab(hour=f"8-{_REMIND_AT.hour}", minute=30),
    },
    "workforce-summary-final": {
        "task": "workforce.tasks.build_daily_summary",
        "schedule": crontab(hour=_FINAL_AT.hour, minute=_FINAL_AT.minute),
        "kwargs": {"final": True},
    },
    # Checkpoint checks wait in a Redis list until this moves them into PassCheck; expires so that a
    # stopped worker does not come back to a pile of identical flushes.
    "passes-flush-checks": {
        "task": "passes.tasks.flush_pass_checks",
        "schedule": timedelta(seconds=5),
        "options": {"expires": 5},
    },
    # The peak-hour figures read the check log rolled up per entrance and quarter-hour (passes.flow_rollup): the
    # recent quarter-hours every few minutes, the whole week at night (a phone's late offline checks included).
    "passes-roll-up-flow": {
        "task": "passes.tasks.roll_up_entrance_flow",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 300},
    },
    # The dashboards' standings, report tallies and pass counts recounted from the rows (a safety net).
    "workforce-rebuild-standings": {
        "task": "workforce.tasks.rebuild_standings",
        "schedule": crontab(hour=2, minute=50),
    },
    "passes-rebuild-tallies": {"task": "passes.tasks.rebuild_pass_tallies", "schedule": crontab(hour=2, minute=55)},
    "passes-roll-up-flow-nightly": {
        "task": "passes.tasks.roll_up_entrance_flow",
        "schedule": crontab(hour=2, minute=40),
        "kwargs": {"full": True},
    },
    # The revocation set's Redis copy is rebuilt on its own when Redis lost it; this also repairs an
    # update that failed while Redis was unreachable.
    "passes-rebuild-revocations": {
        "task": "passes.tasks.rebuild_revocations",
        "schedule": timedelta(minutes=10),
        "options": {"expires": 600},
    },
    # Passes whose last valid day was yesterday become expired, and their enterprises are told.
    # Labour: overdue disputes go up to the district's head; scheduled drives are checked against the risk list.
    "labour-escalate-disputes": {"task": "labour.tasks.escalate_overdue_disputes", "schedule": crontab(minute=15)},
    "labour-flag-risky-drives": {"task": "labour.tasks.flag_risky_drives", "schedule": crontab(minute="*/30")},
    "labour-refresh-figures": {
        "task": "labour.tasks.refresh_labour_figures",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 60},
    },
    # The dashboards' supervision figures, recomputed into the cache every minute (as the city's figures are).
    "supervision-refresh-figures": {
        "task": "supervision.tasks.refresh_figures",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 60},
    },
    # Findings past their rectification deadline go up to the commanders (once each; idempotent).
    "supervision-escalate-overdue-findings": {
        "task": "supervision.tasks.escalate_overdue_findings",
        "schedule": crontab(minute=15),
    },
    "passes-expire-return-passes": {
        "task": "passes.tasks.expire_return_passes",
        "schedule": crontab(hour=0, minute=5),
    },
    # The city's dashboard figures, recomputed into the cache every minute (dashboard.selectors.REFRESH_SECONDS)
    # so that no request has to compute them; expires so that a stopped worker does not queue a backlog.
    "dashboard-refresh-city-figures": {
        "task": "dashboard.tasks.refresh_city_figures",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 60},
    },
    # A risk list whose effective day is today is applied to the passes (again, if its own scheduled
    # run at midnight went through: that is harmless).
    "passes-apply-due-risk-lists": {
        "task": "passes.tasks.apply_due_risk_lists",
        "schedule": crontab(hour=0, minute=10),
    },
    # Checks older than PASS_CHECK_RETENTION_DAYS are deleted at night, when the checkpoints are quiet.
    # Readiness (/healthz/ready, manage.py health) reports the age of this stamp: a stopped beat is seen.
    "core-beat-heartbeat": {
        "task": "core.tasks.beat_heartbeat",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 60},
    },
    # Personal data past its period (core.retention: workers who left, the ID-number disclosure log, checkpoint
    # checks, roster uploads, text messages, and whatever kind an app registers), in short batches.
    "core-retention-sweep": {
        "task": "core.tasks.retention_sweep",
        "schedule": crontab(hour=2, minute=30),
    },
    # Requests past their deadline move up one tier; a doubled run moves none twice (compare-and-set).
    "service-requests-escalate": {
        "task": "service_requests.tasks.escalate_overdue_requests",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 300},
    },
    # Answers the enterprise has not confirmed within SERVICE_REQUEST_CONFIRM_DAYS close as 视为满意.
    "service-requests-deem-satisfied": {
        "task": "service_requests.tasks.close_unconfirmed_requests",
        "schedule": crontab(minute=15),
    },
    # 回头看: each Monday morning last week's closed requests are drawn for follow-up calls.
    "service-requests-look-back": {
        "task": "service_requests.tasks.draw_look_backs",
        "schedule": crontab(day_of_week=1, hour=7, minute=30),
    },
}
# Readiness calls beat "stale" when its heartbeat (every 60 s) is older than this.
BEAT_HEARTBEAT_MAX_AGE = env.int("BEAT_HEARTBEAT_MAX_AGE", default=180)
# Enterprise requests (企业诉求): working days to answer, by category, for a normal and an urgent request, e.g.
# SERVICE_REQUEST_WORKING_DAYS='{"finance": [5, 2]}' (a category left out keeps its default); the same time again
# at each tier it is escalated to. Unconfirmed answers close as 视为满意 after SERVICE_REQUEST_CONFIRM_DAYS working
# days; 回头看 calls back all unsatisfied requests closed last week and this share of the others.
SERVICE_REQUEST_WORKING_DAYS = {
    "labour": (3, 1),
    "supply": (3, 1),
    "logistics": (2, 1),
    "finance": (5, 2),
    "prevention": (2, 1),
    "policy": (3, 1),
    "access": (2, 1),
    "overreach": (2, 1),
    "other": (5, 2),
} | {key: tuple(value) for key, value in env.json("SERVICE_REQUEST_WORKING_DAYS", default={}).items()}
SERVICE_REQUEST_CONFIRM_DAYS = env.int("SERVICE_REQUEST_CONFIRM_DAYS", default=3)
SERVICE_REQUEST_LOOK_BACK_SHARE = env.float("SERVICE_REQUEST_LOOK_BACK_SHARE", default=0.1)
# 应复尽复: the notice asks every enterprise that should resume to have resumed by this date.
RESUMPTION_TARGET_DATE = date.fromisoformat(env.str("RESUMPTION_TARGET_DATE", default="2020-03-20"))
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="Kunshan@2020")
# The demo clock (core/clock.py): with DEBUG on, the portal lives on this day. `make run` sets it.
DEMO_TODAY = date.fromisoformat(env.str("DEMO_TODAY")) if env.str("DEMO_TODAY", default="") else None

# --- Worker return and passes (clauses 7 and 9) ---------------------------------------------
# Keys live in the environment, never in the database: `manage.py generate_keys` prints a fresh set.
# A developer (DEBUG on) without them gets keys derived from SECRET_KEY; production must set its own.
# ID numbers: Fernet keys, the first encrypts and all decrypt (rotation); a separate HMAC key for lookups.
ID_NUMBER_ENCRYPTION_KEYS = env.list("ID_NUMBER_ENCRYPTION_KEYS", default=[])
ID_NUMBER_HMAC_KEY = env.str("ID_NUMBER_HMAC_KEY", default="").encode()
# Return passes: the ECDSA P-256 private key that signs (PEM, or PEM base64 on one line) and the public
# keys of retired signing keys that checkpoints still accept until their passes have expired.
PASS_SIGNING_KEY = env.str("PASS_SIGNING_KEY", default="")
PASS_VERIFYING_KEYS = env.list("PASS_VERIFYING_KEYS", default=[])
if DEBUG:
    import base64 as _base64
    import hashlib as _hashlib

    def _dev_key(purpose: str) -> bytes:
        return _hashlib.sha256(f"{SECRET_KEY}:{purpose}".encode()).digest()

    ID_NUMBER_ENCRYPTION_KEYS = ID_NUMBER_ENCRYPTION_KEYS or [
        _base64.urlsafe_b64encode(_dev_key("id-number-encryption")).decode()
    ]
    ID_NUMBER_HMAC_KEY = ID_NUMBER_HMAC_KEY or _dev_key("id-number-digest")
elif not (ID_NUMBER_ENCRYPTION_KEYS and ID_NUMBER_HMAC_KEY and PASS_SIGNING_KEY):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "ID_NUMBER_ENCRYPTION_KEYS, ID_NUMBER_HMAC_KEY and PASS_SIGNING_KEY must be set when DEBUG is off "
        "(`DEBUG=1 manage.py generate_keys` prints a fresh set)."
    )

# A pass is issued for this many days unless the district staff choose otherwise (at most the maximum).
PASS_VALIDITY_DAYS = env.int("PASS_VALIDITY_DAYS", default=14)
PASS_VALIDITY_MAX_DAYS = env.int("PASS_VALIDITY_MAX_DAYS", default=30)
# The worker's own pass link goes out by text message, so it names the portal's public address.
PORTAL_URL = env.str("PORTAL_URL", default="http://localhost:8000").rstrip("/")
# An enterprise may send a pass's link again this many times a day (each send retires the previous link).
PASS_LINK_RESENDS_PER_DAY = env.int("PASS_LINK_RESENDS_PER_DAY", default=3)
# Opening a worker's pass link, per client address (it needs no account, so it is limited like public pages).
PASS_LINK_RATE_LIMIT = env.str("PASS_LINK_RATE_LIMIT", default="20/m")
# Clause 7: a temperature at or above this is a fever; a reading older than this many hours is stale.
FEVER_THRESHOLD = env.float("FEVER_THRESHOLD", default=37.3)
TEMPERATURE_VALID_HOURS = env.int("TEMPERATURE_VALID_HOURS", default=24)
# A negative nucleic-acid test counts for this many days (it must also be taken after arrival).
NUCLEIC_ACID_TEST_VALID_DAYS = env.int("NUCLEIC_ACID_TEST_VALID_DAYS", default=7)
# A checkpoint check says where and when someone's pass was seen: kept this many days after the day of the
# check (long enough to trace contacts), then deleted every night.
PASS_CHECK_RETENTION_DAYS = env.int("PASS_CHECK_RETENTION_DAYS", default=30)
# Offline checkpoint phones (README, "Offline checks"): the revocation list is refreshed this often while
# online; past this age a valid signature reads orange "请联网更新吊销名单" instead of green.
PASS_REVOCATION_REFRESH_MINUTES = env.int("PASS_REVOCATION_REFRESH_MINUTES", default=5)
PASS_REVOCATION_STALE_HOURS = env.int("PASS_REVOCATION_STALE_HOURS", default=12)
# Roster uploads above this many rows go to a Celery job with a progress bar.
ROSTER_IMPORT_INLINE_MAX_ROWS = env.int("ROSTER_IMPORT_INLINE_MAX_ROWS", default=2000)
# The largest roster upload: rows, file size, and what its sheet may unpack to. A sheet is streamed, never
# held whole; the roster the portal exports takes about 0.12 KB a row packed and 1 KB unpacked, so that
# 100,000 exported rows (~12 MB, ~100 MB unpacked) import back.
ROSTER_IMPORT_MAX_ROWS = env.int("ROSTER_IMPORT_MAX_ROWS", default=100_000)
ROSTER_IMPORT_MAX_BYTES = env.int("ROSTER_IMPORT_MAX_BYTES", default=30 * 1024 * 1024)
ROSTER_IMPORT_MAX_UNCOMPRESSED = env.int("ROSTER_IMPORT_MAX_UNCOMPRESSED", default=200 * 1024 * 1024)
# Its cells (17 columns, 18 in a corrected error workbook) and shared strings: an Excel-saved roster holds
# about four distinct texts a row (name, ID number, mobile, address), ~30 bytes each.
ROSTER_IMPORT_MAX_CELLS = env.int("ROSTER_IMPORT_MAX_CELLS", default=2_000_000)
ROSTER_IMPORT_MAX_SHARED_STRINGS = env.int("ROSTER_IMPORT_MAX_SHARED_STRINGS", default=600_000)
ROSTER_IMPORT_MAX_STRINGS_BYTES = env.int("ROSTER_IMPORT_MAX_STRINGS_BYTES", default=48 * 1024 * 1024)
# An uploaded roster holds full ID numbers: its job deletes it when it ends, and every night a task deletes
# uploads (and annotated copies) older than this, whatever became of their job.
ROSTER_UPLOAD_RETENTION_HOURS = env.int("ROSTER_UPLOAD_RETENTION_HOURS", default=24)
# Retention of personal data (core.retention, swept nightly): days after which each kind is deleted or anonymised.
WORKER_LEFT_RETENTION_DAYS = env.int("WORKER_LEFT_RETENTION_DAYS", default=30)
ID_DISCLOSURE_RETENTION_DAYS = env.int("ID_DISCLOSURE_RETENTION_DAYS", default=365)
SMS_RETENTION_DAYS = env.int("SMS_RETENTION_DAYS", default=90)
# Daily health readings and closed health incidents: long enough to trace an outbreak back (two incubation periods).
HEALTH_RECORD_RETENTION_DAYS = env.int("HEALTH_RECORD_RETENTION_DAYS", default=28)
