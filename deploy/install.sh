#!/usr/bin/env bash
# Satu Data Anak Bengkayang: production installation on Debian 12, the steps of docs/deploy.md
# as one script. Run as root from the release folder (a checkout with its front-end assets):
#
#     sudo SERVER_NAME=satuanak.bengkayangkab.go.id deploy/install.sh
#
# Idempotent: a second run changes nothing that is already right. It never overwrites the
# environment file (the secret key), the backup key, the certificate or the database; it does
# copy the release again, reinstall the Python packages when the lock changed, migrate, collect
# static files and restart the services (an upgrade: read docs/upgrades.md first).
#
# deploy/rehearse.sh (`make deploy-rehearsal`) runs this same script under a temporary PREFIX,
# without systemd, and then starts the services from the unit files it installed.
set -euo pipefail

# --- settings (environment variables override these) ------------------------------------------
# The host name users type; the certificate must be for it.
SERVER_NAME="${SERVER_NAME:-satuanak.example.go.id}"
# Empty on the server. A folder for a rehearsal: every path below is then under it.
PREFIX="${PREFIX:-}"
# The system user the services run as (created if missing, when installing for real).
SERVICE_USER="${SERVICE_USER:-satuanak}"
# PostgreSQL database and role. The role has the service user's name: it connects over the
# local socket with peer authentication, so no database password exists to leak or rotate.
DB_NAME="${DB_NAME:-satuanak}"
DB_ROLE="${DB_ROLE:-$SERVICE_USER}"
DATABASE_URL="${DATABASE_URL:-postgres://%2Fvar%2Frun%2Fpostgresql/${DB_NAME}}"
# yes: create the role and the database (as the postgres user) if missing.
SETUP_DATABASE="${SETUP_DATABASE:-yes}"
# yes: apt-get install the Debian packages the platform needs.
INSTALL_PACKAGES="${INSTALL_PACKAGES:-yes}"
# yes / no / auto (auto: yes when systemd runs the machine). no: units and site are installed,
# nothing is started.
USE_SYSTEMD="${USE_SYSTEMD:-auto}"
# yes: enable ufw with only SSH, 80 and 443 open. Off by default: enabling a firewall over SSH
# on the wrong port locks you out; docs/deploy.md step 14 does it by hand.
FIREWALL="${FIREWALL:-no}"
SSH_PORT="${SSH_PORT:-22}"
# Where gunicorn listens (nginx proxies to it).
APP_BIND="${APP_BIND:-127.0.0.1:8000}"
# nginx's ports; LISTEN_ADDRESS (e.g. 127.0.0.1) also drops the IPv6 listeners. Only the
# rehearsal changes these.
HTTP_PORT="${HTTP_PORT:-80}"
HTTPS_PORT="${HTTPS_PORT:-443}"
LISTEN_ADDRESS="${LISTEN_ADDRESS:-}"
# The certificate chain and key. When neither exists a self-signed pair is made there: for a
# trial only (browsers warn). docs/deploy.md step 13: the district's certificate or Let's Encrypt.
TLS_CERT="${TLS_CERT:-${PREFIX}/etc/ssl/satuanak/fullchain.pem}"
TLS_KEY="${TLS_KEY:-${PREFIX}/etc/ssl/satuanak/privkey.pem}"
# The first data steward: created when set and missing, with the password in
# DJANGO_SUPERUSER_PASSWORD. Usually left empty and done by hand (docs/deploy.md step 11).
STEWARD_USERNAME="${STEWARD_USERNAME:-}"
STEWARD_EMAIL="${STEWARD_EMAIL:-}"
# The release to install (default: the checkout this script is in) and Debian's Python.
SOURCE_DIR="${SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
PYTHON="${PYTHON:-/usr/bin/python3}"

