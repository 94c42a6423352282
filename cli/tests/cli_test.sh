#!/usr/bin/env bash
# Tests of the `corosim` command as a user runs it: exit statuses, one-line usage errors, and the promise that a
# failure report's last line is a command reproducing the same status and trace hash.
#   cli_test.sh COROSIM CASE USER_PROGRAM DUPLICATE_PROGRAM   (ctest runs each CASE as its own test: CMakeLists.txt)
# COROSIM is the built `corosim` program; USER_PROGRAM is a user's program built on corosim::main over scenarios of
# its own (user_program.cpp), DUPLICATE_PROGRAM the same with one name registered twice. Built-in scenario names are
# taken from `corosim list` (the first expected-pass and the first seeded-bug scenario), so the tests follow the
# registry as it grows.
set -uo pipefail

COROSIM=$1
CASE=$2
USER_PROGRAM=$3
DUPLICATE_PROGRAM=$4
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

fail() { printf 'FAIL [%s]: %s\n' "$CASE" "$*" >&2; exit 1; }

# run_cli EXPECTED_STATUS [PROGRAM] ARGS...: runs corosim (or PROGRAM, a path), keeps stdout/stderr in $WORK/out,
# $WORK/err.
run_cli() {
  local expected=$1; shift
  local program=$COROSIM
  [[ ${1:-} == /* ]] && { program=$1; shift; }
  "$program" "$@" >out 2>err
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
    for option in --shard --jobs --json --junit --html; do
      grep -q -- "$option" out || fail "explore --help does not list $option"
    done
    grep -q 'with --time and no --schedules: until the time is used' out || fail "explore --help does not state the --time rule"
    # The rule itself: --time without --schedules is not capped at the default 10000 executions.
    run_cli 0 explore "$(first_scenario pass)" --time 1 --no-progress
    grep -q 'no limit on executions or 1 s' out || { cat out >&2; fail "--time 1 alone: the header states a limit"; }
    grep -q '^time budget used: no failure in' out || { cat out >&2; fail "--time 1 alone did not run until the time was used"; }
    # A command's help is that command's: not the global footer (the exit statuses, the other commands).
    for command in list run explore replay; do
      run_cli 0 $command --help
      ! grep -q 'Exit status' out || fail "$command --help repeats the global footer"
      (( $(wc -l <out) < 50 )) || fail "$command --help is $(wc -l <out) lines"
    done
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
    # The replay strategy needs a schedule: bad usage, not a failed run.
    expect_one_line_error run "$(first_scenario pass)" --seed 1 --strategy replay
    expect_one_line_error explore "$(first_scenario pass)" --strategy replay
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
  shrink)
    # Every seeded bug of `corosim list`, found by PCT, shrinks to at most 2 preemptions, fails the same way, and
    # its shrunk schedule replays with the report's last line.
    for bug in $("$COROSIM" list | awk '$2 == "bug:" { print $1 }'); do
      kind=$("$COROSIM" list | awk -v s="$bug" '$1 == s { print $3 }')
      run_cli 1 explore "$bug" --strategy pct --schedules 100000 --shrink --no-progress
      line=$(grep -E '^shrunk: preemptions [0-9]+ -> [0-9]+, decisions [0-9]+ -> [0-9]+, steps [0-9]+ -> [0-9]+' out) ||
        { cat out >&2; fail "$bug: explore --shrink printed no shrunk line"; }
      echo "$bug: $line"
      after=$(sed -E 's/^shrunk: preemptions [0-9]+ -> ([0-9]+),.*/\1/' <<<"$line")
      (( after <= 2 )) || fail "$bug: shrunk to $after preemptions (at most 2 expected)"
      grep -q "^FAILED: $kind in scenario '$bug'" out || fail "$bug: the shrunk run does not fail with $kind"
      grep -Eq '^  shrunk +preemptions' out || fail "$bug: the report does not show both sizes"
      last=$(tail -n 1 out)
      bash -c "$last" >out2 2>err2
      [[ $? -eq 1 ]] && grep -q "^FAILED: $kind" out2 || { cat out2 err2 >&2; fail "$bug: '$last' does not fail with $kind"; }
    done
    # `shrink` on a saved schedule: the one-line summary, the result written and replayed by the last line.
    explore_bug
    run_cli 1 shrink "$SCHEDULE" -o small.schedule.json
    grep -Eq '^shrunk: preemptions [0-9]+ -> [0-9]+, decisions [0-9]+ -> [0-9]+, steps [0-9]+ -> [0-9]+$' out ||
      { cat out >&2; fail "shrink printed no summary line"; }
    [[ $(tail -n 1 out) == "$COROSIM replay small.schedule.json" ]] || fail "shrink's last line: $(tail -n 1 out)"
    run_cli 1 replay small.schedule.json
    # Shrinking is deterministic: the same input gives the same bytes.
    run_cli 1 shrink "$SCHEDULE" -o again.schedule.json
    cmp -s small.schedule.json again.schedule.json || fail "shrinking the same schedule twice gave different files"
    # Bad input: one line, exit 2, nothing written.
    expect_one_line_error shrink "$SCHEDULE"
    expect_one_line_error shrink no-such.schedule.json -o x.json
    expect_one_line_error shrink "$SCHEDULE" -o no-such-dir/x.json
    PASS=$(first_scenario pass)
    run_cli 0 run "$PASS" --seed 1
    python3 - "$SCHEDULE" passing.schedule.json "$PASS" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["scenario"]["name"] = sys.argv[3]; d["decisions"] = []; d.pop("trace_hash")
json.dump(d, open(sys.argv[2], "w"))
PY
    expect_one_line_error shrink passing.schedule.json -o x.json
    [[ ! -e x.json ]] || fail "a refused shrink wrote its output"
    ;;
  ci-gate)
    PASS=$(first_scenario pass)
    BUG=$(first_scenario bug)
    printf '{"corpus": "corpus", "runs": [{"scenario": "%s", "schedules": 300}, {"scenario": "%s", "schedules": 5000}]}\n' \
      "$PASS" "$BUG" >gate.json
    run_cli 0 ci --config gate.json --junit gate.xml --json gate-summary.json
    grep -q '^gate holds' out || { cat out >&2; fail "the gate does not hold"; }
    python3 - gate.xml gate-summary.json <<'PY' || fail "ci's JUnit or JSON is wrong for a holding gate"
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.get("failures") == "0" and root.get("tests") == "2", root.attrib
assert not list(root.iter("failure")), "a failure in a holding gate"
s = json.load(open(sys.argv[2]))
assert s["format"] == "corosim-ci" and s["gate"] == "holds", s
assert s["runs"][1]["failure"] is not None and s["runs"][1]["verdict"] == "pass", s["runs"][1]  # the bug, found
PY
    # A budget too small to find the seeded bug fails the gate, and says why.
    printf '{"runs": [{"scenario": "%s", "strategy": "pct", "schedules": 1}]}\n' "$BUG" >small.json
    run_cli 1 ci --config small.json --junit small.xml
    grep -q '^FAIL  .*seeded bug not found in 1 execution' out || { cat out >&2; fail "no 'seeded bug not found'"; }
    grep -q '<failure' small.xml || fail "the JUnit of a failing gate has no <failure>"
    # A user's scenario expected to pass regresses (COROSIM_TEST_VERSION=buggy): the gate fails and keeps the
    # schedule in the corpus; after a change of the code path (=changed) that schedule diverges, which is reported
    # and does not fail the gate.
    printf '{"corpus": "corpus", "runs": [{"scenario": "user-counter-versions", "schedules": 200}]}\n' >user.json
    COROSIM_TEST_VERSION=buggy run_cli 1 "$USER_PROGRAM" ci --config user.json
    grep -q '^FAIL  user-counter-versions .*REGRESSION' out || { cat out >&2; fail "the regression was not reported"; }
    kept=$(ls corpus/corosim-user-counter-versions-0x*.schedule.json) || fail "the regression's schedule is not in the corpus"
    grep -q "^  schedule    $kept" out || fail "the report does not name the corpus file"
    COROSIM_TEST_VERSION=buggy run_cli 1 "$USER_PROGRAM" ci --config user.json  # the corpus schedule fails again
    grep -q "^FAIL  corpus $kept: REGRESSION: fails again" out || { cat out >&2; fail "the corpus schedule did not fail again"; }
    COROSIM_TEST_VERSION=changed run_cli 0 "$USER_PROGRAM" ci --config user.json --junit user.xml
    grep -Eq "^ok    corpus $kept: passes \(diverged at step [0-9]+\)" out || { cat out >&2; fail "no divergence reported"; }
    grep -q 'diverged at step' user.xml || fail "the JUnit does not report the divergence"
    run_cli 0 "$USER_PROGRAM" ci --config user.json
    # Bad configs and arguments: one line, exit 2, before anything runs.
    printf '{"runs": [{"scenario": "no-such"}]}' >bad1.json
    printf '{"runs": [{"scenario": "%s", "schedules": 0}]}' "$PASS" >bad2.json
    printf '{"runs": [{"scenario": "%s", "strategy": "pct:d=0"}]}' "$PASS" >bad3.json
    printf '{"runs": [], "corpse": "x"}' >bad4.json
    printf '{"runs": [' >bad5.json
    for bad in bad1 bad2 bad3 bad4 bad5; do expect_one_line_error ci --config $bad.json; done
    expect_one_line_error ci --config missing.json
    mkdir -p badcorpus && echo '{' >badcorpus/x.schedule.json
    expect_one_line_error ci --config gate.json --corpus badcorpus
    expect_one_line_error ci --config gate.json --junit no-such-dir/x.xml
    ;;
  ci-shards)
    # A 4-shard gate, through each engine's variables, merged: the same verdict and the same failing execution as
    # the unsharded gate (random walk: each execution depends on its seed alone).
    PASS=$(first_scenario pass)
    BUG=$(first_scenario bug)
    printf '{"runs": [{"scenario": "%s", "strategy": "random", "schedules": 200}, {"scenario": "%s", "strategy": "random", "schedules": 20000}]}\n' \
      "$PASS" "$BUG" >gate.json
    run_cli 0 ci --config gate.json --json whole.json
    shard_env() {  # shard_env ENGINE INDEX: the variables that engine sets for shard INDEX of 4
      case $1 in
        gtest) echo "GTEST_SHARD_INDEX=$2 GTEST_TOTAL_SHARDS=4" ;;
        slurm) echo "SLURM_ARRAY_TASK_ID=$(( $2 + 10 )) SLURM_ARRAY_TASK_MIN=10 SLURM_ARRAY_TASK_COUNT=4" ;;
        k8s) echo "JOB_COMPLETION_INDEX=$2 COROSIM_SHARD_COUNT=4" ;;
        gitlab) echo "CI_NODE_INDEX=$(( $2 + 1 )) CI_NODE_TOTAL=4" ;;
        circle) echo "CIRCLE_NODE_INDEX=$2 CIRCLE_NODE_TOTAL=4" ;;
        buildkite) echo "BUILDKITE_PARALLEL_JOB=$2 BUILDKITE_PARALLEL_JOB_COUNT=4" ;;
        matrix) echo "COROSIM_SHARD=$2/4" ;;
      esac
    }
    for engine in gtest slurm k8s gitlab circle buildkite matrix; do
      files=()
      for i in 0 1 2 3; do
        env $(shard_env $engine $i) "$COROSIM" ci --config gate.json --json $engine-$i.json >out 2>err ||
          { cat out err >&2; fail "$engine shard $i did not exit 0"; }
        grep -q "shard $i/4" out || { cat out >&2; fail "$engine: shard $i/4 not taken from the variables"; }
        files+=($engine-$i.json)
      done
      run_cli 0 ci --merge "${files[@]}" --json $engine-merged.json --junit $engine-merged.xml
      python3 - whole.json $engine-merged.json <<'PY' || fail "$engine: the merged gate differs from the unsharded one"
