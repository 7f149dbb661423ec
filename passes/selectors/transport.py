"""Reads for point-to-point transport: every request comes through TransportRequest.objects.visible_to."""

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from enterprises.models import Enterprise
from passes.models import TransportRequest, Worker
from reference.models import Division

# The queue's status filter: the open requests by default, or one status, or everything.
OPEN = "open"
ALL = "all"


@dataclass(frozen=True)
class QueueFilters:
    status: str = OPEN
    departure_from: date | None = None
    departure_to: date | None = None


def _with_counts(qs: QuerySet[TransportRequest]) -> QuerySet[TransportRequest]:
    return qs.select_related("enterprise", "origin").annotate(worker_count=Count("workers"))


def transport_request_get_for_user_or_404(user, pk: int) -> TransportRequest:
    """Missing and out-of-scope requests look the same: 404."""
    return get_object_or_404(
        TransportRequest.objects.visible_to(user).select_related(
            "enterprise__district", "origin", "requested_by", "decided_by", "risk_list"
        ),
        pk=pk,
    )


def transport_request_detail_relations(transport_request: TransportRequest) -> dict:
    return {
        "events": list(transport_request.events.select_related("actor")),
        "workers": list(transport_request.workers.select_related("origin").order_by("name", "pk")),
    }


def transport_request_list_for_enterprise(user) -> QuerySet[TransportRequest]:
    """The enterprise's own requests, newest first."""
    return _with_counts(TransportRequest.objects.visible_to(user)).order_by("-created_at", "-pk")


def transport_request_queue_visible_to(user, filters: QueueFilters = QueueFilters()) -> QuerySet[TransportRequest]:
    """The staff work queue: oldest request first, so nothing waits behind newer work."""
    qs = _with_counts(TransportRequest.objects.visible_to(user)).select_related("enterprise__district")
    if filters.status == OPEN:
        qs = qs.filter(status__in=TransportRequest.OPEN_STATUSES)
    elif filters.status != ALL:
        qs = qs.filter(status=filters.status)
    if filters.departure_from:
        qs = qs.filter(departure_on__gte=filters.departure_from)
    if filters.departure_to:
        qs = qs.filter(departure_on__lte=filters.departure_to)
    return qs.order_by("created_at", "pk")


def transport_worker_candidates(enterprise: Enterprise) -> QuerySet[Worker]:
    """Workers of the roster who may be put on a trip: not back in Kunshan and on no open trip."""
    on_trips = TransportRequest.workers.through.objects.filter(
        transportrequest__status__in=TransportRequest.OPEN_STATUSES
    ).values("worker_id")
    return (
        Worker.objects.filter(enterprise=enterprise, arrived_on__isnull=True)
        .exclude(pk__in=on_trips)
        .select_related("origin")
        .order_by("origin_id", "name", "pk")
    )


_CODE = re.compile(r"\s*(\d{6})\b")


def division_from_text(text: str) -> Division | None:
    """The division a person typed: a 6-digit code (optionally followed by its name, as the suggestions
    fill it in), an exact full name, or a name that only one division bears."""
    text = (text or "").strip()
    if not text:
        return None
    match = _CODE.match(text)
    if match:
        return Division.objects.filter(code=match.group(1)).first()
    found = Division.objects.filter(full_name=text).first()
    if found:
        return found
    named = list(Division.objects.filter(name=text)[:2])
    return named[0] if len(named) == 1 else None
