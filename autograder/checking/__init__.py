"""What a student's ``autograder check`` (or a notebook's ``check()``) runs and prints.

``check`` (the entry points), ``session`` (public tests in-process), ``model`` (what a check
found), ``format`` (terminal, text and HTML), ``public_course`` (the released course's settings).
"""
