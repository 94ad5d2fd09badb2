"""Grading: one pytest session turns hidden tests into reports.

``grade`` (the session and the public ``grade``/``grade_many``), ``plugin`` (fixtures, hooks, points),
``outcomes`` (status, message, hint), ``reference`` (the solutions, memoised), ``replay`` and
``calibration`` (hypothesis's recorded inputs), ``_hypothesis`` (the grading profile and the
hypothesis internals the grader relies on).
"""
