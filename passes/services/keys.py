"""Key rotation for the personal data at rest: every stored ID number re-encrypted under the newest key.

Rotating ID-number keys (README, "Keys"): put the new key first in ID_NUMBER_ENCRYPTION_KEYS, keep the old ones
after it, restart, run `manage.py rotate_id_number_keys`, then drop the old keys. Each batch is one short
transaction, so the roster stays writable while it runs; a row already under the newest key is skipped, so a run
that was interrupted resumes where it stopped, and a second run writes nothing.
"""

from collections.abc import Iterator

from django.db import transaction

from passes.models import Worker
from passes.personal_data import id_number_rotate


def id_number_keys_rotate(*, batch_size: int = 1000, after_pk: int = 0) -> Iterator[tuple[int, int]]:
    """Rotate batch by batch in primary-key order; yields (last primary key done, rows re-encrypted)."""
    last = after_pk
    while True:
        with transaction.atomic():
            batch = list(
                Worker.objects.select_for_update()
                .filter(pk__gt=last)
                .order_by("pk")
                .only("pk", "id_number_encrypted")[:batch_size]
            )
            if not batch:
                return
            changed = []
            for worker in batch:
                token = id_number_rotate(worker.id_number_encrypted)
                if token is not None:
                    worker.id_number_encrypted = token
                    changed.append(worker)
            Worker.objects.bulk_update(changed, ["id_number_encrypted"])
        last = batch[-1].pk
        yield last, len(changed)
