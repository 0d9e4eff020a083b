"""gunicorn settings for one machine (see README, "Running on several machines").

Sync workers: each serves one request at a time, so the number of workers is the number of requests a
machine serves at once. Pages spend about as long waiting for PostgreSQL as computing, so two workers
a core keep the cores busy; WEB_CONCURRENCY overrides it. Every worker holds up to
DB pool size (5) + overflow (10) connections: keep machines x workers x 15 under PostgreSQL's
max_connections, or lower the pool with SQLALCHEMY pool settings.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
# A request that takes longer than this is killed and its worker restarted (reports stay under 1 s).
timeout = int(os.environ.get("WEB_TIMEOUT", 30))
graceful_timeout = 30
# The load balancer keeps connections open between requests.
keepalive = 5
# Restart workers now and then, so a slow leak cannot grow for ever (jitter: not all at once).
max_requests = 5000
max_requests_jitter = 500
# The app logs one JSON line per request itself (REQUEST_LOG); gunicorn's own log goes to stderr.
accesslog = None
errorlog = "-"
# Behind the load balancer: trust its X-Forwarded-* headers (PROXY_FIX_HOPS in the app does the same).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
