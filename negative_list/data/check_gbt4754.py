#!/usr/bin/env python3
"""Sanity checks for gbt4754_2017.csv (GB/T 4754-2017 国民经济行业分类).

Stdlib only. Run from the project root:

    python3 negative_list/data/check_gbt4754.py

Exits non-zero (AssertionError) on the first failed check, otherwise prints
the number of rows per level.
"""
import csv
import re
import string
import sys
from collections import Counter
from pathlib import Path

CSV_PATH = Path(__file__).resolve().parent / "gbt4754_2017.csv"

LEVELS = ("section", "division", "group", "class")
PARENT_LEVEL = {"division": "section", "group": "division", "class": "group"}
CODE_SHAPE = {
    "section": re.compile(r"^[A-T]$"),
    "division": re.compile(r"^\d{2}$"),
    "group": re.compile(r"^\d{3}$"),
    "class": re.compile(r"^\d{4}$"),
}
EXPECTED_SECTIONS = list(string.ascii_uppercase[: string.ascii_uppercase.index("T") + 1])


def load(path=CSV_PATH):
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "CSV must be UTF-8 without BOM"
    text = raw.decode("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert rows, "CSV is empty"
    assert list(rows[0].keys()) == ["code", "name", "level", "parent"], (
        "unexpected header: %r" % list(rows[0].keys())
    )
    return rows


def check(rows):
    # unique codes
    codes = [r["code"] for r in rows]
    dupes = sorted(c for c, n in Counter(codes).items() if n > 1)
    assert not dupes, "duplicate codes: %s" % dupes

    by_code = {}
    for i, r in enumerate(rows, start=2):  # line numbers (header is line 1)
        code, name, level, parent = r["code"], r["name"], r["level"], r["parent"]
        where = "line %d (%s)" % (i, code)
        assert level in LEVELS, "%s: bad level %r" % (where, level)
        assert CODE_SHAPE[level].match(code), "%s: code shape wrong for %s" % (where, level)
        assert name and name == name.strip(), "%s: empty name or stray whitespace" % where
        assert "," not in code and "\n" not in name, "%s: bad characters" % where
        if level == "section":
            assert parent == "", "%s: section must have empty parent" % where
        else:
            assert parent in by_code, "%s: parent %r missing or listed after child" % (where, parent)
            p = by_code[parent]
            assert p["level"] == PARENT_LEVEL[level], (
                "%s: parent %s is %s, expected %s" % (where, parent, p["level"], PARENT_LEVEL[level])
            )
            if level in ("group", "class"):
                assert code.startswith(parent), "%s: code does not start with parent %s" % (where, parent)
        by_code[code] = r

    # sections A..T, in order
    sections = [r["code"] for r in rows if r["level"] == "section"]
    assert sections == EXPECTED_SECTIONS, "sections must be A..T in order, got %s" % sections

    # exactly 97 divisions 01..97, in order
    divisions = [r["code"] for r in rows if r["level"] == "division"]
    assert len(divisions) == 97, "expected 97 divisions, got %d" % len(divisions)
    assert divisions == ["%02d" % n for n in range(1, 98)], "divisions must be 01..97 in order"

    # rows ordered as in the standard: codes of each level ascend within their parent,
    # and every child directly follows its parent's subtree (depth-first order).
    last_child = {}
    for r in rows:
        if r["level"] == "section":
            continue
        prev = last_child.get(r["parent"])
        assert prev is None or prev < r["code"], "order: %s after %s" % (r["code"], prev)
        last_child[r["parent"]] = r["code"]
    stack = []
    for r in rows:
        depth = LEVELS.index(r["level"])
        del stack[depth:]
        if depth:
            assert stack and stack[-1] == r["parent"], "order: %s not under its parent %s" % (
                r["code"], r["parent"])
        stack.append(r["code"])

    # a group without subdivision is listed with one class <group>0 of the same name
    children = {}
    for r in rows:
        if r["level"] == "class":
            children.setdefault(r["parent"], []).append(r)
    for r in rows:
        if r["level"] != "group":
            continue
        kids = children.get(r["code"], [])
        if kids and any(k["code"].endswith("0") for k in kids):
            assert len(kids) == 1 and kids[0]["code"] == r["code"] + "0", (
                "group %s: class ending in 0 must be the only class" % r["code"])
            assert kids[0]["name"] == r["name"], (
                "group %s: single class %s should carry the group name" % (r["code"], kids[0]["code"]))

    return Counter(r["level"] for r in rows)


def main():
    rows = load()
    counts = check(rows)
    for level in LEVELS:
        print("%-9s %5d" % (level, counts.get(level, 0)))
    print("%-9s %5d" % ("total", len(rows)))

    # informational only: divisions listed without any group/class rows
    has_children = {r["parent"] for r in rows if r["level"] == "group"}
    bare = [r["code"] for r in rows if r["level"] == "division" and r["code"] not in has_children]
    print("divisions without groups/classes: %s" % (", ".join(bare) if bare else "none"))
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
