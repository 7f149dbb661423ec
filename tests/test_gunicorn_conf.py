"""The production server's settings (gunicorn.conf.py): every name is one gunicorn knows, and the checkpoint's
answer time rests on sync workers (see the file's docstring and bench/verify.py)."""

import runpy
from pathlib import Path

from gunicorn.config import Config

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def _settings() -> dict:
    return {
        name: value
        for name, value in runpy.run_path(str(CONF)).items()
        if not name.startswith("_") and not callable(value) and not hasattr(value, "__spec__")
    }


def test_every_setting_is_one_gunicorn_knows():
    # gunicorn ignores an unknown name without a word, so a misspelt setting would silently fall back.
    assert set(_settings()) <= set(Config().settings)


def test_sync_workers_serve_the_wsgi_application(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = _settings()
    assert settings["worker_class"] == "sync"
    assert settings["wsgi_app"] == "kunshan_resume.wsgi:application"
    assert settings["workers"] >= 2


def test_worker_count_follows_web_concurrency(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    assert _settings()["workers"] == 7
