"""Settings shared by every environment, read from the environment with django-environ.

Defaults are the embedded demo set-up: a SQLite file under ``var/`` and Redis on loopback.
``test`` and ``production`` override what differs; production has no default secret.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

from vpp import markets

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "vpp",
    "sites",
    "market.exchange",
    "market.trading",
    "dispatch",
    "dispatch.openadr",
    "settlement",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "vpp.urls"
WSGI_APPLICATION = "vpp.wsgi.application"

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
                "vpp.context_processors.market",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'vpp.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "vpp.User"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage and internals are UTC; the market's zone is used at the edges only

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- the market -------------------------------------------------------------------------
MARKET_TIME_ZONE = env("MARKET_TIME_ZONE", default="Asia/Shanghai")
MARKET_INTERVAL_MINUTES = env.int("MARKET_INTERVAL_MINUTES", default=15)
MARKET_CURRENCY = env("MARKET_CURRENCY", default="CNY")
# the working-day calendar (vpp/calendar.py): a country code of the `holidays` package, or "none"
MARKET_HOLIDAY_CALENDAR = env("MARKET_HOLIDAY_CALENDAR", default="CN")
# "wall": now is the real time. "simulation": now is the stored simulation instant that the
# demo and the tests advance (see vpp.clock).
MARKET_CLOCK = env("MARKET_CLOCK", default="wall")

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "vpp.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Suandian VPP API",
    "DESCRIPTION": (
        "Data-center virtual power plant: site registry, spot market, trading, dispatch and "
        "settlement. Times are ISO 8601 with an offset; power in MW, energy in MWh, prices in "
        "currency per MWh."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI assets served from this app, not a CDN (works offline).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery -----------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# The demo runs tasks in-process (no broker needed); tests and production never do.
CELERY_TASK_ALWAYS_EAGER = env.bool("VPP_TASKS_IN_PROCESS", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# A task whose worker died unacknowledged (acks_late) goes back to the queue after this long;
# it must exceed the longest task (CELERY_TASK_TIME_LIMIT), or a slow task runs twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=2 * 60 * 60)
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ["default", "market", "dispatch", "settlement"]
CELERY_TASK_ROUTES = {
    "market.*": {"queue": "market"},
    "dispatch.*": {"queue": "dispatch"},
    "settlement.*": {"queue": "settlement"},
}
CELERY_TIMEZONE = "UTC"
# The beat schedule lives here, in code. Tasks ask the market clock what is due, so a beat tick
# is harmless when nothing is: each task is idempotent.
CELERY_BEAT_SCHEDULE = {
    "dispatch-expire-due-instructions": {
        "task": "dispatch.expire_due_instructions",
        "schedule": crontab(minute="*"),
    },
    "exchange-run-due-auctions": {
        "task": "market.exchange.run_due_auctions",
        "schedule": crontab(minute="*"),
    },
    "trading-fetch-awards": {
        "task": "market.trading.fetch_awards",
        "schedule": crontab(minute="*"),
    },
    "settlement-settle-due": {
        "task": "settlement.settle_due",
        "schedule": crontab(minute=15),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- exchange (the mock spot market, market/exchange; see docs/exchange.md) ----------------
EXCHANGE_SCENARIO_SEED = env.int("EXCHANGE_SCENARIO_SEED", default=20260701)
# The active market: a preset of vpp/markets.py ("generic", "guangdong" or "mengxi"). The
# settings below default to its values and are the active market's rules (floor, cap, gates,
# trading unit) that bid intake, clearing and the timetable obey; set one to move that rule
# alone. The desk reads them through ExchangeClient.rules() (docs/exchange.md, "Market rules").
EXCHANGE_MARKET = env("EXCHANGE_MARKET", default="generic")
_market = markets.PRESETS.get(EXCHANGE_MARKET, markets.GENERIC)  # a bad name: active_market()
EXCHANGE_PRICE_FLOOR_PER_MWH = env(
    "EXCHANGE_PRICE_FLOOR_PER_MWH", default=str(_market.price_floor_per_mwh)
)
EXCHANGE_PRICE_CAP_PER_MWH = env(
    "EXCHANGE_PRICE_CAP_PER_MWH", default=str(_market.price_cap_per_mwh)
)
EXCHANGE_MAX_BID_SEGMENTS = env.int("EXCHANGE_MAX_BID_SEGMENTS", default=_market.max_bid_segments)
# Day-ahead gate closure for day D: this local time ("HH:MM") on D-1.
EXCHANGE_DA_GATE_CLOSURE_LOCAL = env(
    "EXCHANGE_DA_GATE_CLOSURE_LOCAL", default=_market.da_gate_closure_local.strftime("%H:%M")
)
# Real-time auction for an interval: its gate closes this many minutes before the interval.
EXCHANGE_RT_GATE_CLOSURE_MINUTES = env.int(
    "EXCHANGE_RT_GATE_CLOSURE_MINUTES", default=_market.rt_gate_closure_minutes
)
# Minimum trading unit: flexibility of at least this many MW, for at least this many hours, at
# nodes of at least this voltage (kV).
EXCHANGE_MIN_TRADING_UNIT_MW = env(
    "EXCHANGE_MIN_TRADING_UNIT_MW", default=str(_market.min_trading_unit_mw)
)
EXCHANGE_MIN_TRADING_UNIT_HOURS = env(
    "EXCHANGE_MIN_TRADING_UNIT_HOURS", default=str(_market.min_trading_unit_hours)
)
EXCHANGE_MIN_NODE_VOLTAGE_KV = env.int(
    "EXCHANGE_MIN_NODE_VOLTAGE_KV", default=_market.min_node_voltage_kv
)
# Real-time auctions are opened this many hours ahead; beat also catches up intervals of the
# last EXCHANGE_RT_CATCH_UP_HOURS (days with a day-ahead auction) that never got one.
EXCHANGE_RT_HORIZON_HOURS = env.int("EXCHANGE_RT_HORIZON_HOURS", default=2)
EXCHANGE_RT_CATCH_UP_HOURS = env.int("EXCHANGE_RT_CATCH_UP_HOURS", default=24)
EXCHANGE_SOLVER_TIME_LIMIT_SECONDS = env.int("EXCHANGE_SOLVER_TIME_LIMIT_SECONDS", default=300)

# --- settlement statements (rules in settlement/performance.py and docs/settlement.md) ------
SETTLEMENT_BASELINE_METHOD = env("SETTLEMENT_BASELINE_METHOD", default="cn_similar_days")
SETTLEMENT_TOLERANCE_FRACTION = env("SETTLEMENT_TOLERANCE_FRACTION", default="0.10")
SETTLEMENT_PENALTY_FACTOR = env("SETTLEMENT_PENALTY_FACTOR", default="1.5")
SETTLEMENT_PERFORMANCE_FACTOR_CAP = env("SETTLEMENT_PERFORMANCE_FACTOR_CAP", default="1.2")

# --- trading desk -------------------------------------------------------------------------
TRADING_EXCHANGE_CLIENT = env(
    "TRADING_EXCHANGE_CLIENT", default="market.exchange.client.LocalExchangeClient"
)
TRADING_PARTICIPANT = env("TRADING_PARTICIPANT", default="")
TRADING_OPTIMISER_TIME_LIMIT_SECONDS = env.int("TRADING_OPTIMISER_TIME_LIMIT_SECONDS", default=60)
TRADING_OPTIMISER_MIP_GAP = env.float("TRADING_OPTIMISER_MIP_GAP", default=0.005)
# Average grid carbon intensity per node (t CO2 per MWh drawn), for the optional carbon price:
# coal-heavy north near 0.95, hydro south-west 0.15, load centres by their import mix.
TRADING_CARBON_T_PER_MWH = {
    "NW-WIND": 0.45,
    "NW-SOLAR": 0.35,
    "N-COAL": 0.95,
    "SW-HYDRO": 0.15,
    "E-LOAD": 0.62,
    "S-LOAD": 0.52,
}

# --- OpenADR 3.1.0 VTN (dispatch/openadr; see docs/openadr.md) ------------------------------
OPENADR_TOKEN_LIFETIME_SECONDS = env.int("OPENADR_TOKEN_LIFETIME_SECONDS", default=3600)
