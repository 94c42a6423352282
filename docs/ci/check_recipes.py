#!/usr/bin/env python3
"""Runs the sharded-gate recipes of docs/ci/ the way their engines would, with the built `corosim` standing in
for the user's program, and checks that each one's merged verdict is the unsharded gate's.

    check_recipes.py COROSIM DOCS_CI_DIR

For each recipe the shard command is taken from the file itself (the Job's container args, the sbatch script's
exec line, the workflow's gate step), the engine's variables are set as the engine sets them (Kubernetes:
JOB_COMPLETION_INDEX and the Job's env; Slurm: SLURM_ARRAY_TASK_ID/_MIN/_COUNT from --array; the matrix:
COROSIM_SHARD from its shard list), and the recipe's merge command is run on the summaries. Paths in the recipes
are moved into a scratch directory; the gate config is a small one of the built-in scenarios.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

import yaml

COROSIM, DOCS = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
PROGRAMS = ("my_corosim_tests", "./build/default/my_corosim_tests")


def run(command, env, cwd):
    words = [COROSIM if w in PROGRAMS else w for w in shlex.split(command)]
    done = subprocess.run(words, env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"FAIL: {' '.join(words)} exited {done.returncode}\n{done.stdout}{done.stderr}")
    return done.stdout


def gate_config(cwd):
    listing = subprocess.run([COROSIM, "list"], capture_output=True, text=True, check=True).stdout.split("\n")
    passing = next(line.split()[0] for line in listing if line.split()[1:2] == ["pass"])
    bug = next(line.split()[0] for line in listing if line.split()[1:2] == ["bug:"])
    os.makedirs(f"{cwd}/ci", exist_ok=True)
    config = {"runs": [{"scenario": passing, "strategy": "random", "schedules": 200},
                       {"scenario": bug, "strategy": "random", "schedules": 20000}]}
    json.dump(config, open(f"{cwd}/ci/gate.json", "w"))
    for where in ("src/ci", "results"):
        os.makedirs(f"{cwd}/{where}", exist_ok=True)
    json.dump(config, open(f"{cwd}/src/ci/gate.json", "w"))


def localize(command, cwd):
    return command.replace("/src/", f"{cwd}/src/").replace("/results/", f"{cwd}/results/")


def same_as_unsharded(merged_json, cwd):
    run(f"my_corosim_tests ci --config {cwd}/ci/gate.json --json {cwd}/whole.json", {}, cwd)
    whole, merged = json.load(open(f"{cwd}/whole.json")), json.load(open(merged_json))
    assert whole["gate"] == merged["gate"] == "holds", (whole["gate"], merged["gate"])
    for w, m in zip(whole["runs"], merged["runs"], strict=True):
        wf, mf = w["failure"], m["failure"]
        assert w["verdict"] == m["verdict"] and (wf or {}).get("execution") == (mf or {}).get("execution"), (w, m)


def kubernetes(cwd):
    job = yaml.safe_load(open(f"{DOCS}/kubernetes-indexed-job.yaml"))
    assert job["spec"]["completionMode"] == "Indexed"
    count = job["spec"]["completions"]
    container = job["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["COROSIM_SHARD_COUNT"] == str(count)
    for index in range(count):
        command = localize(container["args"][0].replace("$JOB_COMPLETION_INDEX", str(index)), cwd)
        run(command, {**env, "JOB_COMPLETION_INDEX": str(index)}, cwd)
    merge = re.search(r"(corosim ci --merge [^\n]*\\\n[^\n]*)", open(f"{DOCS}/kubernetes-indexed-job.yaml").read())
    merge_command = localize(merge.group(1).replace("#", "").replace("\\\n", " "), cwd).replace("corosim ", "my_corosim_tests ", 1)
    run(merge_command + f" --json {cwd}/merged.json", {}, cwd)
    same_as_unsharded(f"{cwd}/merged.json", cwd)


def slurm(cwd):
    script = open(f"{DOCS}/slurm-array.sbatch").read()
    first, last = map(int, re.search(r"#SBATCH --array=(\d+)-(\d+)", script).groups())
    command = re.search(r"exec (.*?)\n(?!  )", script, re.S).group(1).replace("\\\n", " ")
    for task in range(first, last + 1):
        env = {"SLURM_ARRAY_TASK_ID": str(task), "SLURM_ARRAY_TASK_MIN": str(first),
               "SLURM_ARRAY_TASK_COUNT": str(last - first + 1)}
        run(command.replace('"$SLURM_ARRAY_TASK_ID"', str(task)).replace("$SLURM_ARRAY_TASK_ID", str(task)), env, cwd)
    files = " ".join(f"results/shard-{task}.json" for task in range(first, last + 1))
    run(f"my_corosim_tests ci --merge {files} --json merged-slurm.json", {}, cwd)
    same_as_unsharded(f"{cwd}/merged-slurm.json", cwd)


def matrix(cwd):
    workflow = yaml.safe_load(open(f"{DOCS}/github-actions.yml"))
    shard_job, merge_job = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    shards = shard_job["strategy"]["matrix"]["shard"]
    step = next(s for s in shard_job["steps"] if "env" in s and "COROSIM_SHARD" in s["env"])
    for shard in shards:
        expand = lambda text: text.replace("${{ matrix.shard }}", str(shard))
        run(expand(step["run"]), {"COROSIM_SHARD": expand(step["env"]["COROSIM_SHARD"])}, cwd)
    merge = next(s["run"] for s in merge_job["steps"] if "--merge" in s.get("run", ""))
    run(merge + " --json merged-matrix.json", {}, cwd)
    same_as_unsharded(f"{cwd}/merged-matrix.json", cwd)


for recipe in (kubernetes, slurm, matrix):
    with tempfile.TemporaryDirectory() as cwd:
        gate_config(cwd)
        recipe(cwd)
        print(f"ok: {recipe.__name__}: the recipe's shards, merged, give the unsharded verdict and failing execution")
