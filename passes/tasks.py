"""Celery tasks of the passes app: thin, idempotent, each calls one service."""

from celery import shared_task

from passes import checklog, flow_rollup, revocations, tallies
from passes.services import health, pass_links, return_passes, risk_areas, roster


@shared_task(ignore_result=True)
def send_pass_links(pass_ids: list[int]) -> int:
    """After passes are issued: text each worker the link to their own pass (a second run sends none)."""
    return pass_links.pass_links_send_issued(pass_ids=pass_ids)


@shared_task(ignore_result=True)
def flush_pass_checks() -> int:
    """Move the queued checkpoint checks into PassCheck; a doubled or overlapping run stores each once."""
    return checklog.flush()


@shared_task(ignore_result=True)
def purge_pass_checks() -> int:
    """Nightly: delete the checks kept past their retention (a second run finds none)."""
    return checklog.purge()


@shared_task(ignore_result=True)
def roll_up_entrance_flow(full: bool = False) -> int:
    """Every few minutes (the recent quarter-hours) and nightly (`full`, the whole week): re-count the checks per
    entrance and quarter-hour from the log, for the peak-hour figures (idempotent)."""
    return flow_rollup.flow_rollup(full=full)


@shared_task(ignore_result=True)
def rebuild_revocations() -> int | None:
    """Rebuild the Redis copy of the revocation set from the database (repairs a missed update)."""
    return revocations.rebuild()


@shared_task(ignore_result=True)
def expire_return_passes() -> int:
    """Daily after midnight: passes whose last valid day is over become expired (a second run finds none)."""
    return return_passes.return_passes_expire()


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def apply_risk_list(risk_list_id: int) -> int | None:
    """Queued when a risk list is published (for its effective day when that is later): suspend the
    passes it makes ineligible, reinstate those it alone kept suspended; returns how many changed. Does
    nothing before the list is in force, or once a later one is."""
    sweep = risk_areas.risk_area_list_apply(risk_list_id=risk_list_id)
    return None if sweep is None else sweep.suspended + sweep.reinstated


@shared_task(ignore_result=True)
def apply_due_risk_lists() -> int | None:
    """Daily after midnight: apply the risk list that comes into force today, in case its scheduled run
    was lost (a second run that day changes nothing more)."""
    sweep = risk_areas.risk_area_lists_apply_due()
    return None if sweep is None else sweep.suspended + sweep.reinstated


@shared_task(ignore_result=True)
def purge_roster_uploads() -> int:
    """Nightly: delete roster uploads (full ID numbers) and annotated copies kept past their retention."""
    return roster.roster_uploads_purge()


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_roster_import(roster_import_id: int) -> str:
    """Import a stored roster upload; an import already DONE or FAILED is not run again."""
    return roster.roster_import_run(roster_import_id=roster_import_id).status


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_health_import(health_import_id: int) -> str:
    """Import a stored health-sheet upload; an import already DONE or FAILED is not run again."""
    return health.health_import_run(health_import_id=health_import_id).status


@shared_task(ignore_result=True)
def rebuild_pass_tallies() -> int:
    """Nightly: recount the dashboards' pass counts per district and status from the passes (the services keep
    them during the day; this repairs anything written past them)."""
    return tallies.pass_tallies_rebuild()
