"""The untrusted side: where student code runs, and the only way to reach it.

- ``wire``: the data-only frame format (no pickle, bounded sizes).
- ``_worker``: the process that imports the submission (copied, stand-alone).
- ``worker``: starting, talking to and killing one worker process.
- ``isolation``: the levels (process < user < namespace) and bubblewrap.
- ``limits``: rlimits and timeouts.
- ``session``: the ``student`` object hidden tests call; ``proxies`` its attribute access,
  ``failures`` what the student's code raised, as messages, and the call graph of hung functions.
- ``zygote`` / ``_zygote``: warm sandboxes that fork workers; ``affinity``: one core per worker and caller.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autograder.sandbox.isolation import (
        LEVELS,
        Level,
        available_levels,
        best_level,
        resolve_level,
        sandbox_description,
    )
    from autograder.sandbox.limits import SandboxLimits
    from autograder.sandbox.session import StudentSession

# Imported on first use (PEP 562): reading course.yaml needs the levels and the limits, not numpy and
# the session.
_HOMES = {
    "LEVELS": "isolation",
    "Level": "isolation",
    "available_levels": "isolation",
    "best_level": "isolation",
    "resolve_level": "isolation",
    "sandbox_description": "isolation",
    "SandboxLimits": "limits",
    "StudentSession": "session",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "LEVELS",
    "Level",
    "SandboxLimits",
    "StudentSession",
    "available_levels",
    "best_level",
    "resolve_level",
    "sandbox_description",
]
