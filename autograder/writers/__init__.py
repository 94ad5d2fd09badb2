"""Output formats. Each module reads a ``GradeReport`` and writes one format.

=================  =========================================================
``canonical``      the JSON report (``docs/schema/report.schema.json``)
``gradescope``     Gradescope ``results.json``
``classroom50``    Classroom 50 ``result.json`` (``classroom50/result/v1``)
``classroom``      legacy GitHub Classroom (retired): ``Points X/Y`` and the runner result
``junit``          JUnit XML for any CI
``markdown``       a CI job summary / feedback file
``html``           a self-contained HTML report with plots
=================  =========================================================

The model knows nothing about formats. Who may see which test is decided in
one place, ``_visibility``; every student-facing writer takes a ``View``.
The class-level outputs (gradebook CSV, class summary) are in
``autograder.classes.classreport``.
"""

from autograder.writers._visibility import View, Withheld, split

__all__ = ["View", "Withheld", "split"]
