"""Settings read from environment variables, with safe defaults for development.

Production differences live in ``production.py`` and test differences in
``test.py``; everything else is here so that the three cannot drift apart.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm_log",
    "core",
    "enterprises",
    "cases",
    "workflow",
    "notifications",
    "supervision",
    "accounts",
    "ops",
    "web",
    "benchmarks",
]

# Every transition of a model with states is logged by django-fsm-log (core/fsm.py, docs/architecture.md),
# except on the two models whose own event log says more: a case's CaseEvent (notes, data, what the
# enterprise may see) and an invitation's InvitationEvent (the invitation itself, the reason of a revoke).
DJANGO_FSM_LOG_IGNORED_MODELS = ["cases.models.case.Case", "accounts.models.Invitation"]

MIDDLEWARE = [
    # First: /healthz/ answers a load balancer before the HTTPS redirect, ALLOWED_HOSTS, sessions or login.
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns a login that axes refused into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "web.context_processors.navigation",
            ],
        },
    },
]


def database_from_url(url: str) -> dj_database_url.DBConfig:
    """Parse DATABASE_URL; SQLite waits for the write lock instead of failing at once."""
    config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE makes every atomic block take the write lock at BEGIN, so two
        # transitions on one case serialise like SELECT ... FOR UPDATE does on PostgreSQL.
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    return config


DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'huiyin.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out login is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Password guessing (django-axes) on /login/, /admin/login/ and the API's token endpoint: after
# HUIYIN_LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is refused
# without checking the password until HUIYIN_LOGIN_LOCKOUT_MINUTES after the last counted failure.
# The key is the pair, not the username alone (anyone could lock a known person out from anywhere)
# nor the address alone (a whole bureau often shares one outgoing address).
AXES_FAILURE_LIMIT = int(os.environ.get("HUIYIN_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("HUIYIN_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during the lock are refused but not counted, so the lock ends at the time the message names.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "web.views.common.locked_out"

# Every response says where its page may load things from: our own origin only, no inline script
# or style (the pages load htmx and huiyin.js from static files). The API docs widen it for themselves.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Django's database sessions with the user's id in an indexed column, so that deactivating an account
# ends all its sessions at once (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
# A password-reset link works once, for this long after it was sent.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("HUIYIN_PASSWORD_RESET_HOURS", "24")) * 3600

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages come from the npm registry at setup (package.json), never from the repository.
STATICFILES_DIRS = [("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist")]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task that is running when the broker goes away runs to its end: a send needs the database and
# the receiver, never the broker, and cutting it after the receiver got the request (as True does)
# leaves the delivery "sending" until it is reclaimed and sent again. The acknowledgement is lost
# instead; a task the broker hands out again finds its delivery claimed or sent and does nothing.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# With Celery 5.7.0 and kombu 5.7.0 on Redis, a worker subscribed to a broadcast (remote control, off
# here; gossip, off with --without-gossip) that holds an unacknowledged task when the connection drops
# dies with "Unrecoverable error: AttributeError ... 'hostname'" instead of reconnecting.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {"task": "workflow.tasks.sweep_deadlines", "schedule": 120.0, "options": {"expires": 110}},
    # Also done at once by an import or an admin edit of the calendar; hourly catches what changes the calendar
    # outside the database: a new release of the estimate's rules or of chinese-calendar with next year's data.
    "recompute-provisional-deadlines": {
        "task": "workflow.tasks.recompute_provisional_deadlines",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Paused clocks (挂起): the enterprise's reminder on the expected date, and the resume once it has passed.
    "sweep-clock-pauses": {"task": "workflow.tasks.sweep_pauses", "schedule": 120.0, "options": {"expires": 110}},
    "sweep-rectifications": {
        "task": "supervision.tasks.sweep_rectifications",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "sweep-visit-duties": {
        "task": "supervision.tasks.sweep_visit_duties",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "reconcile-visit-duties": {
        "task": "supervision.tasks.reconcile_visit_duties",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    "sweep-milestones": {
        "task": "supervision.projects.sweep_milestones",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "sweep-common-problems": {
        "task": "supervision.tasks.sweep_common_problems",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "supervision-ledger-exports-tidy": {
        "task": "supervision.tasks.ledger_exports_tidy_task",
        "schedule": 600.0,
        "options": {"expires": 540},
    },
    "enterprises-masterdata-imports-tidy": {
        "task": "enterprises.tasks.masterdata_imports_tidy_task",
        "schedule": 600.0,
        "options": {"expires": 540},
    },
    "accounts-invitation-mails": {
        "task": "accounts.tasks.invitation_mails_send_due_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "accounts-invitations-expire": {
        "task": "accounts.tasks.invitations_expire_task",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # The rankings' snapshots of the periods read most, a little more often than they are allowed to age.
    "supervision-rates-snapshots": {
        "task": "supervision.tasks.rates_snapshots_take",
        "schedule": 240.0,
        "options": {"expires": 230},
    },
    "notifications-deliver-pending": {
        "task": "notifications.tasks.deliver_pending",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
}
# A broker that cannot be reached fails fast instead of stalling a request; the outbox catches up.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # A task a worker took and never acknowledged (killed, or Redis went away meanwhile) comes back to
    # the queue this many seconds later, if Redis kept it; longer than any task may run.
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
}

# Notifications: absolute links in e-mail and webhooks, retry budget, webhook targets inside the network.
NOTIFICATIONS_SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
NOTIFICATIONS_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATIONS_MAX_ATTEMPTS", "6"))
NOTIFICATIONS_SENDING_TIMEOUT = int(os.environ.get("NOTIFICATIONS_SENDING_TIMEOUT", "600"))
# A delivery queued this long ago and still pending has lost its task (a broker restart without
# persistence, a worker that died holding it): the outbox queues it again. A duplicate is harmless.
NOTIFICATIONS_QUEUE_LEASE = int(os.environ.get("NOTIFICATIONS_QUEUE_LEASE", "120"))
NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = env_list("NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS", "")

# E-mail: written to files under var/mail in development, SMTP in production.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Huiyin <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous request gets 401 with a WWW-Authenticate header.
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Our JSON parser refuses documents nested too deeply for Python's decoder (config/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "core.filters.DjangoFilterBackend",
        "core.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Huiyin API",
    "DESCRIPTION": "Enterprise service requests: file, route, resolve and cross off (件件有回音).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents the error body and the statuses it can answer (config/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.schema.add_error_responses"],
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "enterprises.models.UnitKind",
        "CaseStateEnum": "cases.models.CaseState",
        "ExtensionStateEnum": "workflow.models.ExtensionState",
        "PauseStateEnum": "workflow.models.PauseState",
        "PauseEndEnum": "workflow.models.PauseEnd",
        "RectificationStateEnum": "supervision.ratings.models.RectificationState",
        "AppealStateEnum": "supervision.ratings.models.AppealState",
        "AppealKindEnum": "supervision.ratings.models.AppealKind",
        "MeetingFlagKindEnum": "supervision.meetings.models.FlagKind",
        "MeetingFlagStateEnum": "supervision.meetings.models.FlagState",
        "MeetingStateEnum": "supervision.meetings.models.MeetingState",
        "AgendaItemOutcomeEnum": "supervision.meetings.models.ItemOutcome",
        "CircularStateEnum": "supervision.circulars.models.CircularState",
        "MilestoneStateEnum": "supervision.projects.selectors.MilestoneState",
        "CommonProblemStateEnum": "supervision.common_problems.models.CommonProblemState",
        "InvitationStateEnum": "accounts.models.InvitationState",
        "InvitationKindEnum": "accounts.models.InvitationKind",
        "InvitationMailStatusEnum": "accounts.models.MailStatus",
        "VisitModeEnum": "supervision.visits.models.VisitMode",
        "VisitLevelEnum": "supervision.visits.models.VisitLevel",
    },
}

HUIYIN: dict[str, Any] = {
    "CASE_NUMBER_PREFIX": os.environ.get("HUIYIN_CASE_NUMBER_PREFIX", "QY"),
    "ATTACHMENT_MAX_BYTES": int(os.environ.get("HUIYIN_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024))),
    "ENTERPRISE_REOPEN_LIMIT": 2,
    # Share of a month's closed cases drawn for the monthly re-check (复查), in percent (docs/rechecks.md).
    "RECHECK_RATE_PERCENT": int(os.environ.get("HUIYIN_RECHECK_RATE_PERCENT", "5")),
    # Official working hours, Asia/Shanghai: reminders wait for them, deadlines end with them.
    "WORKING_HOURS": os.environ.get("HUIYIN_WORKING_HOURS", "08:30-12:00,13:30-17:30"),
    # A rating of 2 or 1 opens a rectification (整改) due this many working days after the rating.
    "RECTIFICATION_WORKDAYS": int(os.environ.get("HUIYIN_RECTIFICATION_WORKDAYS", "5")),
    # A key project's node not yet reached: its task force is reminded this many working days before the planned
    # date, and its 包保 leader and the district's leaders hear this many working days after it (docs/projects.md).
    "MILESTONE_REMIND_WORKDAYS": int(os.environ.get("HUIYIN_MILESTONE_REMIND_WORKDAYS", "5")),
    "MILESTONE_ESCALATE_WORKDAYS": int(os.environ.get("HUIYIN_MILESTONE_ESCALATE_WORKDAYS", "3")),
    # Working days the unit that owns a policy has to answer a common problem (共性问题).
    "COMMON_PROBLEM_WORKDAYS": int(os.environ.get("HUIYIN_COMMON_PROBLEM_WORKDAYS", "15")),
    # The responsible unit may appeal a rating (申诉) until this many working days after it.
    "APPEAL_WINDOW_WORKDAYS": int(os.environ.get("HUIYIN_APPEAL_WINDOW_WORKDAYS", "10")),
    # The TrueType CJK font embedded in circular PDFs (Debian's fonts-wqy-zenhei); the index picks the
    # face inside a .ttc collection.
    "CIRCULAR_PDF_FONT": os.environ.get("HUIYIN_CIRCULAR_PDF_FONT", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    "CIRCULAR_PDF_FONT_INDEX": int(os.environ.get("HUIYIN_CIRCULAR_PDF_FONT_INDEX", "0")),
    # The sweep urges (催办) an assigned case this many working days past its resolution deadline; 0 turns it off.
    "AUTO_URGE_AFTER_WORKDAYS": int(os.environ.get("HUIYIN_AUTO_URGE_AFTER_WORKDAYS", "3")),
    # Working days the assignee has to answer an automatic urging.
    "AUTO_URGE_ANSWER_WORKDAYS": int(os.environ.get("HUIYIN_AUTO_URGE_ANSWER_WORKDAYS", "2")),
    # Pausing a resolution clock (挂起) while the case waits for the enterprise's material (docs/deadlines.md): this
    # many pauses per case, and this many paused working days in all, without a supervisor's approval.
    "PAUSE_MAX_COUNT": int(os.environ.get("HUIYIN_PAUSE_MAX_COUNT", "2")),
    "PAUSE_MAX_WORKDAYS": int(os.environ.get("HUIYIN_PAUSE_MAX_WORKDAYS", "10")),
    # Visit duties (走访, docs/visits.md): calendar days from one visit of each 包保 level to the next (0: no duty),
    # by default a month, a quarter and half a year, long enough for the same date in the next month (31),
    # quarter (92) or half-year (184); and working days before the due day that the holder is reminded.
    "VISIT_DUTY_DAYS": {
        "cadre": int(os.environ.get("HUIYIN_VISIT_DUTY_DAYS_CADRE", "31")),
        "unit": int(os.environ.get("HUIYIN_VISIT_DUTY_DAYS_UNIT", "92")),
        "leader": int(os.environ.get("HUIYIN_VISIT_DUTY_DAYS_LEADER", "184")),
        "local": int(os.environ.get("HUIYIN_VISIT_DUTY_DAYS_LOCAL", "92")),
    },
    "VISIT_DUTY_REMIND_WORKDAYS": int(os.environ.get("HUIYIN_VISIT_DUTY_REMIND_WORKDAYS", "5")),
    # The ratings the satisfaction rate (满意率) counts as satisfied: 5 非常满意, 4 满意, 3 基本满意 (docs/rates.md).
    "SATISFIED_RATINGS": env_list("HUIYIN_SATISFIED_RATINGS", "5,4,3"),
    # Reverse proxies in front of Django that append the client's address to X-Forwarded-For (0: none,
    # REMOTE_ADDR is the client). Behind one nginx this is 1; left at 0 there, every client would look
    # like the proxy and the login lockout would key on the username alone.
    "TRUSTED_PROXIES": int(os.environ.get("HUIYIN_TRUSTED_PROXIES", "0")),
    # An API token works for this many hours after it was issued; a login then issues a new one.
    "API_TOKEN_LIFETIME_HOURS": int(os.environ.get("HUIYIN_API_TOKEN_LIFETIME_HOURS", "12")),
    # Minutes a ranking may read counts taken earlier (a snapshot) instead of counting a year of clocks anew.
    "RATES_SNAPSHOT_MINUTES": int(os.environ.get("HUIYIN_RATES_SNAPSHOT_MINUTES", "10")),
    # Days a finished ledger export stays downloadable before the cleanup task deletes its file.
    "LEDGER_RETENTION_DAYS": int(os.environ.get("HUIYIN_LEDGER_RETENTION_DAYS", "7")),
    # The largest master-data workbook the page accepts (50,000 enterprises with contacts and 包保 take ~5 MB).
    "MASTERDATA_MAX_BYTES": int(os.environ.get("HUIYIN_MASTERDATA_MAX_BYTES", str(30 * 1024 * 1024))),
    # Days an invitation's link works (docs/accounts.md).
    "INVITATION_DAYS": int(os.environ.get("HUIYIN_INVITATION_DAYS", "7")),
    # Password-reset e-mails asked for one address, and from one client address, in any rolling hour.
    "PASSWORD_RESET_PER_ADDRESS": int(os.environ.get("HUIYIN_PASSWORD_RESET_PER_ADDRESS", "3")),
    "PASSWORD_RESET_PER_CLIENT": int(os.environ.get("HUIYIN_PASSWORD_RESET_PER_CLIENT", "20")),
    # /healthz/ (config/health.py, docs/deploy.md). The deadline sweep runs every 2 minutes: three runs missed in
    # a row fail the check.
    "HEALTH_SWEEP_STALE_AFTER": int(os.environ.get("HUIYIN_HEALTH_SWEEP_STALE_AFTER", "360")),
    # A delivery due this many seconds ago and still pending fails it: the outbox runs every minute and queues a
    # lost task again after NOTIFICATIONS_QUEUE_LEASE, so a system whose workers run never comes near.
    "HEALTH_OUTBOX_MAX_AGE": int(os.environ.get("HUIYIN_HEALTH_OUTBOX_MAX_AGE", "600")),
    # From this many days before 1 January, next year's missing holiday schedule is warned about.
    "HEALTH_SCHEDULE_WARN_DAYS": int(os.environ.get("HUIYIN_HEALTH_SCHEDULE_WARN_DAYS", "31")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Axes logs every failure and lockout as a warning; its info lines (clean-ups, a banner) are noise.
    "loggers": {"axes": {"level": "WARNING"}},
}
