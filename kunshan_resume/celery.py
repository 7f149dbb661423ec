"""The Celery application: Redis broker from REDIS_URL, or eager in-process execution without it."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_resume.settings")

app = Celery("kunshan_resume")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
