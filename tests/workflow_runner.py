"""Run the shell steps of a GitHub Actions job or a GitLab CI job locally, as the runner would.

Enough of the runners' behaviour for the project's own templates, no more:

- GitHub: each ``run:`` step is a ``bash --noprofile --norc -eo pipefail`` script; ``env:`` of
  the job and the step is evaluated (``${{ a.b || 'literal' }}`` expressions over the contexts
  given); ``$GITHUB_ENV`` lines become environment variables of later steps and
  ``$GITHUB_OUTPUT`` lines become ``steps.<id>.outputs``. ``uses:`` steps are recorded and
  skipped (checkout, setup-python, upload-artifact need GitHub).
- GitLab: ``variables:``, then ``before_script`` and ``script`` lines in one ``bash -e`` shell.

External tools the templates call (``sudo``, ``apt-get``, ``pip``) are replaced by recording
shims on PATH, so the steps run offline; ``autograder`` runs this checkout's code.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["EXPRESSION", "JobRun", "StepRun", "evaluate", "make_shims", "run_github_job", "run_gitlab_job"]

ROOT = Path(__file__).resolve().parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class StepRun:
    name: str
    skipped: bool
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    uses: str = ""
    with_: dict[str, str] = field(default_factory=dict)


@dataclass
class JobRun:
    steps: list[StepRun]
    outputs: dict[str, dict[str, str]]

    def step(self, name: str) -> StepRun:
        return next(s for s in self.steps if s.name == name)


def _lookup(path: str, contexts: dict[str, Any]) -> Any:
    value: Any = contexts
    for part in path.split("."):
        if not isinstance(value, dict):
            return ""
        value = value.get(part, "")
    return value


def evaluate(text: str, contexts: dict[str, Any]) -> str:
    """Substitute every ``${{ ... }}`` in ``text``: dotted context paths, 'literals', joined by ``||``."""

    def one(match: re.Match[str]) -> str:
        for operand in match.group(1).split("||"):
            operand = operand.strip()
            if re.fullmatch(r"'[^']*'", operand):
                value: Any = operand[1:-1]
            elif re.fullmatch(r"[A-Za-z_][\w-]*(\.[\w-]+)*", operand):
                value = _lookup(operand, contexts)
            else:
                raise ValueError(f"expression not supported by the local runner: {match.group(0)}")
            if value:
                return str(value)
        return ""

    return EXPRESSION.sub(one, text)


def make_shims(bin_dir: Path, log: Path) -> dict[str, str]:
    """PATH shims: ``autograder`` runs this checkout; ``sudo``/``apt-get``/``pip`` only record their arguments."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    scripts = {
        "autograder": f'#!/bin/sh\nexec "{py}" -c "import sys; sys.path.insert(0, {str(ROOT)!r}); '
        'from autograder.cli import main; sys.exit(main())" "$@"\n',
        "python": f'#!/bin/sh\nif [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "pip $*" >> "{log}"; exit 0; fi\n'
        f'exec "{py}" "$@"\n',
        "sudo": f'#!/bin/sh\necho "sudo $*" >> "{log}"\nexit 0\n',
        "apt-get": f'#!/bin/sh\necho "apt-get $*" >> "{log}"\nexit 0\n',
    }
    scripts["python3"] = scripts["python"]
    for name, text in scripts.items():
        f = bin_dir / name
        f.write_text(text, encoding="utf-8")
        f.chmod(f.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(ROOT)}


def _base_env(extra: dict[str, str]) -> dict[str, str]:
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(extra)
    return env


def _read_kv(file: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if file.is_file():
        for line in file.read_text(encoding="utf-8").splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
        file.write_text("", encoding="utf-8")
    return out


def run_github_job(
    workflow: dict[str, Any],
    job: str,
    *,
    workspace: Path,
    runner_temp: Path,
    env: dict[str, str],
    contexts: dict[str, Any],
    timeout: float = 300,
) -> JobRun:
    spec = workflow["jobs"][job]
    runner_temp.mkdir(parents=True, exist_ok=True)
    files = {name: runner_temp / f"_{name.lower()}" for name in ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")}
    for f in files.values():
        f.write_text("", encoding="utf-8")
    ctx = {"steps": {}, "runner": {"temp": str(runner_temp)}, **contexts}
    ctx.setdefault("github", {}).setdefault("workspace", str(workspace))
    job_env = {k: evaluate(str(v), ctx) for k, v in (spec.get("env") or {}).items()}
    exported: dict[str, str] = {}
    runs: list[StepRun] = []
    outputs: dict[str, dict[str, str]] = {}
    for i, step in enumerate(spec["steps"]):
        name = step.get("name") or step.get("uses") or f"step {i}"
        if "uses" in step:
            with_ = {k: evaluate(str(v), ctx) for k, v in (step.get("with") or {}).items()}
            runs.append(StepRun(name, skipped=True, uses=step["uses"], with_=with_))
            continue
        step_env = {k: evaluate(str(v), ctx) for k, v in (step.get("env") or {}).items()}
        full = _base_env({**env, **job_env, **exported, **step_env,
                          "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(runner_temp), "CI": "true",
                          "GITHUB_ACTIONS": "true", **{k: str(v) for k, v in files.items()}})  # fmt: skip
        script = runner_temp / f"_step_{i}.sh"
        script.write_text(step["run"], encoding="utf-8")
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=full, capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip
        runs.append(StepRun(name, skipped=False, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr))
        exported.update(_read_kv(files["GITHUB_ENV"]))
        step_outputs = _read_kv(files["GITHUB_OUTPUT"])
        if "id" in step:
            outputs[step["id"]] = step_outputs
            ctx["steps"][step["id"]] = {"outputs": step_outputs}
        if proc.returncode != 0:
            break  # later steps run only with if: always(); the jobs here stop at the first failure
    return JobRun(runs, outputs)


def run_gitlab_job(
    pipeline: dict[str, Any],
    job: str,
    *,
    project_dir: Path,
    env: dict[str, str],
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    spec = pipeline[job]
    variables = {k: str(v) for k, v in (pipeline.get("variables") or {}).items()}
    variables.update({k: str(v) for k, v in (spec.get("variables") or {}).items()})
    variables.update(env)  # CI/CD variables set in the project override the file's
    lines = [*spec.get("before_script", []), *spec["script"]]
    script = "set -e\n" + "\n".join(lines) + "\n"
    full = _base_env({**variables, "CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": str(project_dir)})
    return subprocess.run(["bash", "--noprofile", "--norc", "-c", script], cwd=project_dir, env=full,
                          capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip
