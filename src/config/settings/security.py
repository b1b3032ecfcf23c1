"""Security settings grouped in one place (imported at the end of config/django/base.py).

Children's data is a special category under UU 27/2022 (PDP): accounts are locked after
repeated guessing, passwords are long, sessions are short, and a second factor is available
(and can be made mandatory per role). Production-only switches (HTTPS, HSTS) are in
config/django/production.py.
"""

from __future__ import annotations

from config.env import env_bool, env_list, env_str


def _env_int(name: str, default: int) -> int:
    # config/env.py reads strings only; thresholds are whole numbers.
    return int(env_str(name, str(default)))


# --- Sign-in lockout (accounts/services.py) -------------------------------------------------
# 5 wrong passwords (or second-factor codes) for one username, or 20 from one IP address,
# within 15 minutes lock further attempts for 15 minutes, even with the right password.
SATUANAK_LOGIN_MAX_FAILURES_PER_USERNAME = _env_int("SATUANAK_LOGIN_MAX_FAILURES_PER_USERNAME", 5)
SATUANAK_LOGIN_MAX_FAILURES_PER_IP = _env_int("SATUANAK_LOGIN_MAX_FAILURES_PER_IP", 20)
SATUANAK_LOGIN_FAILURE_WINDOW_SECONDS = _env_int("SATUANAK_LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
SATUANAK_LOGIN_LOCKOUT_SECONDS = _env_int("SATUANAK_LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Behind nginx the client address is in X-Forwarded-For; trust it only when nginx sets it
# (`proxy_set_header X-Forwarded-For $remote_addr;`), or anyone could pick their own address.
# Read by the audit log and by the per-IP lockout.
SATUANAK_TRUST_X_FORWARDED_FOR = env_bool("SATUANAK_TRUST_X_FORWARDED_FOR", default=False)
# Requests per minute one API token may make (interop/api): a field app syncing a posyandu day
# makes a few; a script gone wrong makes thousands.
SATUANAK_API_RATE_PER_MINUTE = _env_int("SATUANAK_API_RATE_PER_MINUTE", 600)
# Days a closed Halo Remaja conversation keeps its messages and any consented contact before
# `satuanak halo purge` removes them (counts for statistics stay).
SATUANAK_HALO_RETENTION_DAYS = _env_int("SATUANAK_HALO_RETENTION_DAYS", 180)

# --- Passwords --------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "satuanak.accounts.validators.LettersAndDigitsOrPassphraseValidator"},
]

# --- Sessions ---------------------------------------------------------------------------
# Absolute lifetime: 8 hours (one working day) from sign-in, enforced by
# common.middleware.SessionTimeoutMiddleware whatever the session backend does with expiry.
SESSION_COOKIE_AGE = _env_int("SATUANAK_SESSION_MAX_AGE_SECONDS", 8 * 60 * 60)
# Idle limit: 30 minutes without a request signs the user out (shared office computers).
SATUANAK_SESSION_IDLE_SECONDS = _env_int("SATUANAK_SESSION_IDLE_SECONDS", 30 * 60)
# Puskesmas and school computers are shared: closing the browser ends the session.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Second factor (TOTP) ---------------------------------------------------------------
# Roles (accounts.roles.Role values) that must use an authenticator app; e.g.
# "data_steward,health_officer". Empty: optional for every role that reads personal data.
SATUANAK_REQUIRE_TOTP_ROLES = env_list("SATUANAK_REQUIRE_TOTP_ROLES", [])
# Name shown in the authenticator app next to the username.
SATUANAK_TOTP_ISSUER = env_str("SATUANAK_TOTP_ISSUER", "Satu Data Anak Bengkayang")
# How long the password step stays valid while the code is awaited.
SATUANAK_TOTP_PENDING_SECONDS = 5 * 60

# --- Response headers -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent by common.middleware.SecurityHeadersMiddleware. Everything is served from this host
# (Leaflet is vendored); 'unsafe-inline' for styles only because templates use style attributes
# and Leaflet positions its layers with inline styles. No inline scripts: data reaches scripts
# through json_script blocks, which are not executed.
SATUANAK_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)
# The platform needs none of these browser features.
SATUANAK_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "accelerometer",
        "gyroscope",
        "magnetometer",
    ]
)