# --- layout (docs/deploy.md "Tata letak / Layout") -------------------------------------------
OPT_DIR="$PREFIX/opt/satuanak"
APP_DIR="$OPT_DIR/app"
VENV="$OPT_DIR/venv"
ETC_DIR="$PREFIX/etc/satuanak"
ENV_FILE="$ETC_DIR/satuanak.env"
KEY_FILE="$ETC_DIR/backup.key"
DATA_DIR="$PREFIX/var/lib/satuanak"
BACKUP_DIR="$PREFIX/var/backups/satuanak"
UNIT_DIR="$PREFIX/etc/systemd/system"
NGINX_DIR="$PREFIX/etc/nginx"
NGINX_LOG_DIR="$PREFIX/var/log/nginx"
ACME_ROOT="$PREFIX/var/www/letsencrypt"
ADMIN_COMMAND="$PREFIX/usr/local/sbin/satuanak"
# STATIC_ROOT is BASE_DIR/var/staticfiles (config/django/base.py): inside the release.
STATIC_ROOT="$APP_DIR/var/staticfiles"

export PIP_DISABLE_PIP_VERSION_CHECK=1 DEBIAN_FRONTEND=noninteractive
# Files this script creates are readable by nginx (static files) unless made private on purpose.
umask 022

say() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() {
    printf 'GAGAL / FAILED: %s\n' "$*" >&2
    exit 1
}

systemd_running() { [ -d /run/systemd/system ]; }

