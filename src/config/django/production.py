"""Production settings: base plus HTTPS-only switches. Select with
DJANGO_SETTINGS_MODULE=config.django.production; nginx terminates TLS in front of the app.

`satuanak check --deploy` must report no issues with these settings (accounts/tests).
"""

from config.django.base import *  # noqa: F403
from config.env import env_bool, env_str

# No default: a production server must never start with the development key.
SECRET_KEY = env_str("SATUANAK_SECRET_KEY")
_DEV_KEY = "dev-only-insecure-key-change-me"  # refused: the development default
if SECRET_KEY == _DEV_KEY or len(SECRET_KEY) < 50:
    raise RuntimeError(
        "SATUANAK_SECRET_KEY harus acak, minimal 50 karakter. / "
        "SATUANAK_SECRET_KEY must be random, at least 50 characters."
    )
DEBUG = False
# Static files come from collectstatic's folder, not the apps' folders (base decides on DEBUG).
WHITENOISE_USE_FINDERS = False

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# nginx forwards plain HTTP to the app and says which scheme the client used.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Probes come over plain HTTP from the machine itself (systemd, monitoring): no redirect for them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Off only if nginx already redirects HTTP to HTTPS and the double check is unwanted.
SECURE_SSL_REDIRECT = env_bool("SATUANAK_SSL_REDIRECT", default=True)
# One year; lower it (e.g. 3600) while first trying HTTPS on a new host name.
SECURE_HSTS_SECONDS = int(env_str("SATUANAK_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SATUANAK_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Only a header; submitting the domain to the browsers' preload list is a separate, manual step.
SECURE_HSTS_PRELOAD = env_bool("SATUANAK_HSTS_PRELOAD", default=True)
# nginx is in front (see SECURE_PROXY_SSL_HEADER): without trusting its X-Forwarded-For every
# client would appear as 127.0.0.1, in the audit log and in the per-IP sign-in lockout (20
# failures from "one address" would lock out the whole district). nginx must SET the header:
# `proxy_set_header X-Forwarded-For $remote_addr;` (not append to what the client sent).
SATUANAK_TRUST_X_FORWARDED_FOR = env_bool("SATUANAK_TRUST_X_FORWARDED_FOR", default=True)

# journald keeps what the processes write to stderr; JSON lines with request ids (ops/logging.py).
SATUANAK_LOG_FORMAT = env_str("SATUANAK_LOG_FORMAT", "json")
LOGGING["handlers"]["console"]["formatter"] = "json" if SATUANAK_LOG_FORMAT == "json" else "text"  # noqa: F405
LOGGING["loggers"]["satuanak.request"]["level"] = env_str("SATUANAK_REQUEST_LOG_LEVEL", "INFO")  # noqa: F405
