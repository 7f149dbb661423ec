"""What an operator installs (deploy/): the environment template lists every setting, nginx's request limit
covers the largest upload the portal accepts, and the systemd units run what the README says.
deploy/two_nodes.sh (in .ci/run) runs the nginx snippet for real in front of two nodes."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"


def _env_names_read(source: str) -> set[str]:
    return set(re.findall(r"\benv\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def _template_names() -> set[str]:
    text = (DEPLOY / "kunshan.env").read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_the_environment_template_lists_every_setting_the_portal_reads():
    read = _env_names_read((ROOT / "kunshan_resume" / "settings.py").read_text(encoding="utf-8"))
    assert {"SECRET_KEY", "DATABASE_URL", "FILE_STORAGE", "PASS_SIGNING_KEY"} <= read  # the pattern finds them
    gunicorn = set(re.findall(r"environ\.get\(\"([A-Z_]+)\"", (ROOT / "gunicorn.conf.py").read_text()))
    assert sorted((read | gunicorn) - _template_names()) == []


def test_every_name_in_the_template_is_one_the_portal_reads():
    read = _env_names_read((ROOT / "kunshan_resume" / "settings.py").read_text(encoding="utf-8")) | {"WEB_CONCURRENCY"}
    assert sorted(_template_names() - read) == []


def _body_limit_bytes() -> int:
    snippet = (DEPLOY / "nginx" / "kunshan-app.conf").read_text(encoding="utf-8")
    value = re.search(r"^client_max_body_size (\d+)m;", snippet, flags=re.MULTILINE).group(1)
    return int(value) * 1024 * 1024


def test_nginx_takes_the_largest_upload_the_portal_accepts_and_little_more():
    largest = max(settings.UPLOAD_MAX_BYTES, settings.EXCEL_UPLOAD_MAX_BYTES, settings.ROSTER_IMPORT_MAX_BYTES)
    # Room for the multipart form around the file, but no room for a body the portal would refuse anyway.
    assert largest < _body_limit_bytes() <= largest + 4 * 1024 * 1024


def test_nginx_serves_the_collected_static_files_and_proxies_the_rest():
    snippet = (DEPLOY / "nginx" / "kunshan-app.conf").read_text(encoding="utf-8")
    headers = (DEPLOY / "nginx" / "kunshan-proxy-headers.conf").read_text(encoding="utf-8")
    assert f"location /{settings.STATIC_URL.strip('/')}/ {{" in snippet
    assert "alias /srv/kunshan/staticfiles/;" in snippet  # STATIC_ROOT of the checkout in /srv/kunshan
    assert settings.STATIC_ROOT == ROOT / "staticfiles"
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in headers
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in headers
    assert re.search(r"gzip_types[^;]*application/json", snippet)


def test_the_systemd_units_run_the_portal_with_the_environment_file():
    units = {path.name: path.read_text(encoding="utf-8") for path in (DEPLOY / "systemd").glob("*.service")}
    assert sorted(units) == ["kunshan-beat.service", "kunshan-web.service", "kunshan-worker.service"]
    for text in units.values():
        assert "EnvironmentFile=/etc/kunshan/kunshan.env" in text
        assert "User=kunshan" in text and "WorkingDirectory=/srv/kunshan" in text
    assert "/.venv/bin/gunicorn --bind 127.0.0.1:8000" in units["kunshan-web.service"]
    assert "celery -A kunshan_resume worker" in units["kunshan-worker.service"]
    assert "celery -A kunshan_resume beat" in units["kunshan-beat.service"]
    # nginx's upstream is the port gunicorn binds.
    assert "server 127.0.0.1:8000" in (DEPLOY / "nginx" / "kunshan.conf").read_text(encoding="utf-8")
