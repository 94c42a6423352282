#!/usr/bin/env bash
# Tests of the `corosim` command as a user runs it: exit statuses, one-line usage errors, and the promise that a
# failure report's last line is a command reproducing the same status and trace hash.
#   cli_test.sh COROSIM CASE     (ctest runs each CASE as its own test; see CMakeLists.txt)
# Scenario names are taken from `corosim list` (the first expected-pass and the first seeded-bug scenario), so the
# tests follow the registry as it grows.
set -uo pipefail

COROSIM=$1
CASE=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

fail() { printf 'FAIL [%s]: %s\n' "$CASE" "$*" >&2; exit 1; }

# run_cli EXPECTED_STATUS ARGS...: runs corosim, keeps stdout/stderr in $WORK/out, $WORK/err.
run_cli() {
  local expected=$1; shift
  "$COROSIM" "$@" >out 2>err
  local status=$?
  if [[ $status -ne $expected ]]; then
    printf -- '--- stdout\n' >&2; cat out >&2; printf -- '--- stderr\n' >&2; cat err >&2
    fail "corosim $* exited $status, expected $expected"
  fi
}

# expect_one_line_error ARGS...: exit 2, exactly one line on stderr starting with "corosim: ".
expect_one_line_error() {
  run_cli 2 "$@"
  [[ $(wc -l <err) -eq 1 ]] || { cat err >&2; fail "corosim $*: stderr is not one line"; }
  grep -q '^corosim: ' err || { cat err >&2; fail "corosim $*: stderr does not start with 'corosim: '"; }
  printf 'ok: corosim %s -> 2: %s\n' "$*" "$(cat err)"
}

first_scenario() {  # first_scenario pass|bug
  "$COROSIM" list | awk -v want="$1" '$2 == want || $2 == want ":" { print $1; exit }'
}

# explore_bug: explores the first bug scenario until found; leaves the report in $WORK/report.
explore_bug() {
  BUG=$(first_scenario bug)
  [[ -n $BUG ]] || fail "corosim list shows no seeded-bug scenario"
  run_cli 1 explore "$BUG" --schedules 100000 --no-progress
  cp out report
  SCHEDULE=$(ls corosim-"$BUG"-0x*.schedule.json 2>/dev/null | head -n 1)
  [[ -f $SCHEDULE ]] || fail "no schedule file written"
}

status_of() { awk '$1 == "status" { print $2; exit }' "$1"; }       # a passing run's status line
hash_of() { awk '$1 == "trace" && $2 == "hash" { print $3; exit }' "$1"; }

