#!/usr/bin/env python3
"""Classroom 50 autograder for one assignment, made by `autograder bundle --classroom50`.

Classroom 50's runner runs this file with the student's checkout as working
directory, with CLASSROOM, ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL, RELEASE_URL,
REVIEW_URL, USERNAME/OWNER, ASSIGNMENT_TYPE, CLASSROOM50_BUNDLE_DIR and GITHUB_*
set. Beside it (the bundle folder) are the grader's wheel, requirements.txt and
course/ (course.yaml, the reference solutions, the hidden tests). Anyone who
finds the Pages site can read these files: they cannot be changed by students,
but they are not secret.

What it does, standard library only (Python 3.10 to 3.14):

1. removes any result.json or release-body.md the student committed;
2. installs the grader from the bundled wheel into a private folder
   (pip --no-index: offline), and pip-installs the requirements that are not
   installed yet (numpy, pytest, ...: from the package index);
3. grades the checkout in a separate process (python -m autograder.platforms.classroom50),
   which writes release-body.md, the status= and summary= lines of
   $GITHUB_OUTPUT, and ./result.json last, via a temporary file and a rename;
   Before that, on Ubuntu 23.10 and later (ubuntu-latest), it lifts AppArmor's
   restriction on user namespaces with sudo, so the namespace sandbox can start;
4. if that process dies or runs out of time, writes a result with score 0 and
   an entry saying so (status error), so a result is never missing.

Exit status: 0 when result.json was written (whatever the score); 2 when the
grader could not run at all (broken bundle, failed install, broken course):
Classroom 50 then records no score and the teacher fixes the bundle and regrades.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_TIMEOUT = 12 * 60  # seconds; the runner's grade job has 15 minutes in all
OWN_FILES = ("result.json", "release-body.md")


def say(message: str) -> None:
    print(f"autograder.py: {message}", file=sys.stderr, flush=True)


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def missing_requirements(file: Path) -> list[str]:
    """Lines of requirements.txt whose distribution is not installed at all (versions are pip's business)."""
    if not file.is_file():
        return []
    missing = []
    for line in file.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
        if not name:
            continue
        try:
            importlib.metadata.version(name.group(0))
        except importlib.metadata.PackageNotFoundError:
            missing.append(line)
    return missing


def pip(*args: str) -> bool:
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args]
    done = subprocess.run(cmd, check=False)
    if done.returncode != 0:
        say(f"failed: {' '.join(cmd)} (exit {done.returncode})")
    return done.returncode == 0


def allow_user_namespaces() -> None:
    """Let bubblewrap make its sandbox on Ubuntu 23.10 and later (GitHub's ubuntu-latest).

    There AppArmor forbids unprivileged user namespaces unless a profile names the binary,
    and the bubblewrap that pip installs is not the one Ubuntu's profile names: bwrap then
    fails with "setting up uid map: Permission denied" and nothing is graded. The runner's
    user has password-less sudo, so lift the restriction for this (throw-away) machine.
    """
    knob = Path("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")
    try:
        if os.geteuid() == 0 or knob.read_text().strip() != "1" or shutil.which("sudo") is None:
            return
    except OSError:
        return
    done = subprocess.run(["sudo", "-n", "sysctl", "-w", "kernel.apparmor_restrict_unprivileged_userns=0"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        say("AppArmor restricts user namespaces here and sudo could not lift it "
            f"({done.stderr.strip() or done.returncode}); the sandbox may not start")


def main() -> int:
    bundle = Path(os.environ.get("CLASSROOM50_BUNDLE_DIR") or Path(__file__).resolve().parent).resolve()
    checkout = Path.cwd()
    for name in OWN_FILES:
        remove(checkout / name)  # a committed result.json is never taken for ours
    wheels = sorted(bundle.glob("neurons_autograder-*.whl"))
    course = bundle / "course" / "course.yaml"
    if len(wheels) != 1 or not course.is_file():
        say(f"{bundle} must hold one neurons_autograder-*.whl and course/course.yaml; rebuild it with "
            "`autograder bundle --classroom50 CLASSROOM_DIR` and publish it again")
        return 2
    temp = os.environ.get("RUNNER_TEMP") or None
    if temp:
        Path(temp).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="autograder-", dir=temp))
    site = work / "site"
    if not pip("--no-deps", "--no-index", "--target", str(site), str(wheels[0])):
        return 2
    missing = missing_requirements(bundle / "requirements.txt")
    if missing and not pip(*missing):
        say("the grader's requirements could not be installed; nothing was graded")
        return 2
    allow_user_namespaces()
    env = dict(os.environ, PYTHONPATH=str(site), MPLBACKEND="Agg")
    grader = [sys.executable, "-m", "autograder.platforms.classroom50", "--course", str(course),
              "--submission", str(checkout), "--out", str(checkout / "result.json"),
              "--release-body", str(checkout / "release-body.md")]  # fmt: skip
    timeout = float(os.environ.get("AUTOGRADER_TIMEOUT") or DEFAULT_TIMEOUT)
    try:
        done = subprocess.run(grader, env=env, cwd=work, timeout=timeout, check=False)
        code = done.returncode
        why = f"the grader stopped unexpectedly (exit {code})"
    except subprocess.TimeoutExpired:
        code = None
        why = f"grading took longer than {timeout:g} seconds"
    if code in (0, 2):
        return code  # 0: result.json written; 2: the course or sandbox is broken (said on stderr)
    say(why)
    message = (f"Your submission could not be graded: {why}. Your teacher can read the details in this "
               "run's log; push again once it is fixed, or ask them.")  # fmt: skip
    remove(checkout / "result.json")
    done = subprocess.run([*grader, "--error", message], env=env, cwd=work, timeout=300, check=False)
    return 0 if done.returncode == 0 else 2


if __name__ == "__main__":
    sys.exit(main())
