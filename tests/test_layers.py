"""Issue 13: the layering contracts in pyproject.toml hold, and a module that breaks one makes the check fail."""

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(*contracts: str) -> subprocess.CompletedProcess:
    options = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run([LINT_IMPORTS, "--no-cache", *options], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_layering_contracts_hold():
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("package", "line", "contract"),
    [
        ("core", "import filings.models", "layers"),
        ("accounts", "from passes import models", "layers"),
        ("reference", "from accounts import models", "layers"),
        ("negative_list", "import filings.services", "domains"),
        ("passes", "from workforce import models", "domains"),
        ("filings", "from kunshan_resume import settings", "settings"),
    ],
)
def test_an_import_against_the_layering_breaks_the_check(package, line, contract):
    probe = ROOT / package / f"_layer_probe_{uuid.uuid4().hex}.py"
    probe.write_text(line + "\n", encoding="utf-8")
    try:
        result = _lint_imports(contract)
    finally:
        probe.unlink()
    assert result.returncode != 0 and "1 broken" in result.stdout, result.stdout
    assert probe.stem in result.stdout
