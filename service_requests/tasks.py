"""Thin beat tasks: each calls one idempotent service."""

from celery import shared_task

from service_requests import lookback, services


@shared_task
def escalate_overdue_requests() -> int:
    return services.service_requests_escalate_overdue()


@shared_task
def close_unconfirmed_requests() -> int:
    return services.service_requests_close_unconfirmed()


@shared_task
def draw_look_backs() -> int:
    return lookback.look_back_draw_last_week().pk