import json, sys
whole, merged = (json.load(open(p)) for p in sys.argv[1:])
assert whole["gate"] == merged["gate"] == "holds", (whole["gate"], merged["gate"])
for w, m in zip(whole["runs"], merged["runs"], strict=True):
    assert (w["scenario"], w["verdict"]) == (m["scenario"], m["verdict"]), (w, m)
    wf, mf = w["failure"], m["failure"]
    assert (wf is None) == (mf is None), (wf, mf)
    if wf: assert (wf["execution"], wf["seed"], wf["trace_hash"]) == (mf["execution"], mf["seed"], mf["trace_hash"]), (wf, mf)
PY
      echo "ok: $engine: 4 shards merged give the unsharded verdict and failing execution"
    done
    # --shard-count for Kubernetes, and --shard, stand in for the count variable.
    JOB_COMPLETION_INDEX=2 run_cli 0 ci --config gate.json --shard-count 4
    grep -q 'shard 2/4 (from JOB_COMPLETION_INDEX)' out || { cat out >&2; fail "--shard-count not used"; }
    run_cli 0 ci --config gate.json --shard 3/4
    # Malformed, half-set or out-of-range variables: one line, exit 2.
    for bad in "GTEST_SHARD_INDEX=4 GTEST_TOTAL_SHARDS=4" "GTEST_SHARD_INDEX=x GTEST_TOTAL_SHARDS=4" \
               "SLURM_ARRAY_TASK_ID=3" "SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_COUNT=4" \
               "JOB_COMPLETION_INDEX=1" "JOB_COMPLETION_INDEX=-1 COROSIM_SHARD_COUNT=4" \
               "JOB_COMPLETION_INDEX=1 COROSIM_SHARD_COUNT=0" "CI_NODE_INDEX=0 CI_NODE_TOTAL=4" \
               "CI_NODE_INDEX=5 CI_NODE_TOTAL=4" "CIRCLE_NODE_INDEX=1 CIRCLE_NODE_TOTAL=1x" \
               "BUILDKITE_PARALLEL_JOB=1" "COROSIM_SHARD=4/4" "COROSIM_SHARD=1"; do
      env $bad "$COROSIM" ci --config gate.json >out 2>err
      [[ $? -eq 2 && $(wc -l <err) -eq 1 ]] || { cat err >&2; fail "$bad: not one line and exit 2"; }
      env $bad "$COROSIM" explore "$PASS" --schedules 4 >out 2>err
      [[ $? -eq 2 && $(wc -l <err) -eq 1 ]] || { cat err >&2; fail "explore with $bad: not one line and exit 2"; }
      echo "ok: $bad -> $(cat err)"
    done
    expect_one_line_error ci --config gate.json --shard-count 4
    expect_one_line_error ci --merge whole.json gtest-0.json
    expect_one_line_error ci --merge gtest-0.json gtest-1.json gtest-2.json
    expect_one_line_error ci --merge gtest-0.json gtest-0.json gtest-1.json gtest-2.json
    expect_one_line_error ci --merge gtest-merged.json
    expect_one_line_error ci --merge gate.json
    ;;
  readable-trace)
    # The lost-wakeup scenario's failing run, traced: the lock's atomics with their values and source lines; the
    # HTML, folded, shows only the coroutines' steps (and the failing one, highlighted); the Perfetto file is the
    # Trace Event format.
    run_cli 1 explore lost-wakeup-handoff --shrink --no-progress
    SCHEDULE=$(ls corosim-lost-wakeup-handoff-0x*.schedule.json)
    run_cli 1 replay "$SCHEDULE" --trace text
    grep -Eq 'co[0-9]+ +atomic read-modify-write #[0-9]+ +[0-9]+ -> [0-9]+ +locks\.hpp:[0-9]+$' out ||
      { cat out >&2; fail "the text trace shows no value and source line of the lock's atomics"; }
    grep -Eq '^>> +[0-9]+  t[0-9]+ .*<== the failing step$' out || fail "the text trace does not mark the failing step"
    run_cli 1 replay "$SCHEDULE" --trace json -o trace.json
    run_cli 1 replay "$SCHEDULE" --trace html -o trace.html
    run_cli 1 replay "$SCHEDULE" --trace perfetto -o trace.perfetto.json
    python3 - trace.json trace.html trace.perfetto.json <<'PY' || fail "the traces do not show what they must"
