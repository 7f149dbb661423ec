"""Counts kept as the events happen: the cells of a summary table that services add to, in increments.

A cell is a row of a model with a unique constraint over its key fields and integer count fields (defaulting to
0). Adding with UPDATE ... SET n = n + d, and inserting a cell the first time through insert_or_lock, lets two
transactions add to one cell at once without losing either; the cells are visited in key order, so that two
transactions never wait for each other's cells in opposite orders.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import F

from core.db import insert_or_lock


def cells_add(model: type[models.Model], key_fields: tuple[str, ...], changes: Iterable[tuple[tuple, dict]]) -> None:
    """Add each change ({count field: amount}) to the cell its key (values of `key_fields`) names."""
    cells: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, change in changes:
        for name, value in change.items():
            cells[key][name] += value
    for key in sorted(cells):
        increments: dict[str, Any] = {name: F(name) + value for name, value in cells[key].items() if value}
        if not increments:
            continue
        lookup = dict(zip(key_fields, key, strict=True))
        if not model._default_manager.filter(**lookup).update(**increments):
            insert_or_lock(model(**lookup), **lookup)
            model._default_manager.filter(**lookup).update(**increments)
