"""Notebooks: reading submissions (``read``), building them from solutions (``build``), and
nbgrader course folders and gradebook (``nbgrader_course``, ``nbgrader_gradebook``).
"""
