"""The reviewed list of equivalent mutants (``audit/equivalent.yaml``).

Some mutants compute exactly what the reference computes (``z >= 0`` ->
``z > 0`` where both branches agree at 0). No test can kill them, so they
must not count against the kill rate, but nobody should be able to hide a
real gap by calling it "equivalent" without saying why: every entry names a
mutant by its stable id and gives a reason, and the audit shows them as
"equivalent (reviewed)". An entry whose mutant no longer exists is reported
as stale; one whose mutant is killed after all is reported as wrong.

Format::

    equivalent:
      - id: activations.sigmoid:compare:e0615040d8
        reason: at z == 0 both branches of np.where give 1/2
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from autograder.errors import ConfigError

__all__ = ["ID_PATTERN", "Equivalent", "load_equivalents"]

ID_PATTERN = re.compile(r"^[A-Za-z_][\w]*\.[\w<>]+:[a-z_]+:[0-9a-f]{10}$")


@dataclass(frozen=True)
class Equivalent:
    id: str
    reason: str


def load_equivalents(path: Path | None) -> dict[str, Equivalent]:
    """The reviewed equivalents by mutant id; an empty dict when ``path`` is None or does not exist."""
    if path is None or not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or set(data) - {"equivalent"}:
        raise ConfigError(f"{path}: expected one top-level key 'equivalent:' holding a list of {{id, reason}}")
    entries = data.get("equivalent") or []
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'equivalent' must be a list of {{id, reason}} entries")
    found: dict[str, Equivalent] = {}
    for i, entry in enumerate(entries, 1):
        where = f"{path}: entry {i}"
        if not isinstance(entry, dict) or set(entry) - {"id", "reason"}:
            raise ConfigError(f"{where}: each entry has exactly the keys 'id' and 'reason'")
        mutant_id, reason = str(entry.get("id") or ""), str(entry.get("reason") or "").strip()
        if not ID_PATTERN.match(mutant_id):
            raise ConfigError(
                f"{where}: {mutant_id!r} is not a mutant id (module.function:operator:hash); "
                "copy it from `autograder audit --list`"
            )
        if not reason:
            raise ConfigError(f"{where} ({mutant_id}): give the reason this mutant cannot be told apart")
        if mutant_id in found:
            raise ConfigError(f"{where}: {mutant_id} is listed twice")
        found[mutant_id] = Equivalent(mutant_id, reason)
    return found
