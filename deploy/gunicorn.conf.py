"""gunicorn's settings for the production service (deploy/systemd/satuanak-web.service) and for
bench/load.py, which measures this same shape. Read by `gunicorn -c deploy/gunicorn.conf.py`.

Sizing for the district's server (2 cores, a few GB): threads, not many processes. Most of a
request's time is spent waiting on PostgreSQL (which releases the GIL), and each process holds
the reference data, map boundaries and Polars in memory (~200 MB), so 3 processes x 8 threads
serve the task force's 50 concurrent users with memory to spare. Override per server in the
environment file.
"""

import os

bind = os.environ.get("SATUANAK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SATUANAK_WEB_WORKERS", "3"))
threads = int(os.environ.get("SATUANAK_WEB_THREADS", "8"))
worker_class = "gthread"
# Reports and exports of the whole district may take a minute; nginx's proxy_read_timeout matches.
timeout = int(os.environ.get("SATUANAK_WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# A process is replaced after this many requests (with jitter, so not all at once): whatever
# memory a long-running process accumulates is given back.
max_requests = 5000
max_requests_jitter = 500
# The application logs each request itself, as JSON with its request id and without query
# strings (which may hold a searched name or NIK): gunicorn's own access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("SATUANAK_LOG_LEVEL", "info").lower()
# Imports the application once in the master, so workers start fast and share its pages.
preload_app = True
# nginx on the same machine is the only client; it passes the client's scheme and address.
forwarded_allow_ips = "127.0.0.1,::1"
proxy_allow_ips = "127.0.0.1,::1"
