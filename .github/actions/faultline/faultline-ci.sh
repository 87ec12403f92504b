#!/usr/bin/env bash
# The shell steps of the faultline composite action (action.yml beside this
# file), one subcommand per step. They live here rather than inline in the
# YAML so that tests/ci_action.rs runs exactly what a runner runs.
#
# Inputs arrive as FAULTLINE_* environment variables (set by action.yml from
# the action's inputs, never pasted into the script text); results go where a
# GitHub runner reads them: $GITHUB_OUTPUT, $GITHUB_PATH, $GITHUB_STEP_SUMMARY.
set -euo pipefail

# Writes one output of the current step.
output() {
  printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"
}

# resolve: the commit FAULTLINE_VERSION names in FAULTLINE_REPOSITORY, so the
# cached binary is keyed on what it was built from: a branch that moves gets
# a new build, a tag or a commit is built once.
resolve() {
  local repo=${FAULTLINE_REPOSITORY:?the repository input is required}
  local version=${FAULTLINE_VERSION:?the version input is required}
  local commit
  if [[ $version =~ ^[0-9a-f]{40}$ ]]; then
    commit=$version
  else
    local refs
    refs=$(git ls-remote "$repo" "refs/tags/$version" "refs/tags/$version^{}" "refs/heads/$version")
    # An annotated tag's commit is on its peeled (^{}) line; then a
    # lightweight tag; then a branch.
    commit=$(awk -v t="refs/tags/$version" -v h="refs/heads/$version" '
      $2 == t "^{}" { peeled = $1 }
      $2 == t { tag = $1 }
      $2 == h { head = $1 }
      END { print (peeled != "" ? peeled : (tag != "" ? tag : head)) }' <<< "$refs")
    if [[ -z $commit ]]; then
      echo "::error title=faultline::version '$version' is neither a tag, a branch nor a full commit hash of $repo" >&2
      exit 1
    fi
  fi
  echo "faultline $version is commit $commit"
  output commit "$commit"
  # cargo install puts the binary there; runners have it on PATH already,
  # other machines may not.
  echo "$HOME/.cargo/bin" >> "$GITHUB_PATH"
}

# install: builds faultline at the resolved commit (only on a cache miss).
install() {
  if ! command -v cargo > /dev/null; then
    echo "::error title=faultline::cargo is not installed: add a Rust toolchain step before this action" >&2
    exit 1
  fi
  cargo install --git "${FAULTLINE_REPOSITORY:?}" --rev "${FAULTLINE_COMMIT:?}" --locked faultline
}

# run: faultline run --config FILE; never fails the step itself, so that the
# upload and summary steps run whatever the verdict, and the finish step
# fails the job with the run's own exit code.
run() {
  local config=${FAULTLINE_CONFIG:?the config input is required}
  local results=${FAULTLINE_RESULTS_DIR:-results}
  local extra=()
  # Extra arguments are split at whitespace, as an unquoted shell word is.
  read -r -a extra <<< "${FAULTLINE_ARGS:-}"
  # results/latest may be left from an earlier run on this machine: only a
  # link that this run changed points at this run.
  local before after code
  before=$(readlink "$results/latest" 2> /dev/null || true)
  set +e
  faultline run --config "$config" --results-dir "$results" "${extra[@]}"
  code=$?
  set -e
  after=$(readlink "$results/latest" 2> /dev/null || true)
  output exit-code "$code"
  if [[ -n $after && $after != "$before" && -f $results/latest/history.jsonl ]]; then
    local dir
    dir=$(cd "$results/latest" && pwd -P)
    output run-dir "$dir"
    # The test's directory (every run of a --test-count series), not the
    # results root: its `latest` link would be uploaded as a second copy.
    output upload-path "$(dirname "$dir")"
  else
    output run-dir ""
    output upload-path "$results"
  fi
}

# summary: the run as Markdown on the job's summary page.
summary() {
  local summary=${GITHUB_STEP_SUMMARY:?}
  local dir=${FAULTLINE_RUN_DIR:-}
  if [[ -z $dir ]]; then
    {
      echo "## 🛑 faultline run exited ${FAULTLINE_EXIT_CODE:-?} before writing results"
      echo
      echo "The log of the action's run step says why: a config that does not load, a store"
      echo "that is not reachable, or one whose answers the protocol probe refused."
    } >> "$summary"
    return 0
  fi
  # The report exits with the verdict's code; judging it is the finish
  # step's job, so only a report that could not be written is noted.
  local code=0
  faultline report "$dir" --markdown >> "$summary" || code=$?
  if ((code > 3)) || { ((code == 3)) && [[ ${FAULTLINE_EXIT_CODE:-} != 3 ]]; }; then
    echo "::warning title=faultline::faultline report --markdown exited $code" >&2
  fi
}

# finish: fails the job unless the run was valid.
finish() {
  local code=${FAULTLINE_EXIT_CODE:?}
  local what
  case $code in
    0) echo "faultline: valid"; return 0 ;;
    1) what="invalid: a checker found an anomaly" ;;
    2) what="unknown: the checkers could not decide, nothing was really tested, or a requested fault never happened" ;;
    3) what="harness error: bad config, a store that did not answer, or a fault that failed mid-run" ;;
    *) what="faultline ended abnormally" ;;
  esac
  echo "::error title=faultline::exit code $code, $what (the job summary and the results artifact say more)"
  exit "$code"
}

case ${1:-} in
  resolve | install | run | summary | finish) "$1" ;;
  *)
    echo "usage: $0 resolve|install|run|summary|finish" >&2
    exit 64
    ;;
esac