# --- 0. preflight -----------------------------------------------------------------------------
preflight() {
    say "0. Pemeriksaan awal / preflight"
    case "$PREFIX$SERVER_NAME$APP_BIND" in
    *[[:space:]\#\&\|\\]*) die "PREFIX, SERVER_NAME and APP_BIND must not contain spaces, #, &, | or \\" ;;
    esac
    [[ "$DB_NAME" =~ ^[a-z_][a-z0-9_]*$ && "$DB_ROLE" =~ ^[a-z_][a-z0-9_]*$ ]] ||
        die "DB_NAME and DB_ROLE: lower-case letters, digits and _ only"
    [[ -z "$STEWARD_USERNAME" || "$STEWARD_USERNAME" =~ ^[A-Za-z0-9_.@+-]+$ ]] ||
        die "STEWARD_USERNAME: letters, digits and _ . @ + - only"
    if [ "$USE_SYSTEMD" = auto ]; then
        if [ -z "$PREFIX" ] && systemd_running; then USE_SYSTEMD=yes; else USE_SYSTEMD=no; fi
    fi
    if [ -z "$PREFIX" ] && [ "$(id -u)" -ne 0 ]; then
        die "run as root (sudo deploy/install.sh)"
    fi
    if [ ! -f "$SOURCE_DIR/pyproject.toml" ] || [ ! -f "$SOURCE_DIR/requirements.lock" ]; then
        die "$SOURCE_DIR is not a release of the platform (no pyproject.toml / requirements.lock)"
    fi
    # The front-end files are fetched from npm at build time (make assets), never from a CDN.
    local vendor="$SOURCE_DIR/src/satuanak/web/static/vendor"
    if [ ! -f "$vendor/leaflet/leaflet.js" ] || [ ! -f "$vendor/htmx/htmx.min.js" ]; then
        die "$vendor is missing: run \`make assets\` on the build machine (needs npm) and copy the release with it"
    fi
    note "server $SERVER_NAME, prefix '${PREFIX:-/}', systemd $USE_SYSTEMD, release $SOURCE_DIR"
    if [ -z "$PREFIX" ] && [ -r /etc/timezone ] && [ "$(cat /etc/timezone)" != Asia/Pontianak ]; then
        note "peringatan / warning: server time zone is $(cat /etc/timezone); the backup timer runs at"
        note "01:30 server time. \`timedatectl set-timezone Asia/Pontianak\` (docs/deploy.md step 1)."
    fi
}

# --- 1. Debian packages -----------------------------------------------------------------------
packages() {
    [ "$INSTALL_PACKAGES" = yes ] || return 0
    say "1. Paket Debian / Debian packages"
    # WeasyPrint (the KLA report PDF) loads Pango and HarfBuzz at run time; DejaVu is the font
    # the report embeds. postgresql-client gives pg_dump to `satuanak backup`.
    local wanted=(postgresql postgresql-client nginx python3-venv libpango-1.0-0 libpangoft2-1.0-0
        libharfbuzz-subset0 fonts-dejavu-core openssl ca-certificates curl jq rsync)
    local missing=()
    local p
    for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        note "all present"
        return 0
    fi
    note "installing: ${missing[*]}"
    apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
}

# --- 2. service user --------------------------------------------------------------------------
service_user() {
    say "2. Pengguna sistem / system user '$SERVICE_USER'"
    if ! id "$SERVICE_USER" >/dev/null 2>&1; then
        [ -z "$PREFIX" ] || die "user $SERVICE_USER does not exist (a rehearsal uses the current user)"
        adduser --system --group --home /var/lib/satuanak --no-create-home \
            --shell /usr/sbin/nologin --gecos "Satu Data Anak" "$SERVICE_USER" >/dev/null
        note "created"
    else
        note "exists"
    fi
    SERVICE_GROUP="$(id -gn "$SERVICE_USER")"
}

# --- 3. folders -------------------------------------------------------------------------------
folders() {
    say "3. Folder / folders"
    install -d -m 0755 "$OPT_DIR" "$APP_DIR"
    # Settings and keys: readable by the service's group, writable by root only.
    install -d -m 0750 -o root -g "$SERVICE_GROUP" "$ETC_DIR"
    # Personal data (uploads, staged rows, backups): the service user only; nginx never reads them.
    install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_GROUP" \
        "$DATA_DIR" "$DATA_DIR/media" "$DATA_DIR/staging" "$DATA_DIR/var" "$BACKUP_DIR"
    note "$APP_DIR $ETC_DIR $DATA_DIR $BACKUP_DIR"
}

# --- 4. the release ---------------------------------------------------------------------------
release() {
    say "4. Kode rilis / code release -> $APP_DIR"
    if [ "$(realpath "$SOURCE_DIR")" != "$(realpath "$APP_DIR")" ]; then
        # --delete: a file removed from the release (an old migration) must not linger here.
        # var/ (static files) and the editable install's egg-info belong to this copy.
        rsync -a --delete --no-owner --no-group --chmod=Dgo+rx,Fgo+r,go-w \
            --exclude=/.git/ --exclude=/.venv/ --exclude=/var/ --exclude=/node_modules/ \
            --exclude=/build/ --exclude=__pycache__/ --exclude='*.egg-info/' \
            --exclude=.mypy_cache/ --exclude=.ruff_cache/ --exclude=.pytest_cache/ --exclude=.hypothesis/ \
            "$SOURCE_DIR/" "$APP_DIR/"
        note "copied"
    else
        note "installing in place"
    fi
    # Settings create STATIC_ROOT at import time; the services cannot (the release is read-only
    # to them), so it exists before any command runs as the service user.
    install -d -m 0755 "$APP_DIR/var" "$STATIC_ROOT"
}

# --- 5. Python environment --------------------------------------------------------------------
python_env() {
    say "5. Lingkungan Python / virtual environment $VENV"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    # Editable (-e): settings find data/ and STATIC_ROOT relative to the code (BASE_DIR), which
    # must therefore be the release folder, not a copy inside the venv's site-packages.
    local stamp
    stamp="$(cat "$APP_DIR/requirements.lock" "$APP_DIR/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$VENV/.satuanak-installed" 2>/dev/null)" = "$stamp" ] &&
        "$VENV/bin/python" -c "import satuanak, config" 2>/dev/null; then
        note "up to date (requirements.lock unchanged)"
        return 0
    fi
    local started=$SECONDS
    (cd "$APP_DIR" && "$VENV/bin/pip" install --quiet -c requirements.lock -e .)
    echo "$stamp" >"$VENV/.satuanak-installed"
    note "installed in $((SECONDS - started)) s"
}

