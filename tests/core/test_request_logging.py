"""A 403 logs one line, not a traceback (issue 12, item 8); a server error still logs its traceback."""

import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_authority_refused_the_passes_pages_logs_one_line_without_traceback(client, authority_staff, caplog):
    client.force_login(authority_staff)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("passes:list")).status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /passes/"
    assert record.exc_info is None and "Traceback" not in caplog.text


def test_other_errors_keep_their_traceback(caplog):
    logger = logging.getLogger("django.request")
    try:
        raise ValueError("boom")
    except ValueError as error:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            logger.error("Internal Server Error: /x/", exc_info=error)
    assert "Traceback" in caplog.text and "ValueError: boom" in caplog.text
