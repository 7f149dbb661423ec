"""An enterprise's roster (员工花名册) as the filings read it, without filings importing passes.

The domain apps are independent of each other (the import contracts), so the app that keeps the roster
(passes) registers its reader here when it starts, and a filing attaches the roster through it.
A row is a dict with the keys of the filing's roster columns: name, id_number (masked), mobile, job,
origin, arrived_on, address.
"""

from collections.abc import Callable, Iterator

from django.core.exceptions import ImproperlyConfigured

RosterRows = Callable[[object], Iterator[dict]]

_reader: RosterRows | None = None


def register_roster_reader(reader: RosterRows) -> RosterRows:
    global _reader
    _reader = reader
    return reader


def roster_rows(enterprise) -> Iterator[dict]:
    """The enterprise's workers, one dict each, in the order the roster lists them."""
    if _reader is None:
        raise ImproperlyConfigured("No roster reader is registered: the passes app registers it in its ready().")
    return _reader(enterprise)