# --- 6. environment file ----------------------------------------------------------------------
env_file() {
    say "6. Berkas lingkungan / environment file $ENV_FILE"
    if [ -f "$ENV_FILE" ]; then
        note "exists, kept (edit it by hand; every variable: .env.example)"
    else
        local secret
        secret="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(64))')"
        # One KEY=value a line: systemd's EnvironmentFile and `set -a; . file` read it alike.
        cat >"$ENV_FILE.new" <<EOF
# Satu Data Anak Bengkayang on $SERVER_NAME. Written by deploy/install.sh; yours to edit, then
# \`systemctl restart satuanak-web satuanak-worker\`. Every variable is described in .env.example.
# KEY=value lines only (quotes around a value with spaces): systemd and the \`satuanak\` admin
# command both read this file. Mode 0640 root:$SERVICE_GROUP: it holds the secret key.
DJANGO_SETTINGS_MODULE=config.django.production
SATUANAK_SECRET_KEY=$secret
# The host name users type, and the machine itself (local health probes on $APP_BIND).
SATUANAK_ALLOWED_HOSTS=$SERVER_NAME,127.0.0.1,localhost
DATABASE_URL=$DATABASE_URL
SATUANAK_MEDIA_ROOT=$DATA_DIR/media
SATUANAK_STAGING_DIR=$DATA_DIR/staging
SATUANAK_VAR_DIR=$DATA_DIR/var
SATUANAK_BACKUP_KEY_FILE=$KEY_FILE
SATUANAK_MIN_FREE_DISK_MB=512
# gunicorn (deploy/gunicorn.conf.py): 3 processes x 8 threads suit 2 cores and 4-8 GB.
SATUANAK_BIND=$APP_BIND
SATUANAK_WEB_WORKERS=3
SATUANAK_WEB_THREADS=8
SATUANAK_WEB_TIMEOUT=120
# JSON lines in the journal: journalctl -u satuanak-web -o cat | jq
SATUANAK_LOG_FORMAT=json
SATUANAK_LOG_LEVEL=INFO
SATUANAK_REQUEST_LOG_LEVEL=INFO
# nginx sets X-Forwarded-For to the client's address (deploy/nginx/satuanak.conf).
SATUANAK_TRUST_X_FORWARDED_FOR=true
SATUANAK_SSL_REDIRECT=true
# One year. While trying HTTPS on a new host name, 3600 (browsers remember the value).
SATUANAK_HSTS_SECONDS=31536000
SATUANAK_HSTS_INCLUDE_SUBDOMAINS=true
SATUANAK_HSTS_PRELOAD=true
# The data steward sees every child: an authenticator app is required for that role.
SATUANAK_REQUIRE_TOTP_ROLES=data_steward
SATUANAK_TOTP_ISSUER="Satu Data Anak Bengkayang"
SATUANAK_LOGIN_MAX_FAILURES_PER_USERNAME=5
SATUANAK_LOGIN_MAX_FAILURES_PER_IP=20
SATUANAK_LOGIN_FAILURE_WINDOW_SECONDS=900
SATUANAK_LOGIN_LOCKOUT_SECONDS=900
SATUANAK_SESSION_MAX_AGE_SECONDS=28800
SATUANAK_SESSION_IDLE_SECONDS=1800
SATUANAK_API_RATE_PER_MINUTE=600
SATUANAK_HALO_RETENTION_DAYS=180
# SATUANAK_TODAY stays unset in production: the platform uses the real date.
EOF
        mv "$ENV_FILE.new" "$ENV_FILE"
        note "written with a new secret key"
    fi
    chown "root:$SERVICE_GROUP" "$ENV_FILE"
    chmod 0640 "$ENV_FILE"
}

# Runs the platform's command with the environment file, as the current user (root): for the
# steps that write the root-owned release (collectstatic) or /etc/satuanak (the backup key).
satuanak_as_root() {
    (
        set -a
        # shellcheck disable=SC1090  # the file this script wrote
        . "$ENV_FILE"
        set +a
        cd "$DATA_DIR"
        exec "$VENV/bin/satuanak" "$@"
    )
}