case $CASE in
  help)
    run_cli 0 --help
    for word in list run explore replay 'Exit status'; do
      grep -q -- "$word" out || fail "--help does not mention '$word'"
    done
    run_cli 0 explore --help
    grep -q -- '--schedules' out || fail "explore --help does not list --schedules"
    ;;
  list)
    run_cli 0 list
    [[ -s out ]] || fail "list printed nothing"
    awk '{ if ($2 !~ /^(pass|bug)/) exit 1 }' out || { cat out >&2; fail "a line's second column is not pass/bug"; }
    [[ -n $(first_scenario pass) ]] || fail "no expected-pass scenario listed"
    [[ -n $(first_scenario bug) ]] || fail "no seeded-bug scenario listed"
    cat out
    ;;
  usage-errors)
    expect_one_line_error run no-such-scenario --seed 1
    expect_one_line_error explore no-such-scenario
    expect_one_line_error
    expect_one_line_error frobnicate
    expect_one_line_error run "$(first_scenario pass)"
    expect_one_line_error run "$(first_scenario pass)" --seed banana
    expect_one_line_error run "$(first_scenario pass)" --seed 1 --strategy pct:d=0
    expect_one_line_error explore "$(first_scenario pass)" --strategy nonsense
    expect_one_line_error explore "$(first_scenario pass)" --schedules 0
    expect_one_line_error replay does-not-exist.schedule.json
    expect_one_line_error replay
    ;;
  run-pass)
    PASS=$(first_scenario pass)
    run_cli 0 run "$PASS" --seed 7 --strategy random
    [[ $(status_of out) == ok ]] || fail "status is not ok"
    cp out first
    [[ $(hash_of first) == 0x* ]] || fail "no trace hash line"
    run_cli 0 run "$PASS" --seed 7 --strategy random
    [[ $(hash_of first) == "$(hash_of out)" ]] || fail "same seed, different trace hash"
    run_cli 0 run "$PASS" --seed 7 --strategy random --trace
    grep -Eq '^ +[0-9]+  t[0-9]+ ' out || fail "--trace printed no step lines"
    ;;
  explore-pass)
    run_cli 0 explore "$(first_scenario pass)" --schedules 30 --no-progress
    grep -q 'no failure in 30 executions' out || { cat out >&2; fail "no summary line"; }
    [[ ! -s err ]] || fail "stderr is not empty: $(cat err)"
    ;;
  explore-bug-reproduces)
    explore_bug
    cat report
    last=$(tail -n 1 report)
    [[ $last == "$COROSIM replay "* ]] || fail "last line is not a replay command: $last"
    status=$(awk '/^FAILED: / { sub(/^FAILED: /, ""); sub(/ in scenario .*/, ""); print; exit }' report)
    hash=$(hash_of report)
    [[ -n $status && -n $hash ]] || fail "report lacks status or trace hash"
    # The last line, run as it is printed.
    bash -c "$last" >out 2>err
    [[ $? -eq 1 ]] || { cat out err >&2; fail "the reproduction command did not exit 1"; }
    grep -q "^FAILED: $status in scenario" out || { cat out >&2; fail "replay status differs from '$status'"; }
    [[ $(hash_of out) == "$hash" ]] || fail "replay trace hash $(hash_of out) differs from $hash"
    grep -q 'same trace hash as recorded' out || fail "replay did not confirm the hash"
    # The `corosim run` line (random and pct print it before the replay command) reproduces it too.
    runline=$(grep -E "^  $COROSIM run " report | sed 's/^  //')
    if [[ -n $runline ]]; then
      bash -c "$runline --save-schedule again.schedule.json" >out 2>err
      [[ $? -eq 1 ]] || { cat out err >&2; fail "the run line did not exit 1"; }
      [[ $(hash_of out) == "$hash" ]] || fail "run line trace hash $(hash_of out) differs from $hash"
    fi
    # Replay with a trace, written to a file.
    run_cli 1 replay "$SCHEDULE" -o trace.txt
    grep -Eq '^ +[0-9]+  t[0-9]+ ' trace.txt || fail "replay -o wrote no trace"
    ;;
  explore-dfs)
    explore_bug_dfs() {
      BUG=$(first_scenario bug)
      "$COROSIM" explore "$BUG" --strategy dfs --schedules 100000 --no-progress >out 2>err
      local status=$?
      [[ $status -eq 1 || $status -eq 0 ]] || { cat out err >&2; fail "dfs explore exited $status"; }
      if [[ $status -eq 1 ]]; then
        last=$(tail -n 1 out)
        [[ $last == "$COROSIM replay "* ]] || fail "dfs: last line is not a replay command: $last"
        hash=$(hash_of out)
        bash -c "$last" >out2 2>err2
        [[ $? -eq 1 ]] || { cat out2 err2 >&2; fail "dfs: the replay did not exit 1"; }
        [[ $(hash_of out2) == "$hash" ]] || fail "dfs: replay hash differs"
      else
        grep -q 'space exhausted after' out || fail "dfs: neither a failure nor an exhausted space"
      fi
    }
    explore_bug_dfs
    ;;
  corrupt-schedule)
    explore_bug
    head -c 40 "$SCHEDULE" >truncated.json
    expect_one_line_error replay truncated.json
    printf 'garbage\x01\x02 not json at all' >garbage.json
    expect_one_line_error replay garbage.json
    sed 's/"version": *1/"version": 99/' "$SCHEDULE" >version.json
    expect_one_line_error replay version.json
    sed -E 's/"name": *"'"$BUG"'"/"name": "no-such-scenario"/' "$SCHEDULE" >unknown.json
    expect_one_line_error replay unknown.json
    ;;
  step-limit)
    PASS=$(first_scenario pass)
    # fail (the default): the run fails at the bound, and its reproduction carries the bound.
    run_cli 1 run "$PASS" --seed 7 --strategy random --max-steps 10
    grep -q '^FAILED: step limit in scenario' out || { cat out >&2; fail "no step-limit failure"; }
    grep -Eq "^  $COROSIM run .* --max-steps 10$" out || { cat out >&2; fail "the run line lacks --max-steps 10"; }
    hash=$(hash_of out)
    schedule=$(ls corosim-"$PASS"-0x*.schedule.json | head -n 1)
    grep -q '"max_steps": *"10"' "$schedule" || fail "the schedule file does not record max_steps"
    run_cli 1 replay "$schedule"
    [[ $(hash_of out) == "$hash" ]] || fail "replay of a bounded run: hash $(hash_of out), expected $hash"
    # continue: the run stops at the bound and passes.
    run_cli 0 run "$PASS" --seed 7 --strategy random --max-steps 10 --on-step-limit continue
    grep -q 'stopped at the step bound' out || { cat out >&2; fail "continue: not reported as stopped"; }
    run_cli 0 explore "$PASS" --strategy random --schedules 20 --max-steps 10 --on-step-limit continue --no-progress
    expect_one_line_error run "$PASS" --seed 1 --on-step-limit sometimes
    expect_one_line_error run "$PASS" --seed 1 --max-steps 0
    ;;
  other-scenario-schedule)
    explore_bug
    PASS=$(first_scenario pass)
    sed -E 's/"name": *"'"$BUG"'"/"name": "'"$PASS"'"/' "$SCHEDULE" >renamed.json
    grep -q "\"$PASS\"" renamed.json || fail "could not rename the scenario"
    expect_one_line_error replay renamed.json
    ;;
  *)
    fail "unknown case"
    ;;
esac
echo "PASS [$CASE]"
