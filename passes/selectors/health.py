"""Reads of the daily health sheet and the health incidents, through the models' visible_to scoping."""

from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role
from passes.models import HealthImport, HealthIncident, HealthReading, Worker

PAGE_SIZE = 50


@dataclass(frozen=True)
class SheetRow:
    worker: Worker
    reading: HealthReading | None  # the newest of the day, None when the worker has none yet
    count: int  # readings that day
    incident: HealthIncident | None


@dataclass(frozen=True)
class HealthSheet:
    day: date
    page: Page
    rows: list[SheetRow]
    read: int  # workers of the enterprise with a reading that day
    total: int


def health_sheet(user, *, day: date, page_number=None, q: str = "") -> HealthSheet:
    """One page of the user's enterprise roster with each worker's readings of `day` (never an earlier
    day's: a worker not read yet shows as such). A fixed number of queries whatever the roster's size."""
    workers = Worker.objects.visible_to(user).filter(enterprise_id=user.enterprise_id)
    if q.strip():
        workers = workers.filter(name__contains=q.strip())
    paginator = Paginator(workers.order_by("name", "pk").only("pk", "name", "job", "enterprise_id"), PAGE_SIZE)
    page = paginator.get_page(page_number)
    ids = [w.pk for w in page.object_list]
    newest: dict[int, HealthReading] = {}
    counts: dict[int, int] = {}
    for reading in HealthReading.objects.filter(worker_id__in=ids, day=day).order_by("created_at", "pk"):
        newest[reading.worker_id] = reading
        counts[reading.worker_id] = counts.get(reading.worker_id, 0) + 1
    incidents = {
        i.worker_id: i for i in HealthIncident.objects.filter(worker_id__in=ids, status=HealthIncident.Status.OPEN)
    }
    rows = [SheetRow(w, newest.get(w.pk), counts.get(w.pk, 0), incidents.get(w.pk)) for w in page.object_list]
    everyone = Worker.objects.filter(enterprise_id=user.enterprise_id)
    read = (
        HealthReading.objects.filter(enterprise_id=user.enterprise_id, day=day).values("worker_id").distinct().count()
    )
    return HealthSheet(day, page, rows, read, everyone.count())


def health_incident_list_visible_to(user, *, status: str = "") -> QuerySet[HealthIncident]:
    qs = HealthIncident.objects.visible_to(user).select_related("worker", "enterprise", "home_district", "reading")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "-opened_at", "-pk")


def health_incident_get_for_user_or_404(user, pk: int) -> HealthIncident:
    return get_object_or_404(
        HealthIncident.objects.visible_to(user).select_related(
            "worker", "enterprise", "home_district", "reading", "evidence", "closed_by"
        ),
        pk=pk,
    )


def health_incident_readings(incident: HealthIncident) -> list[HealthReading]:
    """The worker's readings from the one that opened the incident on, newest first (at most 30)."""
    return list(
        HealthReading.objects.filter(worker_id=incident.worker_id, pk__gte=incident.reading_id).order_by(
            "-created_at", "-pk"
        )[:30]
    )


def health_import_get_for_user_or_404(user, pk: int) -> HealthImport:
    return get_object_or_404(HealthImport.objects.visible_to(user), pk=pk)


def health_landing_counts(user) -> dict:
    """The landing page's to-do: the enterprise's readings today and open incidents; a district's open
    incidents of the workers living there (the ones it closes)."""
    incidents = HealthIncident.objects.visible_to(user).filter(status=HealthIncident.Status.OPEN)
    if user.role == Role.DISTRICT_STAFF:
        return {"open_incidents": incidents.filter(home_district_id=user.district_id).count()}
    today = timezone.localdate()
    return {
        "read_today": HealthReading.objects.filter(enterprise_id=user.enterprise_id, day=today)
        .values("worker_id")
        .distinct()
        .count(),
        "workers": Worker.objects.filter(enterprise_id=user.enterprise_id).count(),
        "open_incidents": incidents.count(),
    }
