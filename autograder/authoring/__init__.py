"""For course authors: exercises from solutions (``build``), the student repository
(``release``) and the grader's wheel (``wheel``).
"""
