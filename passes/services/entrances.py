"""Entrances (出入口): district staff add and close the gates of their communities; a guard picks one for the
shift and every check records it.

The check path asks which entrances of a community are open on every scan, so the answer is cached (Redis in
production) and dropped when an entrance opens or closes.
"""

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from core.db import insert_or_lock
from passes.models import Entrance
from reference.models import Community

OPEN_CACHE_SECONDS = 300

MSG_NAME_REQUIRED = _("请填写出入口名称。")
MSG_EXISTS = _("“%(name)s”已是该社区的出入口。")
MSG_NOT_YOURS = _("只能管理本属地社区的出入口。")
MSG_CHOOSE_ENTRANCE = _("请先选择本班次值守的出入口。")
MSG_ENTRANCE_REFUSED = _("所选出入口不属于本社区或已关闭, 请重新选择出入口。")


class EntranceRefused(Exception):
    """The entrance a check names is not an open entrance of the guard's community (or none was named)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _cache_key(community_id: int) -> str:
    return f"passes:entrances:open:{community_id}"


def open_entrance_ids(community_id: int) -> frozenset[int]:
    ids = cache.get(_cache_key(community_id))
    if ids is None:
        ids = list(
            Entrance.objects.filter(community_id=community_id, is_open=True).order_by().values_list("pk", flat=True)
        )
        cache.set(_cache_key(community_id), ids, OPEN_CACHE_SECONDS)
    return frozenset(ids)


def _forget_on_commit(community_id: int) -> None:
    transaction.on_commit(lambda: cache.delete(_cache_key(community_id)))


def entrance_for_check(*, user: User, raw: str | None) -> int | None:
    """The entrance id a check records, from what the guard's device sent. Checkpoint staff of a community with
    open entrances must name one of them; anyone else (district staff checking, a passer-by) records none and
    may not name one. Raises EntranceRefused, so that a check is never logged at a gate it did not happen at."""
    raw = (raw or "").strip()
    community_id = getattr(user, "community_id", None) if user.is_authenticated else None
    if community_id is None or user.role != Role.CHECKPOINT_STAFF:
        if raw:
            raise EntranceRefused(MSG_ENTRANCE_REFUSED)
        return None
    open_ids = open_entrance_ids(community_id)
    if not raw:
        if open_ids:
            raise EntranceRefused(MSG_CHOOSE_ENTRANCE)
        return None
    try:
        entrance_id = int(raw)
    except ValueError:
        raise EntranceRefused(MSG_ENTRANCE_REFUSED) from None
    if entrance_id not in open_ids:
        raise EntranceRefused(MSG_ENTRANCE_REFUSED)
    return entrance_id


def _require_manager(user: User, community: Community) -> None:
    if not (user.role == Role.DISTRICT_STAFF and user.district_id == community.district_id):
        raise PermissionDenied(MSG_NOT_YOURS)


@transaction.atomic
def entrance_add(*, community: Community, name: str, added_by: User) -> tuple[Entrance, bool]:
    """A new open entrance; (the entrance, True), or the existing one of that name and False (a double submit)."""
    _require_manager(added_by, community)
    name = " ".join(name.split())
    if not name:
        raise ValidationError(MSG_NAME_REQUIRED, code="required")
    entrance, created = insert_or_lock(
        Entrance(community=community, name=name[:40], created_by=added_by), community=community, name=name[:40]
    )
    if created:
        _forget_on_commit(community.pk)
    return entrance, created


@transaction.atomic
def entrance_set_open(*, entrance: Entrance, is_open: bool, changed_by: User) -> Entrance:
    """Close an entrance (guards who chose it are asked to choose again) or open it again."""
    entrance = Entrance.objects.select_related("community").select_for_update(of=("self",)).get(pk=entrance.pk)
    _require_manager(changed_by, entrance.community)
    if entrance.is_open != is_open:
        entrance.is_open = is_open
        entrance.closed_at = None if is_open else timezone.now()
        entrance.save(update_fields=["is_open", "closed_at"])
        _forget_on_commit(entrance.community_id)
    return entrance