import json, re, sys
trace = json.load(open(sys.argv[1]))
events = trace["events"]
lock = [e for e in events if e["site"] and e["site"].startswith("locks.hpp:") and e["kind"] == "step"]
assert lock and all(e["value"] for e in lock), "the lock's atomics lack values"
user = [e for e in events if e["user"]]
assert user and all(e["coroutine"] != 0 for e in user), [e for e in user if e["coroutine"] == 0]
assert trace["failing_step"] is not None and trace["reproduce"].endswith(sys.argv[1].replace("trace.json", "") or ""), trace["reproduce"]
# The HTML: every row that shows folded (class user, or the failing step) is a coroutine's.
html = open(sys.argv[2]).read()
rows = re.findall(r'<tr class="([^"]*)"[^>]*>(.*?)</tr>', html)
shown = [cells for classes, cells in rows if "user" in classes.split() or "failing" in classes.split()]
assert len(shown) < len(rows) / 3, (len(shown), len(rows))
for cells in shown:
    co = re.search(r'<span class="co">([^<]*)</span>', cells).group(1)
    assert co != "-", cells
assert sum("failing" in c.split() for c, _ in rows) == 1
assert 'id="failing-step"' in html and "<th>reproduce</th>" in html
# Perfetto: the Trace Event format.
doc = json.load(open(sys.argv[3]))
evs = doc["traceEvents"]
assert isinstance(evs, list) and evs
for e in evs:
    assert e["ph"] in ("M", "X", "i") and isinstance(e["pid"], int) and isinstance(e["name"], str), e
    if e["ph"] != "M": assert isinstance(e["ts"], int) and isinstance(e["tid"], int), e
    if e["ph"] == "X": assert e["dur"] >= 1, e
