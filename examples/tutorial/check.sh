#!/usr/bin/env bash
# Checks what the tutorial (docs/tutorial.md) shows, on the built programs:
#   check.sh scenarios|gtest SCENARIOS_PROGRAM LOCK_TEST_PROGRAM
# scenarios: the four scenarios are listed; each bug is found with its kind and reproduced by the report's last line
#            (same trace hash), also in worker processes (--jobs 2); the correct twins pass PCT and exhaust DFS.
# gtest:     the correct lock's tests pass; the racy lock's test fails with exactly one GoogleTest failure carrying
#            the replay recipe, and running that recipe gives the same trace hash.
set -uo pipefail
part=$1 scenarios=$2 lock_test=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

fail() { printf 'FAIL [tutorial %s]: %s\n' "$part" "$*" >&2; exit 1; }
hash_of() { awk '$1 == "trace" && $2 == "hash" { print $3; exit }' "$1"; }
# expect STATUS COMMAND...: runs it with stdout in $work/out (stderr too), and checks its exit status.
expect() {
  local want=$1; shift
  "$@" >out 2>&1
  local got=$?
  [[ $got -eq $want ]] || { cat out >&2; fail "$* exited $got, expected $want"; }
}

scenarios_part() {
  expect 0 "$scenarios" list
  cp out list
  cat list
  local listed want="counter-locked:pass counter-racy:bug:assertion signal-guarded:pass signal-lost:bug:lost_wakeup "
  listed=$(awk '{ print $1 ":" $2 ($2 == "bug:" ? $3 : "") }' out | tr '\n' ' ')
  [[ $listed == "$want" ]] || fail "list shows '$listed', not the four scenarios with their expected outcomes"
  local name kind jobs
  for name in counter-racy signal-lost; do
    kind=$(awk -v s=$name '$1 == s { print $3 }' list)
    for jobs in 1 2; do
      expect 1 "$scenarios" explore $name --jobs $jobs --no-progress
      cp out report
      grep -q "^FAILED: $kind in scenario '$name'" report || { cat report >&2; fail "$name: not found as $kind"; }
      grep -q "^seeded bug found" report || fail "$name: no 'seeded bug found' verdict"
      local last hash
      last=$(tail -n 1 report) hash=$(hash_of report)
      [[ $last == "$scenarios replay "* ]] || fail "$name: the last line is not a replay command: $last"
      expect 1 bash -c "$last"
      [[ $(hash_of out) == "$hash" ]] || fail "$name: the last line reproduced hash $(hash_of out), not $hash"
      echo "ok: $name found as $kind with --jobs $jobs, reproduced by: $last"
    done
  done
  for name in counter-locked signal-guarded; do
    expect 0 "$scenarios" explore $name --schedules 2000 --no-progress
    grep -q 'no failure in 2000 executions' out || { cat out >&2; fail "$name: PCT did not run 2000 executions"; }
    expect 0 "$scenarios" explore $name --schedules 500 --jobs 2 --no-progress
    expect 0 "$scenarios" explore $name --strategy dfs --schedules 1000000 --no-progress
    grep -q 'space exhausted after' out || { cat out >&2; fail "$name: DFS did not exhaust the space"; }
    echo "ok: $name passes 2000 PCT executions; $(grep -o 'space exhausted after [0-9]* executions' out)"
  done
}

gtest_part() {
  expect 0 "$lock_test" --gtest_filter='SpinLock.*'
  grep -q '\[  PASSED  \] 2 tests' out || { cat out >&2; fail "the correct lock's two tests did not pass"; }
  grep '\[ corosim \]' out
  expect 1 "$lock_test" --gtest_filter='RacySpinLock.*'
  cp out report
  local failures recipe hash
  failures=$(grep -c ': Failure$' report)
  [[ $failures -eq 1 ]] || { cat report >&2; fail "the racy lock gave $failures GoogleTest failures, not 1"; }
  recipe=$(grep -o 'COROSIM_REPLAY=[^ ]* [^ ]* --gtest_filter=[^ ]*' report | tail -n 1)
  [[ -n $recipe ]] || { cat report >&2; fail "the failure carries no COROSIM_REPLAY recipe"; }
  hash=$(hash_of report)
  [[ -n $hash ]] || { cat report >&2; fail "the failure has no trace hash"; }
  expect 1 bash -c "$recipe"
  [[ $(grep -c ': Failure$' out) -eq 1 ]] || { cat out >&2; fail "the replay did not fail once"; }
  [[ $(hash_of out) == "$hash" ]] || { cat out >&2; fail "the replay's trace hash $(hash_of out) is not $hash"; }
  echo "ok: one failure, replayed by: $recipe (trace hash $hash)"
}

case $part in
  scenarios) scenarios_part ;;
  gtest) gtest_part ;;
  *) fail "unknown part" ;;
esac
echo "PASS [tutorial $part]"
