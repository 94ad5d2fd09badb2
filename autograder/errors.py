"""The exceptions the autograder raises.

Two families, kept apart on purpose:

- ``AutograderError``: grading itself could not run (a broken course.yaml,
  a submission folder that does not exist, an isolation level that is not
  available). Messages name the file, the key and the fix. The CLI turns
  these into a non-zero exit status.
- ``StudentCodeError``: the student's code misbehaved while being graded
  (raised, hung, crashed, returned something that is not data). These are
  outcomes, not failures of the grader: the plugin turns each into a test
  status and a message for the student.
"""

from __future__ import annotations

__all__ = [
    "AutograderError",
    "ConfigError",
    "SubmissionError",
    "IsolationError",
    "SuiteError",
    "StudentCodeError",
    "StudentRaised",
    "StudentTimeout",
    "StudentCrashed",
    "StudentImportError",
    "StudentMissing",
    "StudentBadValue",
    "StudentStop",
]


class AutograderError(Exception):
    """Grading could not run. The message says what to fix."""


class ConfigError(AutograderError):
    """course.yaml is missing, unreadable or invalid."""


class SubmissionError(AutograderError):
    """A submission cannot be read at all (missing folder, unreadable notebook)."""


class IsolationError(AutograderError):
    """The isolation level that course.yaml demands is not available here."""


class SuiteError(AutograderError):
    """The hidden tests themselves are broken (a test file does not import)."""


class StudentCodeError(Exception):
    """The student's code misbehaved; ``status`` is the test outcome it causes."""

    status = "error"
    hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint


class StudentRaised(StudentCodeError):
    """The student's function raised an exception (the exception's type is kept by name only)."""

    def __init__(self, message: str, *, exc_type: str, where: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.exc_type = exc_type
        self.where = where


class StudentTimeout(StudentCodeError):
    status = "timeout"
    hint = "Look for a loop that never ends, or work that grows much faster than the input."


class StudentCrashed(StudentCodeError):
    status = "crashed"
    hint = "Do not exit the process or use unbounded memory; return a value instead."


class StudentImportError(StudentCodeError):
    hint = "Run your module on its own (python yourmodule.py) and fix the first error it shows."


class StudentMissing(StudentCodeError):
    hint = "Keep the function names and signatures of the exercise stub."


class StudentBadValue(StudentCodeError):
    status = "failed"
    hint = "Return numbers, lists, tuples, dicts or numeric numpy arrays."


class StudentStop(BaseException):
    """Carries a StudentCodeError that no other input can change (a stub, a broken import, a timeout).

    It derives from ``BaseException`` so that hypothesis does not catch it and
    spend time shrinking an input that cannot matter; the plugin unwraps it.
    """

    def __init__(self, error: StudentCodeError) -> None:
        super().__init__(error.message)
        self.error = error