assert any(e["ph"] == "X" and e["name"].startswith("co") for e in evs)
assert any(e["name"].startswith("FAILED: lost_wakeup") for e in evs)
print("ok: %d events, %d shown folded; %d Trace Event records" % (len(events), len(shown), len(evs)))
PY
    ;;
  html-in-browser)
    # The failing run's page, rendered by headless Chromium (Debian's chromium; ci/setup installs it): the failing
    # step is shown, the runtime's steps are folded as the page opens, and the toggle shows them. The page has no
    # script of its own; a copy gets a checker appended, which writes what the browser computed into the page,
    # and Chromium's --dump-dom prints it. Exit 77 (ctest: skipped) without Chromium.
    command -v chromium >/dev/null || { echo "chromium is not installed (ci/setup installs it): skipped"; exit 77; }
    run_cli 1 explore lost-wakeup-handoff --shrink --no-progress --html failure.html
    python3 - failure.html checked.html <<'PY'
import sys
page = open(sys.argv[1]).read()
checker = """<script>
const visible = el => getComputedStyle(el).display !== 'none' && el.getBoundingClientRect().height > 0;
const failing = document.getElementById('failing-step');
const internal = [...document.querySelectorAll('tr.internal:not(.failing)')];
const user = [...document.querySelectorAll('tr.user')];
const result = {failing_shown: !!failing && visible(failing), failing_text: failing ? failing.innerText : '',
                internal: internal.length, internal_hidden: internal.every(r => !visible(r)),
                user: user.length, user_shown: user.length > 0 && user.every(visible)};
document.getElementById('show-internal').click();
result.internal_shown_by_toggle = internal.every(visible);
const out = document.createElement('pre');
out.id = 'corosim-check';
out.textContent = JSON.stringify(result);
document.body.appendChild(out);
</script>
"""
open(sys.argv[2], "w").write(page.replace("</body>", checker + "</body>"))
PY
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --dump-dom \
      "file://$WORK/checked.html" >dom.html 2>chromium.err || { tail -5 chromium.err >&2; fail "chromium failed"; }
    python3 - dom.html <<'PY' || fail "the page, as Chromium renders it, does not show what it must"
