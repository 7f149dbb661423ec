"""Creating a row that a unique constraint guards, when the same form may arrive twice at once.

`select_for_update` on a row that does not exist yet locks nothing: two transactions that both find
no row both INSERT, the constraint lets one through, and the other used to end in an IntegrityError
(a 500 for a double-clicked submit). `insert_or_lock` inserts in a savepoint instead and, when a
concurrent transaction won, answers with the row it stored, locked like any row found at once. It is
QuerySet.get_or_create's pattern for an instance the caller has already built and validated.
"""

from typing import TypeVar

from django.db import IntegrityError, models, transaction

M = TypeVar("M", bound=models.Model)


def insert_or_lock(instance: M, **unique) -> tuple[M, bool]:
    """`instance` inserted (True), or the stored row that the `unique` lookup names (False), locked for the rest
    of the caller's transaction. An IntegrityError that leaves no such row (another constraint) is raised."""
    rows = type(instance)._default_manager.select_for_update().filter(**unique)
    stored = rows.first()
    if stored is not None:
        return stored, False
    try:
        with transaction.atomic():
            instance.save(force_insert=True)
    except IntegrityError:
        # The other transaction has committed by now (PostgreSQL made our INSERT wait for it), so a new
        # statement sees its row.
        stored = rows.first()
        if stored is None:
            raise
        return stored, False
    return instance, True
