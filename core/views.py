from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from core.downloads import download_response
from kunshan_resume.celery import app as celery_app


@never_cache
def healthz(request):
    """Liveness for the load balancer: the database and the broker, each ok or the error class."""
    status = {"database": _check(_database_ok), "broker": _check(_broker_ok)}
    healthy = all(value in ("ok", "eager") for value in status.values())
    return JsonResponse({"status": "ok" if healthy else "error", **status}, status=200 if healthy else 503)


def _check(probe) -> str:
    try:
        return probe() or "ok"
    except Exception as error:  # noqa: BLE001 - any failure is reported, never raised
        return f"error: {type(error).__name__}"


def _database_ok() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker_ok() -> str | None:
    if celery_app.conf.task_always_eager:
        return "eager"  # no broker configured: tasks run in-process
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@login_required
def download(request, token: str):
    return download_response(user=request.user, token=token)


def favicon(request):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's): send them to the portal's."""
    return redirect(static("favicon.svg"), permanent=True)