import html, json, re, sys
found = re.search(r'<pre id="corosim-check">(.*?)</pre>', open(sys.argv[1]).read(), re.S)
assert found, "the checker did not run"
r = json.loads(html.unescape(found.group(1)))
print("chromium:", r)
assert r["failing_shown"] and r["user_shown"] and r["internal"] > 0 and r["internal_hidden"], r
assert r["internal_shown_by_toggle"], r
assert "locks.hpp" in r["failing_text"], r["failing_text"]
PY
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
    grep -q '^FAILED: step_limit in scenario' out || { cat out >&2; fail "no step-limit failure"; }
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
  shard)
    PASS=$(first_scenario pass)
    # Two shards of 20 executions run 10 each.
    run_cli 0 explore "$PASS" --schedules 20 --shard 0/2 --no-progress
    grep -q 'no failure in 10 executions' out || { cat out >&2; fail "shard 0/2 did not run 10 executions"; }
    run_cli 0 explore "$PASS" --schedules 20 --shard 1/2 --no-progress --json s1.json
    grep -q 'no failure in 10 executions' out || { cat out >&2; fail "shard 1/2 did not run 10 executions"; }
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["shard"] == {"index": 1, "count": 2} and d["executions"] == 10, d' s1.json ||
      fail "shard 1/2: the JSON summary does not say shard 1/2, 10 executions"
    # 3 executions of 7 fall in shard 0/3 (0, 3, 6), 2 in shard 2/3 (2, 5).
    run_cli 0 explore "$PASS" --schedules 7 --shard 2/3 --no-progress
    grep -q 'no failure in 2 executions' out || { cat out >&2; fail "shard 2/3 of 7 did not run 2 executions"; }
    # A bug found in a shard is an execution of that shard (number = index + 1), and its last line reproduces it.
    BUG=$(first_scenario bug)
    for shard in 0 1; do
      run_cli 1 explore "$BUG" --schedules 100000 --shard $shard/2 --no-progress
      cat out
      number=$(awk '/^failure in execution / { print $4; exit }' out)
      [[ -n $number ]] || fail "shard $shard/2: no failing execution number"
      (( (number - 1) % 2 == shard )) || fail "shard $shard/2 reported execution $number, which is not in it"
      hash=$(hash_of out)
      last=$(tail -n 1 out)
      bash -c "$last" >out2 2>err2
      [[ $? -eq 1 ]] || { cat out2 err2 >&2; fail "shard $shard/2: the reproduction did not exit 1"; }
      [[ $(hash_of out2) == "$hash" ]] || fail "shard $shard/2: reproduction hash $(hash_of out2) differs from $hash"
      runline=$(grep -E "^  $COROSIM run " out | sed 's/^  //')
      if [[ -n $runline ]]; then
        bash -c "$runline --save-schedule again.schedule.json" >out2 2>err2
        [[ $(hash_of out2) == "$hash" ]] || fail "shard $shard/2: the run line's hash differs"
      fi
    done
    # GoogleTest's shard variables stand in for --shard.
    GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=4 run_cli 0 explore "$PASS" --schedules 20 --no-progress
    grep -q 'no failure in 5 executions' out || { cat out >&2; fail "GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS ignored"; }
    ;;
  jobs)
    BUG=$(first_scenario bug)
    run_cli 1 explore "$BUG" --schedules 100000 --jobs 2 --no-progress
    cat out
    cp out report
    status=$(awk '/^FAILED: / { sub(/^FAILED: /, ""); sub(/ in scenario .*/, ""); print; exit }' report)
    hash=$(hash_of report)
    [[ -n $status && -n $hash && $status != crash ]] || fail "--jobs 2: report lacks status or trace hash"
    last=$(tail -n 1 report)
    [[ $last == "$COROSIM replay "* ]] || fail "--jobs 2: last line is not a replay command: $last"
    bash -c "$last" >out2 2>err2
    [[ $? -eq 1 ]] || { cat out2 err2 >&2; fail "--jobs 2: the reproduction did not exit 1"; }
    grep -q "^FAILED: $status in scenario" out2 || { cat out2 >&2; fail "--jobs 2: replay status differs"; }
    [[ $(hash_of out2) == "$hash" ]] || fail "--jobs 2: replay hash $(hash_of out2) differs from $hash"
    # Deterministic: the same failure (smallest index) whichever worker is faster.
    run_cli 1 explore "$BUG" --schedules 100000 --jobs 2 --no-progress
    [[ $(grep '^failure in execution' out | awk '{ print $4 }') == $(grep '^failure in execution' report | awk '{ print $4 }') ]] ||
      fail "--jobs 2 reported another execution the second time"
    [[ $(hash_of out) == "$hash" ]] || fail "--jobs 2: another trace hash the second time"
    # A passing exploration in workers runs every execution once.
    run_cli 0 explore "$(first_scenario pass)" --schedules 30 --jobs 3 --no-progress
    grep -q 'no failure in 30 executions' out || { cat out >&2; fail "--jobs 3 did not run 30 executions"; }
    # DFS: one worker is fine, more are refused.
    run_cli 0 explore "$(first_scenario pass)" --strategy dfs --schedules 20 --jobs 1 --no-progress
    expect_one_line_error explore "$BUG" --strategy dfs --jobs 2
    ;;
  crash)
    ulimit -c 0  # the worker's abort is deliberate: no core file
    run_cli 1 "$USER_PROGRAM" explore user-counter-crashes --schedules 1000 --jobs 2 --no-progress --json crash.json
    cat out
    grep -q "^FAILED: crash in scenario 'user-counter-crashes'" out || fail "a crashed worker is not reported as status crash"
    number=$(awk '/^failure in execution / { print $4; exit }' out)
    [[ -n $number ]] || fail "no failing execution number"
    grep -Eq "^  execution +$number " out || fail "the crash is not reported as execution $number"
    grep -q 'killed by signal 6' out || fail "the crash report does not say how the worker died"
    grep -q '^seeded bug found' out || fail "a crash in a scenario expecting one is not the seeded bug found"
    python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["failure"]; assert f["kind"] == "crash" and f["execution"] == int(sys.argv[2]) and f["steps"] is None, f' crash.json "$number" ||
      fail "the JSON summary does not describe the crash"
    last=$(tail -n 1 out)
    [[ $last == "$USER_PROGRAM explore "*" --jobs 1" ]] || fail "the crash's last line is not an explore in one worker: $last"
    bash -c "$last" >out2 2>err2
    [[ $? -eq 1 ]] || { cat out2 err2 >&2; fail "the crash's reproduction did not exit 1"; }
    grep -q '^FAILED: crash in scenario' out2 || { cat out2 >&2; fail "the reproduction is not a crash"; }
    grep -Eq "^  execution +$number " out2 || fail "the reproduction crashed in another execution"
    ;;
  timeout-and-exception)
    # Code that never reaches a scheduling point is stopped by the execution timeout, in process (the watchdog
    # prints the report and ends the process) and in worker processes (the worker is killed); the report names the
    # execution and seed, the JSON file is whole, and the last line reproduces it.
    for jobs in "--jobs 0" "--jobs 2"; do
      # shellcheck disable=SC2086
      run_cli 1 "$USER_PROGRAM" explore user-spins-forever --execution-timeout 0.5 $jobs --no-progress --json t.json
      cat out
      grep -q "^FAILED: timeout in scenario 'user-spins-forever'" out || fail "$jobs: not reported as timeout"
      grep -Eq "sim thread 1, let run at step [1-9][0-9]*, never reached another scheduling point" out ||
        fail "$jobs: the report does not name the thread and step"
      grep -Eq '^  execution +1 \(seed 0x[0-9a-f]{16}, strategy ' out || fail "$jobs: no execution and seed"
      python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["failure"]; assert f["kind"] == "timeout" and f["execution"] == 1, f' t.json ||
        fail "$jobs: the JSON summary does not describe the timeout"
      last=$(tail -n 1 out)
      [[ $last == *" --execution-timeout 0.5"* ]] || fail "$jobs: the last line lacks the timeout: $last"
      bash -c "$last" >out2 2>err2
      [[ $? -eq 1 ]] && grep -q "^FAILED: timeout" out2 || { cat out2 err2 >&2; fail "$jobs: the last line did not reproduce it"; }
    done
    # A write through a wild pointer (SIGSEGV) and exit(0) in the explored code: the failure `crash` of that
    # execution, in this process (the signal or exit handler reports it) and in workers; never a pass.
    for scenario in user-wild-write user-exits; do
      for jobs in "--jobs 0" "--jobs 2"; do
        # shellcheck disable=SC2086
        run_cli 1 "$USER_PROGRAM" explore $scenario $jobs --no-progress --json c.json
        grep -q "^FAILED: crash in scenario '$scenario'" out || { cat out >&2; fail "$scenario $jobs: not a crash"; }
        number=$(awk '/^failure in execution / { print $4; exit }' out)
        grep -Eq "^  execution +$number \(seed 0x[0-9a-f]{16}, " out || fail "$scenario $jobs: no execution and seed"
        python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["failure"]; assert f["kind"] == "crash" and f["execution"] == int(sys.argv[2]), f' c.json "$number" ||
          fail "$scenario $jobs: the JSON summary does not describe the crash"
        bash -c "$(tail -n 1 out)" >out2 2>err2
        [[ $? -eq 1 ]] && grep -Eq "^  execution +$number " out2 || { cat out2 err2 >&2; fail "$scenario $jobs: not reproduced"; }
      done
    done
    # Runaway allocation under a memory limit: the failure `out_of_memory` of that execution, in process and in
    # workers, reproduced by the last line (which carries the limit).
    for jobs in 0 2; do
      run_cli 1 "$USER_PROGRAM" explore user-runaway-memory --max-rss-mb 300 --jobs $jobs --no-progress --json m.json
      grep -q "^FAILED: out_of_memory in scenario 'user-runaway-memory'" out || { cat out >&2; fail "--jobs $jobs: not out_of_memory"; }
      grep -Eq '^  execution +[0-9]+ \(seed 0x[0-9a-f]{16}, ' out || fail "--jobs $jobs: no execution and seed"
      python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["failure"]; assert f["kind"] == "out_of_memory", f' m.json ||
        fail "--jobs $jobs: the JSON summary does not describe it"
      last=$(tail -n 1 out)
      [[ $last == *" --max-rss-mb 300" ]] || fail "--jobs $jobs: the last line lacks the limit: $last"
      bash -c "$last" >out2 2>err2
      [[ $? -eq 1 ]] && grep -q "^FAILED: out_of_memory" out2 || { cat out2 err2 >&2; fail "--jobs $jobs: not reproduced"; }
    done
    # A sim thread's stack overflowing: the failure `stack_overflow`, the same in every run (a guard page), in process
    # and in workers; its schedule records a stack size that is not the default, and a larger stack passes.
    for jobs in 0 2; do
      run_cli 1 "$USER_PROGRAM" explore user-deep-recursion --jobs $jobs --no-progress
      grep -q "^    stack overflow in sim thread 1: its stack is 256 KiB" out || { cat out >&2; fail "--jobs $jobs: no overflow"; }
      grep -Eq '^  execution +1 \(seed 0x[0-9a-f]{16}, ' out || fail "--jobs $jobs: no execution and seed"
      hash=$(hash_of out)
      bash -c "$(tail -n 1 out)" >out2 2>err2
      [[ $? -eq 1 && $(hash_of out2) == "$hash" ]] || { cat out2 err2 >&2; fail "--jobs $jobs: the overflow's replay differs"; }
    done
    run_cli 1 "$USER_PROGRAM" run user-deep-recursion --seed 1 --stack-kib 128 --save-schedule small.json
    grep -q '"stack_bytes": "131072"' small.json || fail "the schedule does not record the stack size"
    grep -q -- "--stack-kib 128" out || fail "the run line does not carry --stack-kib 128"
    run_cli 1 "$USER_PROGRAM" replay small.json
    grep -q "its stack is 128 KiB" out || { cat out >&2; fail "the replay did not use the recorded stack size"; }
    run_cli 0 "$USER_PROGRAM" explore user-deep-recursion --stack-kib 512 --schedules 20 --no-progress
    # A scenario's own run options (COROSIM_SCENARIO_RUN_OPTIONS) give it the stack it needs; the command overrides.
    run_cli 0 "$USER_PROGRAM" explore user-deep-recursion-roomy --schedules 20 --no-progress
    run_cli 1 "$USER_PROGRAM" explore user-deep-recursion-roomy --stack-kib 128 --schedules 20 --no-progress
    expect_one_line_error explore user-counter-locked --stack-kib 4
    # An exception escaping a thread: the failure `exception`, named, with a schedule that replays it.
    for jobs in 0 2; do
      run_cli 1 "$USER_PROGRAM" explore user-throws --jobs $jobs --no-progress
      grep -q "^FAILED: exception in scenario 'user-throws'" out || { cat out >&2; fail "--jobs $jobs: not an exception"; }
      grep -Eq '^  execution +1 \(seed 0x[0-9a-f]{16}, ' out || fail "--jobs $jobs: no execution and seed"
      grep -q 'an exception escaped sim thread 1: std::runtime_error: the thread gave up' out ||
        { cat out >&2; fail "--jobs $jobs: the exception is not named"; }
      hash=$(hash_of out)
      bash -c "$(tail -n 1 out)" >out2 2>err2
      [[ $? -eq 1 && $(hash_of out2) == "$hash" ]] || { cat out2 err2 >&2; fail "--jobs $jobs: the replay differs"; }
    done
    ;;
  signals)
    # SIGINT / SIGTERM to the explorer (its PID, or its whole process group as a terminal's Ctrl-C does): a summary,
    # whole report files saying so, exit 128 + signal, and no worker left running.
    PASS=$(first_scenario pass)
    command -v pgrep >/dev/null && command -v setsid >/dev/null || fail "pgrep and setsid are needed (procps, util-linux)"
    for jobs in 0 2; do
      for target in pid group; do
        for sig in INT TERM; do
          setsid "$COROSIM" explore "$PASS" --schedules 1000000000 --jobs $jobs --no-progress --json s.json \
            --junit s.xml >out 2>err &
          pid=$!
          sleep 1
          if [[ $target == pid ]]; then kill -$sig $pid; else kill -$sig -- -$pid; fi
          wait $pid
          status=$?
          want=$(( 128 + $(kill -l $sig) ))
          [[ $status -eq $want ]] || { cat out err >&2; fail "--jobs $jobs, SIG$sig to the $target: exit $status, not $want"; }
          grep -q "^interrupted by SIG$sig after [0-9]* executions: no failure so far" out ||
            { cat out >&2; fail "--jobs $jobs, SIG$sig: no summary"; }
          python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["interrupted"] == "SIG" + sys.argv[2] and d["executions"] > 0, d' s.json $sig ||
            fail "--jobs $jobs, SIG$sig: the JSON file does not say it was interrupted"
          python3 -c 'import sys, xml.etree.ElementTree as ET; r=ET.parse(sys.argv[1]).getroot(); assert r.find("testsuite/testcase/error").get("type") == "interrupted"' s.xml ||
            fail "--jobs $jobs, SIG$sig: the JUnit file does not say it was interrupted"
          sleep 0.2
          ! pgrep -s $pid >/dev/null || { pgrep -a -s $pid >&2; fail "--jobs $jobs, SIG$sig: processes left behind"; }
        done
      done
    done
    ;;
  user-program)
    # The command over a user's own scenarios: listed, run, explored, found, replayed from the report's last line.
    run_cli 0 "$USER_PROGRAM" list
    [[ $(awk '{ print $1 }' out | tr '\n' ' ') == "user-counter-crashes user-counter-locked user-counter-racy user-counter-versions user-deep-recursion user-deep-recursion-roomy user-exits user-runaway-memory user-spins-forever user-throws user-wild-write " ]] ||
      { cat out >&2; fail "list does not show exactly the program's scenarios"; }
    run_cli 0 "$USER_PROGRAM" explore user-counter-locked --strategy dfs --schedules 100000 --no-progress
    grep -q 'space exhausted after' out || { cat out >&2; fail "dfs did not exhaust the locked counter"; }
    run_cli 0 "$USER_PROGRAM" explore user-counter-locked --schedules 200 --jobs 2 --no-progress
    run_cli 1 "$USER_PROGRAM" explore user-counter-racy --schedules 1000 --no-progress
    grep -q '^seeded bug found' out || { cat out >&2; fail "the racy counter's lost update was not found"; }
    hash=$(hash_of out)
    last=$(tail -n 1 out)
    [[ $last == "$USER_PROGRAM replay "* ]] || fail "the last line is not the program's replay command: $last"
    bash -c "$last" >out2 2>err2
    [[ $? -eq 1 ]] || { cat out2 err2 >&2; fail "the reproduction did not exit 1"; }
    [[ $(hash_of out2) == "$hash" ]] || fail "the reproduction's trace hash $(hash_of out2) differs from $hash"
    # The built-in command does not know the user's scenario: one line, naming it.
    expect_one_line_error replay corosim-user-counter-racy-0x*.schedule.json
    grep -q "user-counter-racy" err || fail "the refusal does not name the scenario"
    # Bad input on the new doors: an unknown scenario, a program registering one name twice.
    run_cli 2 "$USER_PROGRAM" run no-such-scenario --seed 1
    [[ $(wc -l <err) -eq 1 ]] && grep -q "^corosim: unknown scenario 'no-such-scenario'" err ||
      { cat err >&2; fail "unknown scenario in a user program: not one line"; }
    for command in list "run user-counter-locked --seed 1" "explore user-counter-locked"; do
      run_cli 2 "$DUPLICATE_PROGRAM" $command
      [[ $(wc -l <err) -eq 1 ]] && grep -q "^corosim: scenario 'user-counter-locked' is registered twice: .*user_program.cpp:[0-9]* and .*user_program.cpp:[0-9]* (and 2 more registration problems)$" err ||
        { cat err >&2; fail "duplicate names, $command: not one line naming both places"; }
    done
    ;;
  json-junit)
    BUG=$(first_scenario bug)
    run_cli 1 explore "$BUG" --schedules 100000 --no-progress --json summary.json --junit junit.xml
    last=$(tail -n 1 out)
    kind=$("$COROSIM" list | awk -v s="$BUG" '$1 == s { print $3; exit }')
    python3 - summary.json "$BUG" "$kind" "$last" "$(hash_of out)" <<'PY' || fail "the JSON summary is not what the report says"
