"""The portal's URLs plus a no-op view, mounted only by the bench's settings (bench.verify_settings)."""

from django.http import JsonResponse
from django.urls import path

from kunshan_resume.urls import urlpatterns as portal_urlpatterns


def noop(request, token: str):
    """The same request shape as a verification (path, cookie, JSON), through the same middleware."""
    return JsonResponse({"status": "ok"})


urlpatterns = [path("bench/noop/<str:token>", noop, name="bench_noop"), *portal_urlpatterns]
