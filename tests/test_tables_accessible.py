"""Every table says what it holds and which way its headers point (issue 18, item 6): a screen reader announces a
table by its caption and reads each cell with its column (or row) header. Checked on the template sources, so a
new table cannot slip in without them; the browser tests run axe-core on the rendered pages as well."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
TABLE = re.compile(r"<table\b[^>]*>(?P<head>.*?)<(?:thead|tbody|tr)\b", re.S)
HEADER_CELL = re.compile(r"<th(?=[\s>])[^>]*>")


def _templates():
    return sorted(TEMPLATES.rglob("*.html"))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def test_every_table_has_a_caption():
    missing = [
        f"{path.relative_to(TEMPLATES)}:{_line(text, m.start())}"
        for path in _templates()
        for text in [path.read_text(encoding="utf-8")]
        for m in TABLE.finditer(text)
        if "<caption" not in m.group("head")
    ]
    assert missing == [], "tables without a <caption> (class visually-hidden when a heading already says it)"


def test_every_header_cell_has_a_scope():
    missing = [
        f"{path.relative_to(TEMPLATES)}:{_line(text, m.start())}"
        for path in _templates()
        for text in [path.read_text(encoding="utf-8")]
        for m in HEADER_CELL.finditer(text)
        if not re.search(r'\bscope="(col|row|colgroup|rowgroup)"', m.group(0))
    ]
    assert missing == [], 'header cells without scope="col" or scope="row"'


def test_the_checks_find_what_they_look_for():
    # The patterns must see the project's tables, or the two tests above would pass on nothing.
    texts = [path.read_text(encoding="utf-8") for path in _templates()]
    assert sum(len(TABLE.findall(text)) for text in texts) >= 50
    assert sum(len(HEADER_CELL.findall(text)) for text in texts) >= 250
