"""What a calibration records, per hidden test: the inputs hypothesis drew, the calls into the
reference and their answers' fingerprints, and the reference's memoised answers.

Plain data, with no pytest or hypothesis: the calibration artefact (``autograder.grading.calibration``)
reads and writes it, and a class run's parent checks the artefact without loading the grading
machinery. The replay plugin that fills and uses it is ``autograder.grading.replay``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autograder.sandbox.scripts import Script

__all__ = ["ExampleBook", "MAX_EXAMPLES_PER_TEST"]

MAX_EXAMPLES_PER_TEST = 10_000


@dataclass
class _Recording:
    kwargs: list[dict[str, Any]] = field(default_factory=list)
    valid: list[bool] = field(default_factory=list)
    replayable: bool = True
    calls: int = 0  # calls into the submission the recorded examples made


@dataclass
class ExampleBook:
    """Recorded inputs per hidden test (keyed by node id without the submission), for one suite."""

    suite_hash: str
    tests: dict[str, _Recording] = field(default_factory=dict)
    # How the reference did when it was recorded: {"reference_score", "max_score", "not_passed"}
    reference: dict[str, Any] | None = None
    # The calls each test made into the reference and their answers' fingerprints, for sending a
    # test's calls together (``autograder.sandbox.scripts``); any test, with hypothesis or without.
    scripts: dict[str, Script] = field(default_factory=dict)
    # The reference's memoised answers (``ReferenceModules.memo``): a process that starts from them
    # runs the reference only for inputs no calibration saw.
    memo: dict[str, dict[bytes, tuple[bytes, list[int], bytes]]] = field(default_factory=dict)
    replayed: int = 0  # tests that passed by replay
    fallbacks: int = 0  # tests whose replay stopped and ran under hypothesis
    verified: int = 0  # tests that passed because every answer was the reference's (verify_script)

    def examples(self, key: str) -> _Recording | None:
        rec = self.tests.get(key)
        return rec if rec is not None and rec.replayable else None
