#!/usr/bin/env bash
# Fetch students' submissions for grading: used by the instructor's grading workflows
# (templates/github/grade.yml, templates/gitlab/grade.gitlab-ci.yml); runs on a laptop too.
#
#   bash templates/fetch-submissions.sh ROSTER OUT
#
# ROSTER is either
#   - a text file, one student per line: "NAME OWNER/REPO" or just "OWNER/REPO" (NAME is then
#     the repository's name); a full git URL or a local path works instead of OWNER/REPO;
#     blank lines and lines starting with # are skipped; or
#   - a folder that already holds one sub-folder per student (copied as it is).
# OUT/<NAME>/ receives the repository's top-level .py and .ipynb files (never symlinks,
# never anything else: nothing from a student repository is executed or installed here)
# and timestamp.txt, the time of the fetch (UTC, nbgrader's format), which the late policy
# reads: commit times are set by the student, the fetch time is not.
#
# Environment: GIT_HOST (default https://github.com), GIT_TOKEN (a token that can read the
# student repositories; optional for public ones), GIT_TOKEN_USER (x-access-token for
# GitHub, oauth2 for GitLab), REF (a branch to fetch; default: the default branch),
# FETCH_LOG (append "name<TAB>repository<TAB>commit<TAB>fetched at" lines here).
set -euo pipefail

roster=${1:?usage: fetch-submissions.sh ROSTER OUT}
out=${2:?usage: fetch-submissions.sh ROSTER OUT}
host=${GIT_HOST:-https://github.com}
mkdir -p "$out"

if [ -d "$roster" ]; then
  cp -R "$roster"/. "$out"/
  echo "copied the submissions in $roster to $out"
  exit 0
fi
if [ ! -f "$roster" ]; then
  echo "error: no roster at $roster: list one student repository per line (e.g. 'alice my-org/neurons-alice'), or pass a folder of submissions" >&2
  exit 2
fi

auth=()
if [ -n "${GIT_TOKEN:-}" ]; then
  basic=$(printf '%s:%s' "${GIT_TOKEN_USER:-x-access-token}" "$GIT_TOKEN" | base64 | tr -d '\n')
  auth=(-c "http.extraHeader=Authorization: Basic $basic")
fi
branch=()
if [ -n "${REF:-}" ]; then branch=(--branch "$REF"); fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetched=0 failed=0
while read -r name repo _ || [ -n "${name:-}" ]; do
  case "${name:-}" in ''|'#'*) continue ;; esac
  if [ -z "${repo:-}" ]; then repo=$name; name=$(basename "$repo" .git); fi
  if ! [[ "$name" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]*$ ]]; then
    echo "warning: skipped '$name': a student name may hold only letters, digits, '.', '_' and '-'" >&2
    failed=$((failed + 1)); continue
  fi
  case "$repo" in
    *://*|/*|./*|../*) url=$repo ;;
    *) url="$host/$repo.git" ;;
  esac
  dest="$work/$name"
  if ! git "${auth[@]}" -c core.symlinks=false -c advice.detachedHead=false \
       clone --quiet --depth 1 --no-tags "${branch[@]}" -- "$url" "$dest" 2>"$work/error"; then
    echo "warning: could not fetch $repo for $name ($(tr '\n' ' ' < "$work/error")); no report for them this time" >&2
    failed=$((failed + 1)); continue
  fi
  # symbolic links were checked out as small text files (core.symlinks=false): drop them
  git -C "$dest" ls-files -s | awk '$1 == "120000" { print $4 }' | while IFS= read -r link; do rm -f -- "$dest/$link"; done
  when=$(date -u '+%Y-%m-%d %H:%M:%S.000000 UTC')
  rm -rf "${out:?}/$name"
  mkdir -p "$out/$name"
  find "$dest" -maxdepth 1 -type f \( -name '*.py' -o -name '*.ipynb' \) ! -name '.*' -exec cp {} "$out/$name/" \;
  printf '%s\n' "$when" > "$out/$name/timestamp.txt"
  commit=$(git -C "$dest" rev-parse HEAD)
  if [ -n "${FETCH_LOG:-}" ]; then printf '%s\t%s\t%s\t%s\n' "$name" "$repo" "$commit" "$when" >> "$FETCH_LOG"; fi
  echo "fetched $name ($repo @ ${commit:0:12})"
  fetched=$((fetched + 1))
done < "$roster"

echo "fetched $fetched submission(s) into $out; $failed could not be fetched"
if [ "$fetched" -eq 0 ]; then exit 1; fi
