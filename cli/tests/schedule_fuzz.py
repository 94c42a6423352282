#!/usr/bin/env python3
"""Fuzzes `corosim replay` with damaged schedule files.

    schedule_fuzz.py COROSIM [MUTANTS]

A schedule file is made by exploring a seeded-bug scenario until it fails; then MUTANTS (default 400) damaged
copies are generated from a fixed seed: truncations, bit flips, bytes cut out, values of the wrong type, numbers at
the edges, deep nesting, huge arrays and strings, duplicated or missing members, decisions edited; special files
(a FIFO, a directory, /dev/zero, a missing file) come on top. Each is replayed under a time limit. Acceptable
outcomes only:
  - exit 2 with exactly one line on stderr, starting "corosim: " (refused), or
  - exit 1 with the original trace hash (the damage did not change the run: white space, member order, ...).
A crash (a signal, exit 3, a sanitizer report), a hang, exit 0, or a refusal of more than one line fails the test;
the mutant is kept in the working directory to reproduce it. The run ends with a count per outcome.
"""

import json
import os
import random
import subprocess
import sys
import tempfile

TIMEOUT_S = 60  # a refusal takes milliseconds; this only catches hangs (sanitizer builds are slow)


def explore_bug(corosim, work):
    listing = subprocess.run([corosim, "list"], capture_output=True, text=True, check=True).stdout
    bug = next(line.split()[0] for line in listing.splitlines() if line.split()[1] == "bug:")
    subprocess.run([corosim, "explore", bug, "--schedules", "100000", "--no-progress", "--save-schedule",
                    "original.json"], cwd=work, capture_output=True, text=True)
    path = os.path.join(work, "original.json")
    if not os.path.exists(path):
        sys.exit("schedule_fuzz: exploring %s saved no schedule" % bug)
    return path


def trace_hash(stdout):
    for line in stdout.splitlines():
        words = line.split()
        if words[:2] == ["trace", "hash"]:
            return words[2]
    return None


def deep(levels):
    return "[" * levels + "]" * levels


def structural_mutants(doc, rng):
    """Mutants of the parsed document: one member changed, dropped, doubled or replaced."""
    wrong_values = [None, True, -1, 0, 1.5, 2**64, -2**63, "", "x" * 100000, [], {}, [[]] * 1000,
                    "0x" + "f" * 17, "18446744073709551616", "\u0000", "\ud7ff", list(range(200000))]
    for key in list(doc):
        for value in rng.sample(wrong_values, 6):
            mutant = dict(doc)
            mutant[key] = value
            yield json.dumps(mutant)
        mutant = dict(doc)
        del mutant[key]
        yield json.dumps(mutant)
    for key in ("scenario", "strategy"):
        for member in ("name", "parameters"):
            for value in rng.sample(wrong_values, 4):
                mutant = json.loads(json.dumps(doc))
                mutant[key][member] = value
                yield json.dumps(mutant)
    decisions = doc["decisions"]
    for edit in range(40):
        mutant = json.loads(json.dumps(doc))
        i = rng.randrange(len(decisions))
        mutant["decisions"][i] = rng.choice([["t", 99], ["t", -1], ["n", 2**64], ["x", 0], ["t"], [], "t", 7,
                                             ["t", 1, 2], ["n", 1.5], ["t", "1"], None])
        yield json.dumps(mutant)
    yield json.dumps(dict(doc, decisions=decisions * 20000))  # far more decisions than the run takes
    yield json.dumps(dict(doc, decisions=decisions[: len(decisions) // 2]))
    yield json.dumps(dict(doc, decisions=[]))
    # Deep nesting in a member's place, the value a refusal would quote (text-built: Python's json would recurse).
    for key in ("seed", "version", "trace_hash", "scenario", "decisions", "extra"):
        for levels in (17, 70000, 300000):
            yield json.dumps(dict(doc, **{key: "@DEEP@"})).replace('"@DEEP@"', deep(levels))
    yield json.dumps(doc, indent=7, sort_keys=True)  # the same schedule, laid out differently: replays
    yield json.dumps(doc)[:-1] + ', "format": "corosim-schedule"}'  # a duplicated member


def byte_mutants(text, rng, count):
    """Mutants of the file's bytes."""
    data = text.encode()
    for _ in range(count):
        kind = rng.randrange(5)
        b = bytearray(data)
        if kind == 0:
            yield bytes(b[: rng.randrange(len(b))])
        elif kind == 1:
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(b))
                b[i] ^= 1 << rng.randrange(8)
            yield bytes(b)
        elif kind == 2:
            i = rng.randrange(len(b))
            yield bytes(b[:i] + b[i + rng.randint(1, 40):])
        elif kind == 3:
            i = rng.randrange(len(b))
            yield bytes(b[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + b[i:])
        else:
            i = rng.randrange(len(b))
            yield bytes(b[:i] + deep(rng.choice([20, 1000, 200000])).encode() + b[i:])
    yield b""
    yield deep(300000).encode()
    yield b"\xff\xfe\x00\x00" * 1000
    yield ('{"format": "corosim-schedule", "version": 1, "decisions": [' + ",".join(['["t",0]'] * 500000) +
           "]}").encode()


def replay(corosim, path, work):
    try:
        r = subprocess.run([corosim, "replay", path], cwd=work, capture_output=True, text=True,
                           errors="replace", timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "hang", None, ""
    return r.returncode, trace_hash(r.stdout), r.stderr


def main():
    corosim = os.path.abspath(sys.argv[1])
    mutants = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    work = tempfile.mkdtemp(prefix="corosim-schedule-fuzz-")
    original = explore_bug(corosim, work)
    text = open(original).read()
    status, expected_hash, _ = replay(corosim, original, work)
    if status != 1 or not expected_hash:
        sys.exit("schedule_fuzz: the original schedule did not replay as a failure (exit %s)" % status)

    rng = random.Random(20261202)
    cases = [m.encode() for m in structural_mutants(json.loads(text), rng)]
    cases += list(byte_mutants(text, rng, max(mutants - len(cases), 50)))
    paths = []
    for i, data in enumerate(cases):
        path = os.path.join(work, "mutant-%04d.json" % i)
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    fifo = os.path.join(work, "a-fifo")
    os.mkfifo(fifo)
    paths += [fifo, work, "/dev/zero", os.path.join(work, "missing.json")]

    outcomes = {"refused": 0, "replayed": 0}
    bad = []
    for path in paths:
        status, got_hash, stderr = replay(corosim, path, work)
        lines = stderr.splitlines()
        if status == 2 and len(lines) == 1 and lines[0].startswith("corosim: "):
            outcomes["refused"] += 1
        elif status == 1 and got_hash == expected_hash:
            outcomes["replayed"] += 1
        else:
            bad.append((path, status, len(lines), stderr[:300]))
    print("schedule_fuzz: %d damaged files: %d refused in one line, %d replayed the same run"
          % (len(paths), outcomes["refused"], outcomes["replayed"]))
    for path, status, lines, stderr in bad[:20]:
        print("FAIL: %s: exit %s, %d stderr lines: %s" % (path, status, lines, stderr.strip()))
    if bad:
        print("schedule_fuzz: %d unacceptable outcomes; mutants kept in %s" % (len(bad), work))
        sys.exit(1)
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
