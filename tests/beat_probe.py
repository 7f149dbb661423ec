"""The portal's Celery app, with its beat scheduler and lock as settings.py configures them, given a probe
schedule (every second, every two seconds) that sends to a queue of the test's own
(tests/core/test_one_beat.py). Nothing consumes that queue: the test reads the messages beat sent."""

import os

from kunshan_resume.celery import app

app.conf.beat_schedule = {
    "probe-every-second": {"task": "probe.every_second", "schedule": 1.0},
    "probe-every-two-seconds": {"task": "probe.every_two_seconds", "schedule": 2.0},
}
app.conf.redbeat_key_prefix = os.environ["BEAT_PROBE_PREFIX"]
app.conf.task_default_queue = os.environ["BEAT_PROBE_QUEUE"]
