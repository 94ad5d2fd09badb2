"""Grade the 20 submissions one after another with a per-submission command.

usage: run_batch.py MODE WORKDIR OUTJSON [WALL_LIMIT_S]
  MODE = otter   : `otter run --no-logo -a autograder.zip -o out/<s> submissions/<s>.ipynb`
  MODE = pytest  : `pytest -q -p no:cacheprovider --junitxml=... ` in pytest_all/<s>/

Each submission gets an external wall-clock watchdog (WALL_LIMIT_S, default 10): on expiry the
command and all of its descendants (e.g. an orphaned Jupyter kernel) are SIGKILLed by PID.
Writes per-submission wall time, exit code, timed_out flag and the parsed score to OUTJSON.
"""
import json
import os
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from assignment import TESTS, batch  # noqa: E402

SUBMISSIONS = batch()
from procutil import kill_tree  # noqa: E402

MODE, WORK, OUTJSON = sys.argv[1], sys.argv[2], sys.argv[3]
LIMIT = float(sys.argv[4]) if len(sys.argv) > 4 else 10.0
BIN = os.path.dirname(sys.executable)


def cmd_for(s):
    if MODE == "otter":
        out = os.path.join(WORK, "out", s)
        os.makedirs(out, exist_ok=True)
        res = os.path.join(out, "results.json")
        if os.path.exists(res):
            os.remove(res)
        return [os.path.join(BIN, "otter"), "run", "--no-logo", "-a",
                os.path.join(WORK, "autograder.zip"), "-o", out,
                os.path.join(WORK, "submissions", s + ".ipynb")], WORK
    if MODE == "pytest":
        d = os.path.join(WORK, s)
        return [os.path.join(BIN, "pytest"), "-q", "-p", "no:cacheprovider",
                "--junitxml=" + os.path.join(d, "junit.xml")], d
    raise SystemExit("bad mode")


def score_for(s):
    try:
        if MODE == "otter":
            with open(os.path.join(WORK, "out", s, "results.json")) as f:
                d = json.load(f)
            return sum(t.get("score") or 0 for t in d["tests"] if "score" in t)
        with open(os.path.join(WORK, s, "junit.xml")) as f:
            root = ET.parse(f).getroot()
        n_ok = 0
        for tc in root.iter("testcase"):
            if not any(ch.tag in ("failure", "error", "skipped") for ch in tc):
                n_ok += 1
        return n_ok
    except (OSError, ValueError, KeyError, ET.ParseError):
        return None  # no result produced at all


rows = []
t_all = time.perf_counter()
for s in SUBMISSIONS:
    cmd, cwd = cmd_for(s)
    if MODE == "pytest":
        j = os.path.join(cwd, "junit.xml")
        if os.path.exists(j):
            os.remove(j)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    # watchdog thread + blocking wait (Popen.wait(timeout=) polls with up to 50 ms sleeps,
    # which would quantize every measurement)
    state = {"timed_out": False, "killed": []}

    def _expire(pid=p.pid, proc=p):
        if proc.returncode is not None:  # already reaped: never signal a recycled PID
            return
        state["timed_out"] = True
        state["killed"] = kill_tree(pid)

    wd = threading.Timer(LIMIT, _expire)
    wd.start()
    rc = p.wait()
    dt = time.perf_counter() - t0
    wd.cancel()
    wd.join()
    timed_out, killed = state["timed_out"], state["killed"]
    rows.append({"submission": s, "wall_s": round(dt, 3), "rc": rc, "timed_out": timed_out,
                 "killed_descendants": len(killed), "score": score_for(s),
                 "max_score": len(TESTS)})
total = time.perf_counter() - t_all
with open(OUTJSON, "w") as f:
    json.dump({"mode": MODE, "limit_s": LIMIT, "total_s": round(total, 3), "rows": rows}, f,
              indent=1)
