"""Student-controlled text made harmless for the place it is shown: a terminal, a CI log, Markdown, HTML.

Much of a report comes from the student: what their code printed, the
message of an exception it raised, a value it returned, file and folder
names. Each medium has its own traps:

``plain(text)``
    terminals and plain text: no escape sequences (CSI, OSC, DCS...), no
    C0/C1 control characters except newline and tab, no bidirectional
    overrides, and a carriage return becomes a newline, so nothing can move
    the cursor, erase a line or rewrite the total printed above it.
``log_safe(text)``
    anything printed where a CI runner parses the log: ``plain``, then every
    line a runner would act on gets a visible ``| `` in front (GitHub
    Actions' ``::command::``, Azure's ``##[...]`` and ``##vso[...]``, a
    legacy ``Points X/Y``); ``##vso[`` inside a line is split too.
``md_text(text)``
    Markdown prose: Markdown punctuation is backslash-escaped and ``<``, ``>``,
    ``&`` are entities, so no link, image, emphasis, HTML or heading renders;
    ``://`` and ``www.`` are broken so no bare URL becomes a link; one line.
``md_code(text, in_table=False)``
    a code span that the text cannot close (backtick runs are outgrown),
    on one line; in a table ``|`` is escaped so no cell breaks out.
``md_fence(text)``
    a fenced code block the text cannot close.

HTML: ``html.escape(plain(text))`` (``writers.html._e``).
"""

from __future__ import annotations

import re

__all__ = ["log_safe", "md_code", "md_fence", "md_text", "one_line", "plain"]

# ESC [ ... final (CSI); ESC ] ... BEL or ST (OSC); ESC P/X/^/_ ... ST (DCS, SOS, PM, APC); any other ESC x.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x9c)?"
)
# C0 except \t and \n, DEL, C1, bidirectional embeddings/overrides/isolates, line/paragraph separators.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# A line a CI runner acts on: "::cmd", "##[group]", "##vso[task...]", a legacy "Points X/Y" (after spaces).
_LOG_TRAP = re.compile(r"^([^\S\n]*)(::|##|points\b)", re.IGNORECASE | re.MULTILINE)
_VSO = re.compile(r"##(?=vso\[|\[)", re.IGNORECASE)


def plain(text: str) -> str:
    """``text`` with no terminal control: escape sequences and control characters removed, CR as newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def log_safe(text: str) -> str:
    """``plain(text)`` with every line a CI runner would act on defused by a visible ``| `` in front."""
    return _VSO.sub("#\u200b#", _LOG_TRAP.sub(r"\1| \2", plain(text)))


def one_line(text: str, limit: int = 0) -> str:
    """``plain(text)`` on one line: runs of whitespace (newlines too) become one space; cut at ``limit``."""
    line = " ".join(plain(text).split())
    return line if not limit or len(line) <= limit else line[: limit - 3] + "..."


def md_text(text: str) -> str:
    """Markdown prose that renders as exactly this text, on one line: no link, image, HTML or formatting."""
    text = _escape_punctuation(one_line(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"(?i)\b(www)\.", r"\1\\.", text)  # no bare URL becomes a link (GFM autolinks)
    return re.sub(r"(\w):(?=//)", r"\1\\:", text)


def _escape_punctuation(text: str) -> str:
    """Backslash before the punctuation Markdown may act on (only where it could act: keeps prose readable)."""
    text = re.sub(r"([\\`*\[\]!|~#]|(?<!\w)_|_(?!\w))", r"\\\1", text)  # snake_case stays as it is
    text = re.sub(r"^([-+=])", r"\\\1", text)  # no list item or setext underline
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)  # no numbered list item


def md_code(text: str, *, in_table: bool = False) -> str:
    """An inline code span holding ``text`` on one line; ``in_table``: safe in a GFM table cell too."""
    text = one_line(text)
    if not text:
        return ""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ")) else ""
    if in_table:
        text = text.replace("|", "\\|")
    return f"{ticks}{pad}{text}{pad}{ticks}"


def md_fence(text: str, info: str = "text") -> str:
    """A fenced code block that ``text`` cannot close early, whatever backticks it holds; ``log_safe`` inside,
    since a Markdown file is often printed to a CI log too."""
    text = log_safe(text).rstrip()
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"
