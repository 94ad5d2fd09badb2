"""Issue 12: a submission that prints and raises terminal escapes, CI workflow commands, Markdown links and HTML.

One process-level grading run of a tiny course through the command line
(``autograder grade`` with every format, then ``autograder report``), and
every output is checked: no escape byte or carriage return in any text, no
line a CI runner would act on (``::command``, ``##[...]``), no link, image
or raw HTML rendered from the Markdown, no unescaped ``<script>`` in HTML.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograder.sanitize import log_safe, md_code, md_fence, md_text, plain
from tests.test_batch import make_course

HOSTILE = ("\x1b[2K\r\x1b[1A\x1b]0;owned\x07\x9b2JTotal 100/100\n##[error]fake error\n::add-mask::secret\n"
           "  ::set-output name=x::1\n##vso[task.complete result=Succeeded]\nPoints 100/100\r\n"
           "![x](http://evil/x.png) [click](javascript:alert(1)) <script>alert(1)</script> `tick` | pipe "
           "www.evil.com")  # fmt: skip

SUBMISSION = f"""\
HOSTILE = {HOSTILE!r}
print(HOSTILE)


def double(x):
    print(HOSTILE)
    raise ValueError(HOSTILE)


def half(x):
    return HOSTILE
"""

CI_LINE = re.compile(r"^\s*(::|##)", re.MULTILINE)


def clean_text(text: str, where: str) -> None:
    """No terminal control and no line a CI runner would act on."""
    assert "\x1b" not in text and "\x9b" not in text and "\r" not in text, where
    assert not CI_LINE.search(text), f"{where}: {CI_LINE.search(text).group(0)!r}"  # type: ignore[union-attr]
    assert not re.search(r"##(vso)?\[", text), where


def rendered(markdown: str) -> str:
    """The Markdown as HTML the way GitHub treats it (raw HTML passes through, bare URLs link)."""
    mistune = pytest.importorskip("mistune")
    return mistune.create_markdown(escape=False, plugins=["table", "url", "strikethrough"])(markdown)


def clean_markdown(markdown: str, where: str) -> None:
    assert "\x1b" not in markdown and "\r" not in markdown, where
    html = rendered(markdown)
    assert "<a " not in html and "<img" not in html and "<script" not in html, where
    assert not re.search(r"^\s*(::|##\[)", markdown, re.MULTILINE), where


def clean_html(page: str, where: str) -> None:
    assert "\x1b" not in page and "\x9b" not in page, where
    assert "<script" not in page and "javascript:alert" not in page.replace("[click](javascript:alert", ""), where
    assert "&lt;script&gt;" in page, where


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    course = make_course(base / "course")
    sub = base / "submissions" / "##[error]student ::x"
    sub.mkdir(parents=True)
    (sub / "mini.py").write_text(SUBMISSION)
    out = base / "out"
    out.mkdir()
    env = {**os.environ, "GITHUB_OUTPUT": str(out / "github_output"), "COLUMNS": "80"}
    cli = [sys.executable, "-m", "autograder.cli"]
    grade = subprocess.run(
        [*cli, "grade", str(sub), "--course", str(course), "--isolation", "process", "--trusted-code", "--show-hidden",
         "--json", str(out / "results" / "student.json"), "--html", str(out / "report.html"),
         "--markdown", str(out / "report.md"), "--junit", str(out / "junit.xml"),
         "--gradescope", str(out / "results.json"), "--classroom"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert grade.returncode == 0, grade.stderr
    report = subprocess.run([*cli, "report", str(out / "results"), "--course", str(course)],
                            capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert report.returncode == 0, report.stderr
    return out, grade.stdout + grade.stderr + report.stdout + report.stderr


def test_the_attack_reached_the_report(graded):
    out, _ = graded
    data = json.loads((out / "results" / "student.json").read_text())
    messages = [t["message"] for e in data["exercises"] for t in e["tests"]]
    assert any("\x1b[2K" in m for m in messages) and "##[error]fake" in data["output"]  # the raw record keeps it


def test_terminal_and_log_output_is_clean(graded):
    out, printed = graded
    clean_text(printed, "terminal")
    assert "Total 100/100" in printed  # shown as text, on a line of its own: it cannot rewrite the real total
    result = (out / "github_output").read_text().split("result=")[1].split("\n")[0]
    for t in json.loads(base64.b64decode(result))["tests"]:
        clean_text(t["message"], f"classroom {t['name']}")


def test_junit_is_clean_and_keeps_whole_messages(graded):
    out, _ = graded
    root = ET.parse(out / "junit.xml").getroot()
    problems = root.findall(".//failure") + root.findall(".//error")
    assert problems
    for el in problems:
        clean_text(el.get("message", ""), "junit message")
        clean_text(el.text or "", "junit text")
        assert "\n" not in el.get("message", "")


def test_markdown_reports_render_no_link_image_or_html(graded):
    out, _ = graded
    clean_markdown((out / "report.md").read_text(), "report.md")
    clean_markdown((out / "results" / "summary.md").read_text(), "summary.md")
    gradescope = json.loads((out / "results.json").read_text())
    for text in [gradescope["output"], *(t["output"] for t in gradescope["tests"])]:
        clean_markdown(text, "gradescope")


def test_html_reports_escape_everything(graded):
    out, _ = graded
    clean_html((out / "report.html").read_text(), "report.html")
    clean_html((out / "results" / "summary.html").read_text(), "summary.html")


@pytest.mark.parametrize("text", [HOSTILE, "a\x1bPpayload\x1b\\b", "\u202eevil\u2066", "x\x00y\x7f\x85z"])
def test_the_sanitizers_on_their_own(text):
    clean_text(log_safe(text), "log_safe")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", plain(text))
    for md in (md_text(text), md_code(text, in_table=True), md_fence(text)):
        clean_markdown(md, "md")
    assert md_code("a`b", in_table=True) == "``a`b``" and md_code("x | y", in_table=True) == "`x \\| y`"
    assert rendered(md_text("*not* _em_ # [x](y) 1. <b>")).strip() == "<p>*not* _em_ # [x](y) 1. &lt;b&gt;</p>"
