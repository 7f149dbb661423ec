"""Counts kept as the events happen: the cells of a summary table that services add to, in increments.

A cell is a row of a model with a unique constraint over its key fields and integer count fields (defaulting to
0). `cells_add` writes a whole batch of changes as one INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n
(PostgreSQL and SQLite alike; the ORM has no increment on conflict): two transactions adding to one cell at once
both count, a new cell needs no look-up first, and the rows go in key order, so that two transactions never wait
for each other's cells in opposite orders.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, models

BATCH = 500  # cells per statement: well within SQLite's limit on parameters


def cells_add(model: type[models.Model], key_fields: tuple[str, ...], changes: Iterable[tuple[tuple, dict]]) -> None:
    """Add each change ({count field: amount}) to the cell its key (values of `key_fields`) names."""
    cells: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, change in changes:
        for name, value in change.items():
            cells[key][name] += value
    rows = [(key, cells[key]) for key in sorted(cells) if any(cells[key].values())]
    if not rows:
        return
    meta = model._meta
    keys = [_field(model, name) for name in key_fields]
    counts = [_field(model, name) for name in sorted({name for _key, change in rows for name in change})]
    table = connection.ops.quote_name(meta.db_table)
    columns = [connection.ops.quote_name(field.column) for field in (*keys, *counts)]
    conflict = ", ".join(columns[: len(keys)])
    increments = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns[len(keys) :])
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            params = []
            for key, change in batch:
                params += [field.get_db_prep_value(value, connection) for field, value in zip(keys, key, strict=True)]
                params += [change.get(field.name, 0) for field in counts]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([placeholders] * len(batch))} "  # noqa: S608 - names are ours, values parameters
                f"ON CONFLICT ({conflict}) DO UPDATE SET {increments}",
                params,
            )


def _field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field
