"""Grading services: Gradescope's ``run_autograder`` and zip (``gradescope``), Classroom 50's
``autograder.py`` bundle and result (``classroom50``).
"""
