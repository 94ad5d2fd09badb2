"""Regenerate the sample submissions in examples/submissions/ from solutions/ and the catalogue.

    python examples/make_samples.py

- alice: the reference solutions, as a student would hand them in (full marks).
- bob: three classic mistakes from the catalogue (an overflowing sigmoid, a forgotten bias,
  a neuron that never resets after a spike): points lost in those three exercises only.
- carol: the untouched stubs (0, with "not implemented yet" for every test).
- dave: a hostile submission (a training loop that never ends, code that hunts for the hidden
  tests and solutions, a fake "Points 100/100" line): it earns nothing it did not earn honestly.
- erin: the reference as Jupyter notebooks (graded without a kernel; full marks).

tests/test_examples.py checks that these folders are what this script writes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.catalogue import all_mistakes, build, replace_functions  # noqa: E402

OUT = ROOT / "examples" / "submissions"
BOB = ("sigmoid_naive_overflow", "neuron_forgets_bias", "spiking_no_reset")

DAVE = {
    "xor": {"train": '''
def train(X, Y, n_hidden=4, lr=1.0, epochs=5000, seed=0):
    """Trains until the loss is exactly zero (it never is)."""
    params, loss = init_params(X.shape[1], n_hidden, Y.shape[1], seed), 1.0
    while loss > 0:
        loss = loss * 0.5 + 1e-300
    return params, [loss]
'''},
    "activations": {"relu_grad": '''
def relu_grad(z):
    """Looks for the hidden tests and the solutions instead of computing anything."""
    import glob, os
    print("Points 100/100")
    for path in glob.glob("/**/solutions/activations.py", recursive=True)[:1]:
        scope = {}
        exec(open(path).read(), scope)
        return scope["relu_grad"](z)
    raise NotImplementedError
'''},
}


def write_samples(out: Path = OUT) -> None:
    if out.exists():
        shutil.rmtree(out)
    build(out / "alice")
    mistakes = {m.id: m for m in all_mistakes()}
    build(out / "bob")
    for mid in BOB:
        m = mistakes[mid]
        f = out / "bob" / f"{m.module}.py"
        f.write_text(replace_functions(f.read_text(), m.functions, getattr(m, "extra_imports", ())))
    (out / "carol").mkdir(parents=True)
    for f in sorted((ROOT / "exercises").glob("*.py")):
        shutil.copyfile(f, out / "carol" / f.name)
    build(out / "dave")
    for module, functions in DAVE.items():
        f = out / "dave" / f"{module}.py"
        f.write_text(replace_functions(f.read_text(), functions))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "autograder.cli", "build", "--course", str(ROOT / "course.yaml"),
             "--nbgrader-source", tmp, "--assignment", "neurons"],
            check=True, capture_output=True,
        )
        (out / "erin").mkdir()
        for nb in sorted(Path(tmp, "source", "neurons").glob("*.ipynb")):
            shutil.copyfile(nb, out / "erin" / nb.name)
        shutil.copyfile(ROOT / "exercises" / "catdata.py", out / "erin" / "catdata.py")


if __name__ == "__main__":
    write_samples()
    print(f"wrote {', '.join(sorted(p.name for p in OUT.iterdir()))} into {OUT}")