# --- 7. the admin command ---------------------------------------------------------------------
admin_command() {
    say "7. Perintah admin / admin command $ADMIN_COMMAND"
    install -d -m 0755 "$(dirname "$ADMIN_COMMAND")"
    cat >"$ADMIN_COMMAND.new" <<EOF
#!/bin/sh
# \`satuanak <command>\` as the services run it: as $SERVICE_USER, with $ENV_FILE.
# Written by deploy/install.sh. Examples: satuanak check-deploy; satuanak createsuperuser
set -eu
if [ "\$(id -un)" != "$SERVICE_USER" ]; then
    if [ "\$(id -u)" -eq 0 ]; then exec runuser -u "$SERVICE_USER" -- "\$0" "\$@"; fi
    echo "satuanak: jalankan sebagai root / run as root (sudo satuanak ...)" >&2
    exit 1
fi
umask 027
set -a
. "$ENV_FILE"
set +a
HOME="$DATA_DIR"
export HOME
cd "$DATA_DIR"
exec "$VENV/bin/satuanak" "\$@"
EOF
    chmod 0755 "$ADMIN_COMMAND.new"
    mv "$ADMIN_COMMAND.new" "$ADMIN_COMMAND"
    note "sudo satuanak check-deploy | createsuperuser | backup | ..."
}

# --- 8. backup key ----------------------------------------------------------------------------
backup_key() {
    say "8. Kunci cadangan / backup key $KEY_FILE"
    if [ -f "$KEY_FILE" ]; then
        note "exists, kept"
    elif satuanak_as_root backup --help >/dev/null 2>&1; then
        satuanak_as_root backup --new-key "$KEY_FILE" | sed 's/^/    /'
    else
        note "TERTUNDA / PENDING: this release has no \`satuanak backup\` command yet"
        return 0
    fi
    # The backup service runs as the service user and must read it; nobody else may.
    chown "$SERVICE_USER:$SERVICE_GROUP" "$KEY_FILE"
    chmod 0600 "$KEY_FILE"
    note "COPY IT OFF THIS SERVER (docs/backup-restore.md): without it no archive can be restored."
}

# --- 9. database ------------------------------------------------------------------------------
database() {
    say "9. Basis data / PostgreSQL database '$DB_NAME' owned by '$DB_ROLE'"
    if [ "$SETUP_DATABASE" != yes ]; then
        note "skipped (SETUP_DATABASE=$SETUP_DATABASE): DATABASE_URL must point at an existing database"
        return 0
    fi
    local psql=(runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA)
    "${psql[@]}" -c "SELECT 1" >/dev/null || die "PostgreSQL is not running (systemctl start postgresql)"
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_ROLE'")" != 1 ]; then
        "${psql[@]}" -c "CREATE ROLE \"$DB_ROLE\" LOGIN"
        note "role created"
    fi
    if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
        "${psql[@]}" -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_ROLE\" ENCODING 'UTF8' TEMPLATE template0"
        note "database created"
    else
        note "exists"
    fi
}

# --- 10. schema, static files, reference data -------------------------------------------------
application() {
    say "10. Migrasi, berkas statis, data referensi / migrate, collectstatic, reference data"
    "$ADMIN_COMMAND" migrate --no-input -v 0
    # As root: STATIC_ROOT is inside the root-owned release.
    satuanak_as_root collectstatic --no-input -v 0
    # Shipped reference data (data/): regions, facilities, flag rules, KLA indicators, PRAP
    # standard, DHIS2 mapping. Each loader is idempotent.
    "$ADMIN_COMMAND" load_reference
    "$ADMIN_COMMAND" flags load-rules
    "$ADMIN_COMMAND" kla load-indicators
    "$ADMIN_COMMAND" prap load-standard
    "$ADMIN_COMMAND" dhis2 load-mapping
    # The PKPR standard has no command of its own yet; its loader is idempotent too.
    "$ADMIN_COMMAND" shell -v 0 -c \
        "from satuanak.remaja.services import pkpr_standard_load; print('PKPR', pkpr_standard_load().number)"
    if [ -n "$STEWARD_USERNAME" ]; then
        if "$ADMIN_COMMAND" shell -v 0 -c "import sys; from satuanak.accounts.models import User; \
sys.exit(0 if User.objects.filter(username='$STEWARD_USERNAME').exists() else 1)"; then
            note "data steward $STEWARD_USERNAME exists"
        else
            [ -n "${DJANGO_SUPERUSER_PASSWORD:-}" ] || die "STEWARD_USERNAME needs DJANGO_SUPERUSER_PASSWORD"
            # runuser keeps the environment: the password reaches createsuperuser, not argv.
            "$ADMIN_COMMAND" createsuperuser --no-input --username "$STEWARD_USERNAME" \
                --email "${STEWARD_EMAIL:-$STEWARD_USERNAME@$SERVER_NAME}"
            note "data steward $STEWARD_USERNAME created"
        fi
    fi
}

