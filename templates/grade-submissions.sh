#!/usr/bin/env bash
# Grade a folder of submissions (one sub-folder per student) with the hidden tests:
# used by the instructor's grading workflows; runs on a laptop too.
#
#   bash templates/grade-submissions.sh SUBMISSIONS OUT
#
# OUT receives one JSON report per student, the gradebook (gradebook.csv) and a Markdown
# summary (summary.md). Run it in the course repository (it finds course.yaml there).
set -euo pipefail

subs=${1:?usage: grade-submissions.sh SUBMISSIONS OUT}
out=${2:?usage: grade-submissions.sh SUBMISSIONS OUT}
mkdir -p "$out"

if autograder grade --help 2>/dev/null | grep -q -- '--out'; then
  # The class form: every submission in one run, in parallel, with the gradebook.
  autograder grade "$subs" --out "$out"
  exit 0
fi

# An autograder without class grading: one submission at a time, then the gradebook.
for d in "$subs"/*/; do
  name=$(basename "$d")
  autograder grade "$d" --json "$out/$name.json" --quiet || echo "warning: $name could not be graded" >&2
done
python - "$out" <<'PY'
import csv, json, sys
from pathlib import Path

out = Path(sys.argv[1])
reports = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))]
exercises = [e["id"] for e in reports[0]["exercises"]] if reports else []
with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh)
    w.writerow(["student", *exercises, "total", "max_score", "late_penalty_percent", "final"])
    for r in reports:
        scores = {e["id"]: e["score"] for e in r["exercises"]}
        w.writerow([r["submission"], *(scores.get(x, 0) for x in exercises), r["score"], r["max_score"],
                    r.get("late_penalty", 0), r.get("final_score", r["score"])])
lines = ["## Grades", "", "| student | score |", "|---|---:|"]
lines += [f"| {r['submission']} | {r.get('final_score', r['score']):g}/{r['max_score']:g} |" for r in reports]
(out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
print(f"graded {len(reports)} submission(s); gradebook: {out / 'gradebook.csv'}")
PY
