"""What the public page of a pass may be used for besides the verdict: naming the pass in a holder's report."""

from datetime import date

from django.utils import timezone

from passes import signing
from passes.models import ReturnPass


def valid_pass_for_token(token: str, *, today: date | None = None) -> ReturnPass | None:
    """The pass a QR link's token names, when the token is signed by a known key and the pass is valid today
    (issued, not suspended or revoked, within its dates); None otherwise. Logs no check: nobody is at a gate."""
    try:
        number = str(signing.verify(token)["n"])
    except (signing.InvalidPassToken, KeyError, TypeError, ValueError):
        return None
    today = today or timezone.localdate()
    return (
        ReturnPass.objects.select_related("enterprise")
        .filter(number=number, status=ReturnPass.Status.VALID, valid_from__lte=today, valid_until__gte=today)
        .first()
    )
