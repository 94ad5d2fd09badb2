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

from autograder.sandbox.isolation import LEVELS, Level, available_levels, best_level, resolve_level, sandbox_description
from autograder.sandbox.limits import SandboxLimits
from autograder.sandbox.session import StudentSession

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
