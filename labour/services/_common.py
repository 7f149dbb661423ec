"""What the labour services share: moving a row along its transition table with an event, and notices."""

from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.services import notify
from labour.models import HR_BUREAU_CODE, LabourEvent

MSG_ILLEGAL = _("当前状态“%(status)s”不能%(action)s。")


class _StatusRow(Protocol):
    """A row with a status field that has choices (a need, a drive, a pairing)."""

    status: str

    def get_status_display(self) -> str: ...


def move(
    obj: _StatusRow,
    subject: str,
    transitions: dict,
    labels: dict,
    action: str,
    actor: User | None,
    comment: str | Promise = "",
) -> LabourEvent:
    """Move a locked row along its table and log it; the caller saves the fields it changed."""
    sources, target = transitions[action]
    if obj.status not in sources:
        raise ValidationError(
            MSG_ILLEGAL % {"status": obj.get_status_display(), "action": labels[action]}, code="illegal"
        )
    event = LabourEvent.objects.create(
        **{subject: obj}, actor=actor, from_status=obj.status, to_status=target, comment=str(comment)
    )
    obj.status = target
    return event


def hr_bureau_users():
    return User.objects.filter(is_active=True, role=Role.AUTHORITY_STAFF, industry_authority__code=HR_BUREAU_CODE)


def enterprise_users(enterprise_id: int):
    return User.objects.filter(is_active=True, role=Role.ENTERPRISE, enterprise_id=enterprise_id)


def district_staff(district_id: int):
    return User.objects.filter(is_active=True, role=Role.DISTRICT_STAFF, district_id=district_id)


def tell(users, title, *, url: str, body: str = "") -> None:
    notify(users=users, title=str(title)[:200], body=str(body), url=url, email=True)
