from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from portal import selectors
from portal.health import DOWN, readiness


@login_required
def home(request):
    """Each role lands on a page that says what to do today."""
    context = selectors.landing_context(request.user)
    return render(request, f"portal/home_{request.user.role}.html", context)


@never_cache
def live(request):
    """Liveness: the process answers. Nothing else is touched, so a slow database never restarts a worker."""
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    """Readiness: 503 only when the database is unreachable; Redis or beat trouble is "degraded" (200)."""
    status = readiness()
    return JsonResponse(status, status=503 if status["status"] == DOWN else 200)
