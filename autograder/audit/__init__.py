"""``autograder audit``: test the hidden tests before the students do.

- ``mutate`` / ``operators``: single-change mutants of the reference solutions (inside the
  solution regions only), each with a stable id and a unified diff.
- ``run``: grades mutants (per exercise, short time limits), the catalogued correct variants
  (false fails) and the reference under several hypothesis seeds (flaky tests).
- ``grading``: the fast, exact grading underneath (scoped tests, replay, stop at first failure).
- ``results`` / ``report``: what was found, the gates, and the terminal and Markdown reports.
- ``equivalents``: the reviewed list of equivalent mutants (``audit/equivalent.yaml``).
- ``variants``: the catalogue of correct variants (``tests/catalogue``).
"""

from autograder.audit.mutate import Mutant, MutationSet, generate_mutants
from autograder.audit.operators import OPERATOR_NAMES
from autograder.audit.report import format_markdown, format_text
from autograder.audit.results import AuditResult, Gate
from autograder.audit.run import AuditOptions, plan_mutants, run_audit, sample_mutants

__all__ = [
    "OPERATOR_NAMES",
    "AuditOptions",
    "AuditResult",
    "Gate",
    "Mutant",
    "MutationSet",
    "format_markdown",
    "format_text",
    "generate_mutants",
    "plan_mutants",
    "run_audit",
    "sample_mutants",
]