import json, sys
path, scenario, kind, last, trace_hash = sys.argv[1:]
d = json.load(open(path))
assert d["format"] == "corosim-explore" and d["scenario"] == scenario, d
f = d["failure"]
assert f["kind"] == kind, (f["kind"], kind)
assert f["reproduce"] == last and f["commands"][-1] == last, (f["reproduce"], last)
assert f["trace_hash"] == trace_hash and f["schedule_file"], f
assert d["executions"] == f["execution"], d
PY
    python3 - junit.xml "$BUG" <<'PY' || fail "the JUnit XML does not hold one failing testcase"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = root.findall("testsuite")
assert len(suites) == 1 and suites[0].get("name") == sys.argv[2]
cases = suites[0].findall("testcase")
assert len(cases) == 1 and cases[0].get("name") == "explore " + sys.argv[2]
failure = cases[0].find("failure")
assert failure is not None and failure.text.startswith("FAILED: ")
PY
    PASS=$(first_scenario pass)
    run_cli 0 explore "$PASS" --schedules 20 --no-progress --json pass.json --junit pass.xml
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["failure"] is None and d["executions"] == 20, d' pass.json ||
      fail "a passing exploration's JSON summary"
    python3 -c 'import sys, xml.etree.ElementTree as ET; r=ET.parse(sys.argv[1]).getroot(); assert r.find("testsuite/testcase") is not None and r.find("testsuite/testcase/failure") is None' pass.xml ||
      fail "a passing exploration's JUnit XML has a failure"
    ;;
  html)
    BUG=$(first_scenario bug)
    run_cli 1 explore "$BUG" --schedules 100000 --no-progress --html failure.html
    grep -q '<html' failure.html || fail "--html wrote no HTML"
    # The start of the failure message, up to its first character that HTML escapes (quotes, brackets, &).
    words=$(awk '/^  message:/ { getline; print; exit }' out | sed 's/^ *//; s/[^A-Za-z0-9 :,.()-].*//' | cut -d' ' -f1-4)
    [[ ${#words} -ge 3 ]] || fail "the report has no message (or it starts with markup)"
    grep -qF -- "$words" failure.html || fail "the HTML lacks the failure message '$words'"
    grep -q '<table class="timeline">' failure.html || fail "the HTML has no timeline"
    ! grep -Eq '(src|href)="[^#]' failure.html || fail "the HTML refers to external resources"
    # replay --trace html|json: to a file, and (json) on stdout as the only output there.
    SCHEDULE=$(ls corosim-"$BUG"-0x*.schedule.json | head -n 1)
    run_cli 1 replay "$SCHEDULE" --trace html -o replay.html
    grep -qF -- "$words" replay.html || fail "replay --trace html lacks the failure message"
    run_cli 1 replay "$SCHEDULE" --trace json
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["events"]; assert e and set(e[0]) == {"kind","step","thread","coroutine","op","object","now_ns","text","value","site","call","user"} and d["steps"] > 0, d' out ||
      fail "replay --trace json on stdout is not a trace document"
    grep -q '^FAILED: ' err || fail "replay --trace json: the report did not go to stderr"
    PASS=$(first_scenario pass)
    run_cli 0 explore "$PASS" --schedules 5 --no-progress --html pass.html
    grep -q 'no failure in 5 executions' pass.html || fail "a passing exploration's HTML page"
    ;;
  bad-values)
    PASS=$(first_scenario pass)
    expect_one_line_error explore "$PASS" --shard 2/2
    expect_one_line_error explore "$PASS" --shard x
    expect_one_line_error explore "$PASS" --shard 1/0
    expect_one_line_error explore "$PASS" --strategy dfs --shard 0/2
    expect_one_line_error explore "$PASS" --strategy dfs --jobs 2
    expect_one_line_error explore "$PASS" --strategy ipb --shard 0/2
    expect_one_line_error explore "$PASS" --strategy idb --jobs 2
    expect_one_line_error explore "$PASS" --json no-such-dir/summary.json
    GTEST_SHARD_INDEX=3 GTEST_TOTAL_SHARDS=3 expect_one_line_error explore "$PASS"
    GTEST_SHARD_INDEX=0 GTEST_TOTAL_SHARDS=3 GTEST_SHARD_STATUS_FILE=no-such-dir/status \
      expect_one_line_error explore "$PASS" --schedules 3
    expect_one_line_error replay whatever.json --trace xml
    # Numbers are read strictly: no sign, no wrap-around, no exponent, no NaN, nothing past the range.
    for bad in "--schedules -1" "--schedules 18446744073709551616" "--schedules 1e3" "--schedules 0x10" \
               "--max-steps -18446744073709551615" "--max-steps 0" "--jobs -2" "--jobs 1025" "--time nan" \
               "--time -1" "--time inf" "--time 1e9" "--time 2000000000" "--shard -1/2" \
               "--seed 1234567890123456789012345678901234567890"; do
      # shellcheck disable=SC2086
      expect_one_line_error explore "$PASS" $bad
    done
    # A seed or a name of any length is quoted as an excerpt, not echoed whole.
    expect_one_line_error explore "$PASS" --seed "$(head -c 100000 /dev/zero | tr '\0' 9)"
    (( $(wc -c <err) < 400 )) || fail "a 100,000-digit seed is echoed whole ($(wc -c <err) bytes)"
    expect_one_line_error run "$(head -c 100000 /dev/zero | tr '\0' x)" --seed 1
    (( $(wc -c <err) < 400 )) || fail "a 100,000-byte scenario name is echoed whole ($(wc -c <err) bytes)"
    # Write errors are one line and exit 2, never a silent success: stdout, report files, the schedule's place.
    "$COROSIM" list >/dev/full 2>err
    [[ $? -eq 2 && $(wc -l <err) -eq 1 ]] && grep -q '^corosim: cannot write to standard output: No space left' err ||
      { cat err >&2; fail "list > /dev/full"; }
    expect_one_line_error explore "$PASS" --schedules 3 --no-progress --json /dev/full
    expect_one_line_error explore "$PASS" --save-schedule no-such-dir/f.json
    expect_one_line_error run "$PASS" --seed 1 --save-schedule .
    # More workers than executions: only as many are forked.
    run_cli 0 explore "$PASS" --schedules 3 --jobs 1024 --no-progress
    grep -q 'up to 3 executions, 3 worker processes' out || { cat out >&2; fail "--jobs 1024 --schedules 3"; }
    ;;
  *)
    fail "unknown case"
    ;;
esac
echo "PASS [$CASE]"