# Copies a file from the release, rewriting the documented paths for this PREFIX.
render() {
    local src="$1" dst="$2"
    sed -e "s#/opt/satuanak#$OPT_DIR#g" \
        -e "s#/etc/satuanak#$ETC_DIR#g" \
        -e "s#/var/lib/satuanak#$DATA_DIR#g" \
        -e "s#/var/backups/satuanak#$BACKUP_DIR#g" \
        -e "s#^User=satuanak\$#User=$SERVICE_USER#" \
        -e "s#^Group=satuanak\$#Group=$SERVICE_GROUP#" \
        "$src" >"$dst.new"
    mv "$dst.new" "$dst"
}

# --- 11. systemd units ------------------------------------------------------------------------
units() {
    say "11. Layanan systemd / systemd units -> $UNIT_DIR"
    install -d -m 0755 "$UNIT_DIR"
    local unit
    for unit in "$APP_DIR"/deploy/systemd/satuanak-*; do
        render "$unit" "$UNIT_DIR/$(basename "$unit")"
        chmod 0644 "$UNIT_DIR/$(basename "$unit")"
    done
    note "$(cd "$UNIT_DIR" && echo satuanak-*)"
}

# --- 12. TLS certificate ----------------------------------------------------------------------
certificate() {
    say "12. Sertifikat TLS / TLS certificate"
    if [ -f "$TLS_CERT" ] && [ -f "$TLS_KEY" ]; then
        note "$TLS_CERT"
        return 0
    fi
    note "PERINGATAN / WARNING: none at $TLS_CERT; making a SELF-SIGNED one, for a trial only."
    note "Replace it with the district's certificate or Let's Encrypt (docs/deploy.md step 13)."
    install -d -m 0755 "$(dirname "$TLS_CERT")"
    install -d -m 0700 "$(dirname "$TLS_KEY")"
    local out
    if ! out="$(
        umask 077
        openssl req -x509 -newkey rsa:2048 -sha256 -days 90 -nodes \
            -keyout "$TLS_KEY" -out "$TLS_CERT" -subj "/CN=$SERVER_NAME" \
            -addext "subjectAltName=DNS:$SERVER_NAME" 2>&1
    )"; then
        printf '%s\n' "$out"
        die "openssl could not make the self-signed certificate"
    fi
    chmod 0644 "$TLS_CERT"
}

