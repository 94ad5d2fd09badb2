"""The self-contained HTML report: no network, escaped text, plots, visibility; rendered in headless Chromium.

Regenerate the README screenshot (docs/img/report.png) with
``AUTOGRADER_UPDATE_SCREENSHOT=1 python -m pytest tests/test_writers_html.py -k chromium``.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

import pytest

from autograder.writers import View
from autograder.writers.html import html_report, write_html
from autograder.writers.html import page as html_page
from tests.chromium import find_chromium, visit
from tests.report_samples import ROOT, graded, sample_mistakes, synthetic_report

PNG = b"\x89PNG\r\n\x1a\n"
SCREENSHOT = ROOT / "docs" / "img" / "report.png"


@pytest.fixture(scope="module")
def reports():
    return graded()


@pytest.fixture(scope="module")
def pages():
    """The synthetic report rendered once per view (plots are the slow part)."""
    report = synthetic_report()
    return {"everything": html_report(report, View.everything()), "student": html_report(report, View()),
            "after_due": html_report(report, View(after_due=True))}  # fmt: skip


def data_images(page: str) -> list[str]:
    return re.findall(r'<img src="(data:image/png;base64,[A-Za-z0-9+/=]+)"', page)


def test_the_page_is_self_contained(pages):
    page = pages["everything"]
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page, re.IGNORECASE)
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_every_plot_and_every_wrong_cat_image_is_inline(pages):
    page = pages["everything"]
    images = data_images(page)
    assert len(images) == 6 + 4  # six plots, four misclassified test images
    assert "Test-set accuracy of your classifier: <strong>68%</strong> (reference: 72%)" in page


def test_student_text_is_escaped(pages):
    page = pages["everything"]
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page


def test_student_view_withholds_hidden_tests(pages):
    page = pages["student"]
    for secret in ("SECRET-HIDDEN-MESSAGE", "test_secret_edge_case", "AFTER-DUE-MESSAGE", "PUBLISHED-MESSAGE",
                   "test_hidden_passed"):  # fmt: skip
        assert secret not in page
    assert "1 hidden test: 0/2 points" in page
    assert "AFTER-DUE-MESSAGE" in pages["after_due"] and "SECRET-HIDDEN-MESSAGE" not in pages["after_due"]


def test_an_exercise_the_student_may_not_see_gets_no_plots():
    report = synthetic_report()
    hidden = tuple(replace(e, tests=tuple(replace(t, visibility="hidden") for t in e.tests)) if e.id == "xor" else e
                   for e in report.exercises)  # fmt: skip
    only_xor = {"xor": report.artifacts["xor"]}
    report = replace(report, exercises=hidden, artifacts=only_xor)
    assert len(data_images(html_report(report, View()))) == 0
    assert len(data_images(html_report(report, View.everything()))) == 2


def test_missing_or_malformed_artifacts_render_without_plots():
    bare = replace(synthetic_report(), artifacts={})
    assert data_images(html_report(bare)) == []
    odd = replace(synthetic_report(), artifacts={"activations": {"curves": "not a dict"}, "xor": [1, 2],
                                                 "cat": {"wrong": [{"png_base64": "\"><script>x</script>"}, 7]}})  # fmt: skip
    page = html_report(odd)
    assert data_images(page) == [] and "<script>x" not in page


def test_real_reports_render(reports):
    for label, report in reports.items():
        page = html_report(report)
        assert f"{report.score:g} / {report.max_score:g} points" in page
        for t in report.tests:
            assert (f'<code>{t.name}</code> <span class="muted">{t.score:g}/' in page) == (not t.passed), (
                label,
                t.name,
            )


@pytest.mark.skipif(
    find_chromium() is None, reason="chromium is not installed (apt-get install chromium; .ci/run does)"
)
def test_chromium_loads_the_reports_without_console_errors_or_requests(tmp_path, reports, pages):
    mistake = sample_mistakes()[0].id
    (tmp_path / "synthetic.html").write_text(pages["everything"], encoding="utf-8")
    files = {"real": write_html(reports[mistake], tmp_path / "real.html"), "synthetic": tmp_path / "synthetic.html"}
    for name, path in files.items():
        seen = visit(path.as_uri(), full_page=True)
        assert seen.console_errors == [], (name, seen.console_errors)
        outside = [u for u in seen.requests if not u.startswith(("data:", path.as_uri()))]
        assert outside == [], (name, outside)
        assert seen.title.startswith(reports[mistake].submission if name == "real" else "synthetic")
        shot = tmp_path / f"{name}.png"
        shot.write_bytes(seen.screenshot)
        assert seen.screenshot.startswith(PNG) and len(seen.screenshot) > 20_000
        width, height = int.from_bytes(seen.screenshot[16:20], "big"), int.from_bytes(seen.screenshot[20:24], "big")
        assert width == 1100 and height > 600
    if os.environ.get("AUTOGRADER_UPDATE_SCREENSHOT"):  # the README's picture: the top of the real report
        top = visit(files["real"].as_uri(), width=1100, height=1500, full_page=False)
        assert top.console_errors == [] and top.screenshot.startswith(PNG)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        SCREENSHOT.write_bytes(top.screenshot)


def test_a_page_with_a_console_error_is_caught(tmp_path):
    """The Chromium check can fail: a page that breaks its own CSP is reported."""
    if find_chromium() is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does)")
    page = html_page("bad", '<p>an external image</p><img src="https://example.invalid/x.png">')
    path = tmp_path / "bad.html"
    path.write_text(page, encoding="utf-8")
    seen = visit(path.as_uri(), full_page=False)
    assert any("Content Security Policy" in e or "example.invalid" in e for e in seen.console_errors), (
        seen.console_errors
    )
