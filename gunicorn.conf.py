"""Gunicorn's settings for the portal (read by `make serve` and bench.verify; gunicorn loads this file from
the working directory). Flags on the command line override them.

Sync workers behind the reverse proxy, which keeps the phones' connections alive and buffers slow clients:
a sync worker accepts a connection only when it is free, so requests go to whichever process is idle.
A gthread worker keeps its kept-alive connections; in the checkpoint bench one of three workers held 14 of
16 connections and the p99 was 52-72 ms, against 19-23 ms for 3-5 sync workers at a higher rate
(bench/verify.py).
"""

import multiprocessing
import os

wsgi_app = "kunshan_resume.wsgi:application"
worker_class = "sync"
# Two per core keeps the cores busy while a worker waits on PostgreSQL or Redis; 3-5 measured alike on two.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
backlog = 2048
# A request taking longer than this is stuck; the worker is replaced rather than holding a slot.
timeout = 30
