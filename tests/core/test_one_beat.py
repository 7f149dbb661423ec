"""One beat: two beat processes started by mistake send each scheduled run once, not twice.

settings.py makes beat celery-redbeat's scheduler: the schedule lives in Redis and only the beat holding a
Redis lock sends; the other waits, and takes over where the schedule stands when the first stops. The test
starts two real beat processes against the real Redis and reads which process sent every message.
"""

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings

from tests.markers import redis_only, wait_until

pytestmark = redis_only

ROOT = Path(django_settings.BASE_DIR)


def test_the_portal_runs_beat_with_the_redis_lock():
    # settings are read afresh: the test settings drop REDIS_URL (tests/conftest.py), the deployed ones keep it.
    code = "import django; django.setup(); from django.conf import settings; print(settings.CELERY_BEAT_SCHEDULER)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kunshan_resume.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "redbeat.RedBeatScheduler"


class _Beat:
    def __init__(self, env: dict, log: Path):
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.beat_probe",
                "beat",
                "--loglevel=INFO",
                "-s",
                str(log.with_suffix(".db")),
            ],
            env=env,
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.origin_prefix = f"gen{self.process.pid}@"

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def probe(tmp_path):
    run = uuid.uuid4().hex[:10]
    prefix, queue = f"test-beat-{run}", f"test-beat-{run}-queue"
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kunshan_resume.settings",
        "BEAT_PROBE_PREFIX": prefix,
        "BEAT_PROBE_QUEUE": queue,
    }
    beats = []

    def start(name: str) -> _Beat:
        beat = _Beat(env, tmp_path / f"{name}.log")
        beats.append(beat)
        return beat

    def sent() -> list[tuple[str, str]]:
        """(task name, sending process) of every message beat sent, oldest first."""
        messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
        return [(m["headers"]["task"], m["headers"]["origin"]) for m in reversed(messages)]  # LPUSHed

    try:
        yield start, sent
    finally:
        for beat in beats:
            beat.stop()
        keys = list(client.scan_iter(f"{prefix}*")) + [queue]
        client.delete(*keys)


def _by(beat: _Beat, messages) -> list[str]:
    return [task for task, origin in messages if origin.startswith(beat.origin_prefix)]


def test_two_beats_send_each_schedule_once_and_the_second_takes_over_when_the_first_stops(probe):
    start, sent = probe
    first = start("first")
    assert wait_until(lambda: len(sent()) >= 2, attempts=300), first.log.read_text()
    second = start("second")
    assert wait_until(lambda: "beat: Starting..." in second.log.read_text(), attempts=300), second.log.read_text()

    # Some seconds of both running: every run of each entry is sent, by the first beat alone.
    already = len(sent())
    assert wait_until(lambda: len(sent()) >= already + 9, attempts=300)
    both_running = sent()
    assert second.process.poll() is None, second.log.read_text()  # still there: waiting for the lock
    assert _by(second, both_running) == []
    assert len(_by(first, both_running)) == len(both_running)
    assert {"probe.every_second", "probe.every_two_seconds"} <= set(_by(first, both_running))

    # The first stops (releasing the lock): the second carries the schedule on, alone.
    first.stop()
    stopped_at = len(sent())
    assert wait_until(lambda: len(_by(second, sent())) >= 4, attempts=300), second.log.read_text()
    after = sent()[stopped_at:]
    assert _by(first, after) == []
    assert {"probe.every_second", "probe.every_two_seconds"} <= set(_by(second, after))
