"""Load a page in headless Chromium and report what a browser saw: console errors, requests, a screenshot.

A tiny DevTools-protocol client over ``--remote-debugging-pipe`` (Chromium
reads commands on fd 3 and writes replies on fd 4, NUL-separated JSON), so
no websocket library and no open port are needed. Used by the HTML report
tests and to regenerate the README screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["PageVisit", "find_chromium", "visit"]

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
    "--hide-scrollbars", "--remote-debugging-pipe",
)  # fmt: skip


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageVisit:
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    title: str = ""


class _Pipe:
    def __init__(self, proc: subprocess.Popen[bytes], write_fd: int, read_fd: int, deadline: float) -> None:
        self.proc, self.write_fd, self.read_fd, self.deadline = proc, write_fd, read_fd, deadline
        self.buffer = b""
        self.events: list[dict[str, Any]] = []
        self.next_id = 0

    def _read_message(self, timeout: float) -> dict[str, Any] | None:
        end = min(self.deadline, time.monotonic() + timeout)
        while b"\0" not in self.buffer:
            left = end - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.write_fd, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read_message(self.deadline - time.monotonic())
            if reply is None:
                raise TimeoutError(f"no reply to {method}")
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float) -> bool:
        if any(e.get("method") == method for e in self.events):
            return True
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            msg = self._read_message(end - time.monotonic())
            if msg is None:
                return False
            self.events.append(msg)
            if msg.get("method") == method:
                return True
        return False

    def drain(self, quiet: float) -> None:
        while (msg := self._read_message(quiet)) is not None:
            self.events.append(msg)


def visit(url: str, *, binary: str | None = None, width: int = 1100, height: int = 900, full_page: bool = True,
          timeout: float = 60.0) -> PageVisit:  # fmt: skip
    """Open ``url`` in a fresh headless Chromium profile; collect console errors, requests and a PNG."""
    binary = binary or find_chromium()
    if binary is None:
        raise FileNotFoundError("chromium is not installed")
    profile = tempfile.mkdtemp(prefix="ag-chromium-")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def child_fds() -> None:  # runs in the child: put the pipe ends on fds 3 and 4
        a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
        os.dup2(a, 3)
        os.dup2(b, 4)

    proc = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=child_fds, close_fds=False,
    )  # fmt: skip
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    pipe = _Pipe(proc, to_chrome_w, from_chrome_r, time.monotonic() + timeout)
    result = PageVisit()
    try:
        target = pipe.call("Target.createTarget", url="about:blank")["targetId"]
        session = pipe.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            pipe.call(f"{domain}.enable", session)
        pipe.call("Emulation.setDeviceMetricsOverride", session, width=width, height=height, deviceScaleFactor=1,
                  mobile=False)  # fmt: skip
        pipe.call("Page.navigate", session, url=url)
        if not pipe.wait_for("Page.loadEventFired", timeout):
            raise TimeoutError(f"{url} did not finish loading")
        pipe.drain(0.5)
        result.title = pipe.call("Runtime.evaluate", session, expression="document.title")["result"].get("value", "")
        shot: dict[str, Any] = {"format": "png"}
        if full_page:
            size = pipe.call("Page.getLayoutMetrics", session)["cssContentSize"]
            shot.update(captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": width, "height": min(size["height"], 16000), "scale": 1})  # fmt: skip
        result.screenshot = base64.b64decode(pipe.call("Page.captureScreenshot", session, **shot)["data"])
        pipe.drain(0.2)
        for e in pipe.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                result.console_errors.append(
                    " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
                )
            elif method == "Runtime.exceptionThrown":
                result.console_errors.append(p.get("exceptionDetails", {}).get("text", "exception"))
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                result.console_errors.append(p["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                result.requests.append(p.get("request", {}).get("url", "")[:200])
        try:
            pipe.call("Browser.close")
        except (RuntimeError, TimeoutError):
            pass
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(to_chrome_w)
        os.close(from_chrome_r)
        shutil.rmtree(profile, ignore_errors=True)
    return result


if __name__ == "__main__":  # python tests/chromium.py page.html shot.png
    import sys

    seen = visit(Path(sys.argv[1]).resolve().as_uri())
    Path(sys.argv[2]).write_bytes(seen.screenshot)
    print(json.dumps({"console_errors": seen.console_errors, "requests": seen.requests, "title": seen.title}, indent=2))