# --- 13. nginx --------------------------------------------------------------------------------
nginx_site() {
    say "13. nginx -> $NGINX_DIR/sites-available/satuanak.conf"
    install -d -m 0755 "$NGINX_DIR/sites-available" "$NGINX_DIR/sites-enabled" "$NGINX_LOG_DIR" "$ACME_ROOT"
    local site="$NGINX_DIR/sites-available/satuanak.conf"
    render "$APP_DIR/deploy/nginx/satuanak.conf" "$site"
    local listen=()
    if [ -n "$LISTEN_ADDRESS" ]; then
        listen=(-e '/listen \[::\]:/d'
            -e "s/listen 80([ ;])/listen $LISTEN_ADDRESS:$HTTP_PORT\\1/"
            -e "s/listen 443([ ;])/listen $LISTEN_ADDRESS:$HTTPS_PORT\\1/")
    else
        listen=(-e "s/listen (\\[::\\]:)?80([ ;])/listen \\1$HTTP_PORT\\2/"
            -e "s/listen (\\[::\\]:)?443([ ;])/listen \\1$HTTPS_PORT\\2/")
    fi
    # nginx variables, not shell ones: written into the site as they are.
    # shellcheck disable=SC2016
    local redirect='https://$server_name$request_uri'
    [ "$HTTPS_PORT" = 443 ] || redirect="https://\$server_name:$HTTPS_PORT\$request_uri"
    sed -E -i "${listen[@]}" \
        -e "s#satuanak\\.example\\.go\\.id#$SERVER_NAME#g" \
        -e "s#/etc/ssl/satuanak/fullchain\\.pem#$TLS_CERT#" \
        -e "s#/etc/ssl/satuanak/privkey\\.pem#$TLS_KEY#" \
        -e "s#http://127\\.0\\.0\\.1:8000;#http://$APP_BIND;#" \
        -e "s#/var/log/nginx#$NGINX_LOG_DIR#g" \
        -e "s#/var/www/letsencrypt#$ACME_ROOT#g" \
        -e "s#https://\\\$server_name\\\$request_uri#$redirect#" \
        "$site"
    chmod 0644 "$site"
    ln -sfn ../sites-available/satuanak.conf "$NGINX_DIR/sites-enabled/satuanak.conf"
    # Debian's default site claims default_server on port 80 too; ours answers unknown hosts.
    rm -f "$NGINX_DIR/sites-enabled/default"
    if [ "$USE_SYSTEMD" = yes ]; then
        nginx -t -q
        systemctl enable --quiet nginx
        systemctl reload-or-restart nginx
        note "reloaded"
    fi
}

# --- 14. firewall -----------------------------------------------------------------------------
firewall() {
    [ "$FIREWALL" = yes ] || return 0
    say "14. Firewall (ufw): SSH $SSH_PORT, 80, 443"
    dpkg-query -W -f='${Status}' ufw 2>/dev/null | grep -q "ok installed" || apt-get install -y -q ufw >/dev/null
    ufw allow "$SSH_PORT/tcp" >/dev/null
    ufw allow 80/tcp >/dev/null
    ufw allow 443/tcp >/dev/null
    ufw --force enable >/dev/null
    ufw status | sed 's/^/    /'
}

# --- 15. start and check ----------------------------------------------------------------------
start_and_check() {
    if [ "$USE_SYSTEMD" != yes ]; then
        say "15. Layanan tidak dijalankan / services not started (USE_SYSTEMD=no)"
        return 0
    fi
    say "15. Menjalankan layanan / starting the services"
    systemctl daemon-reload
    systemctl enable --quiet satuanak-web satuanak-worker satuanak-backup.timer satuanak-housekeeping.timer
    # restart, not start: a re-run (an upgrade) must load the new code. The worker finishes the
    # task it is running first (up to TimeoutStopSec).
    systemctl restart satuanak-web satuanak-worker
    systemctl start satuanak-backup.timer satuanak-housekeeping.timer
    local i
    for i in $(seq 1 60); do
        curl -fsS -o /dev/null -H "Host: $SERVER_NAME" "http://$APP_BIND/readyz" && break
        [ "$i" -lt 60 ] || die "/readyz did not answer 200 in 60 s: journalctl -u satuanak-web -u satuanak-worker"
        sleep 1
    done
    note "/readyz 200"
    if [ -f "$KEY_FILE" ] && ! "$ADMIN_COMMAND" shell -v 0 -c "import sys; from satuanak.audit.models import \
AuditAction, AuditEvent; sys.exit(0 if AuditEvent.objects.filter(action=AuditAction.BACKUP_CREATED).exists() else 1)"; then
        note "first backup"
        systemctl start satuanak-backup.service
    fi
    "$ADMIN_COMMAND" check-deploy
}

main() {
    local started=$SECONDS
    preflight
    packages
    service_user
    folders
    release
    python_env
    env_file
    admin_command
    backup_key
    database
    application
    units
    certificate
    nginx_site
    firewall
    start_and_check
    say "Selesai / done in $((SECONDS - started)) s"
    if [ "$USE_SYSTEMD" = yes ]; then
        note "Next: sudo satuanak createsuperuser (the first data steward), then https://$SERVER_NAME/"
    fi
}

main "$@"
