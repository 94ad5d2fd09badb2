"""Progress lines of a class run (autograder.classes.progress): a bar on a terminal, plain lines in a log."""

from __future__ import annotations

import io

from autograder.classes.progress import Progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    p = Progress(3, out)
    p.update("alice 4/4")
    p.update("bob 2/4")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in out.getvalue()
    assert lines[0].startswith("autograder: 1/3 graded") and "/min" in lines[0] and "ETA" in lines[0]
    assert lines[1].endswith("bob 2/4")


def test_one_rewritten_line_with_a_bar_on_a_terminal():
    out = _Tty()
    p = Progress(2, out)
    p.update("alice 4/4")
    assert out.getvalue().startswith("\r[############............] 1/2 graded")
    p.update("bob 2/4")
    assert out.getvalue().endswith("\n") and "2/2 graded" in out.getvalue()


def test_eta_is_zero_when_done_and_unknown_before_the_first():
    out = io.StringIO()
    p = Progress(1, out)
    assert "ETA ?" in p.line()
    p.update()
    assert "ETA 0:00" in out.getvalue()
