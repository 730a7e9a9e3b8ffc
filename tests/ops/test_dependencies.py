"""Every dependency is locked with its hashes, and the runtime lock agrees with the dev lock."""

import re
import tomllib

from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = settings.BASE_DIR
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+)")


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text()
    pins = {canonicalize_name(m[1]): m[2] for m in map(PIN.match, text.splitlines()) if m}
    # Every pinned package carries at least one hash (pip refuses the file otherwise).
    assert text.count("==") == len(pins) and text.count("--hash=sha256:") >= len(pins)
    return pins


def _declared(extra: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {canonicalize_name(Requirement(line).name) for line in lines}


def test_every_declared_dependency_is_locked_in_its_file():
    base, dev = _pins("base.txt"), _pins("dev.txt")
    assert _declared() <= base.keys()
    assert _declared() | _declared("dev") <= dev.keys()


def test_the_runtime_lock_uses_the_same_versions_as_the_dev_lock():
    base, dev = _pins("base.txt"), _pins("dev.txt")
    assert {name: dev.get(name) for name in base} == base


def test_locked_versions_satisfy_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev = _pins("dev.txt")
    for line in project["dependencies"] + project["optional-dependencies"]["dev"]:
        requirement = Requirement(line)
        assert requirement.specifier.contains(dev[canonicalize_name(requirement.name)]), line
