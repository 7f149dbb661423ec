"""The closed-network install (issue 20, item 5): requirements.lock pins exactly what requirements.txt asks for,
with hashes for every package, so `make wheelhouse` and `make install-offline` install what the tests ran."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return pins


def test_the_lock_pins_every_requirement_at_the_same_version():
    wanted, locked = _pins(ROOT / "requirements.txt"), _pins(ROOT / "requirements.lock")
    assert wanted and {name: locked.get(name) for name in wanted} == wanted, "run `make lock`"


def test_every_locked_package_carries_a_hash():
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 6)[-1])
    packages = [entry for entry in entries if PIN.match(entry)]
    assert len(packages) == len(_pins(ROOT / "requirements.lock"))
    assert all("--hash=sha256:" in entry for entry in packages)
