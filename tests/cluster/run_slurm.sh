#!/usr/bin/env bash
# Cluster test: run the rgml workflow on a real single-node SLURM cluster through
# `--profile profiles/slurm`, and check that it gives bitwise the same arrays as a local run.
#
# Usage (as root, on Debian without systemd; about a minute, plus apt-get on first use):
#   tests/cluster/run_slurm.sh [--selftest] [--keep] [CONFIG [CORES]]
#
#   CONFIG      tiny workflow config (default: $RGML_SLURM_CONFIG, else tests/workflow/tiny.yaml)
#   CORES       cores for the local run and the per-job thread cap (default: $RGML_SLURM_CORES,
#               else 2); at most the node's CPU count
#   --selftest  run a throwaway workflow (3 CPU jobs, 1 GPU job, 1 summary) instead of the
#               project: checks the cluster, the profile and this harness without rgml
#   --keep      keep the temp directory (configs, logs, outputs) for inspection
#
# Environment: RGML_SLURM_STEP_TIMEOUT (seconds per snakemake run, default 2400: the tiny run is 54 jobs);
# RGML_SLURM_EXPECT_GPU_JOBS (how many SLURM jobs must request a GPU: a number, or `any`;
# default 0 when the config's backend is numpy, else `any`).
#
# Steps: install slurm-wlm + munge with apt-get (skipped when present); write slurm.conf and
# gres.conf (one fake GPU) into a private temp dir; start munged, slurmctld and slurmd by hand
# and wait for the node to be idle; dry-run the profile with account and partition overridden
# on the command line; run the workflow through SLURM; check the jobs went through SLURM and
# which requested GPUs; run it locally; compare `rgml checksum` of both result trees. An EXIT
# trap cancels jobs, stops every process it started, by PID, and removes the temp dir.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SELFTEST=0
KEEP=0
POSITIONAL=()
for arg in "$@"; do
    case $arg in
        --selftest) SELFTEST=1 ;;
        --keep) KEEP=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "run_slurm.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
        *) POSITIONAL+=("$arg") ;;
    esac
done
CONFIG=${POSITIONAL[0]:-${RGML_SLURM_CONFIG:-$REPO/tests/workflow/tiny.yaml}}
CORES=${POSITIONAL[1]:-${RGML_SLURM_CORES:-2}}
STEP_TIMEOUT=${RGML_SLURM_STEP_TIMEOUT:-2400}
PROFILE=$REPO/profiles/slurm

# ---------------------------------------------------------------------------------------------
# bookkeeping: steps, summary, teardown
# ---------------------------------------------------------------------------------------------
STEP="start"
PASSED=()
FAIL_REASON=""
TMP=""
TAG=""
MUNGED_PID=""
SLURMCTLD_PID=""
SLURMD_PID=""
RUN_PID=""
POLICY_RC_CREATED=0

log() { printf '[run_slurm %4ds] %s\n' "$SECONDS" "$*"; }
step() { STEP=$1; log "== $1"; }
pass() { PASSED+=("$STEP${1:+: $1}"); log "ok: $STEP${1:+: $1}"; }
fail() { FAIL_REASON="$STEP: $*"; exit 1; }

alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

# Stop one process: SIGTERM, up to $2 seconds of grace, then SIGKILL.
stop_pid() {
    local pid=$1 grace=${2:-10} i
    alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 5; i++)); do alive "$pid" || return 0; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
}

# PIDs of processes started by this run: the daemons, slurmstepd and the job processes all
# inherit RGML_SLURM_HARNESS=<temp dir> from the commands below, and nothing else carries it.
tagged_pids() {
    local env_file pid
    [[ -n $TAG ]] || return 0
    for env_file in /proc/[0-9]*/environ; do
        pid=${env_file#/proc/}; pid=${pid%/environ}
        [[ $pid == "$$" ]] && continue
        if { tr '\0' '\n' <"$env_file"; } 2>/dev/null | grep -qxF "$TAG"; then echo "$pid"; fi
    done
}

dump_file() {
    local f=$1 n=${2:-60}
    [[ -s $f ]] || return 0
    echo "----- $f (last $n lines) -----"
    tail -n "$n" "$f"
}

dump_logs() {
    [[ -n $TMP && -d $TMP ]] || return 0
    echo "================ logs for the failed run ================"
    dump_file "$TMP/log/slurmctld.log" 80
    dump_file "$TMP/log/slurmd.log" 80
    dump_file "$TMP/log/munged.log" 20
    local f
    for f in "$TMP"/log/*.out; do dump_file "$f" 80; done
    # job logs (SLURM stdout/stderr) and rule logs, newest first
    while IFS= read -r f; do dump_file "$f" 40; done < <(
        find "$TMP/work" -name '*.log' -type f -not -path '*/.snakemake/log/*' \
            -printf '%T@ %p\n' 2>/dev/null | sort -rn | head -n 12 | cut -d' ' -f2-)
}

cleanup() {
    local rc=$?
    set +e
    trap - INT TERM
    # 1. the snakemake run in flight (it cancels its own jobs on SIGTERM)
    stop_pid "$RUN_PID" 30
    # 2. whatever is still queued or running
    if alive "$SLURMCTLD_PID"; then
        local jobs
        jobs=$(squeue -h -o %i -t PENDING,RUNNING,COMPLETING 2>/dev/null | tr '\n' ' ')
        if [[ -n ${jobs// /} ]]; then
            log "cancelling SLURM jobs: $jobs"
            # shellcheck disable=SC2086  # one id per word
            scancel $jobs 2>/dev/null
            for _ in $(seq 1 30); do
                [[ -z $(squeue -h -o %i -t RUNNING,COMPLETING 2>/dev/null) ]] && break
                sleep 0.5
            done
        fi
    fi
    if [[ $rc -ne 0 ]]; then dump_logs; fi
    # 3. job processes and slurmstepd, then the daemons, then any straggler
    local pid
    for pid in $(tagged_pids); do
        [[ $pid == "$SLURMD_PID" || $pid == "$SLURMCTLD_PID" || $pid == "$MUNGED_PID" ]] && continue
        kill -TERM "$pid" 2>/dev/null
    done
    stop_pid "$SLURMD_PID" 15
    stop_pid "$SLURMCTLD_PID" 15
    stop_pid "$MUNGED_PID" 10
    for pid in $(tagged_pids); do kill -KILL "$pid" 2>/dev/null; done
    if [[ $POLICY_RC_CREATED -eq 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
    if [[ -n $TMP && -d $TMP ]]; then
        if [[ $KEEP -eq 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    fi
    echo "================ run_slurm.sh summary (${SECONDS}s) ================"
    local p
    for p in "${PASSED[@]}"; do echo "PASS  $p"; done
    if [[ $rc -eq 0 ]]; then
        echo "PASS: SLURM cluster test ($((${#PASSED[@]})) checks, ${SECONDS}s)"
    else
        echo "FAIL  ${FAIL_REASON:-$STEP: exited with status $rc}"
        echo "FAIL: SLURM cluster test"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'FAIL_REASON="$STEP: interrupted"; exit 130' INT
trap 'FAIL_REASON="$STEP: terminated"; exit 143' TERM

# Run a command in directory $2, in the background, tagged and under `timeout`, so that the
# traps can stop it; its output goes to $TMP/log/$1.out.
run_bg() {
    local name=$1 dir=$2; shift 2
    (cd "$dir" && exec env "$TAG" PATH="$TMP/bin:$PATH" SLURM_CONF="$TMP/etc/slurm.conf" \
        timeout "$STEP_TIMEOUT" "$@") >"$TMP/log/$name.out" 2>&1 &
    RUN_PID=$!
    local rc=0
    wait "$RUN_PID" || rc=$?
    RUN_PID=""
    if [[ $rc -ne 0 ]]; then
        echo "----- $name.out (last 40 lines; exit status $rc) -----"
        tail -n 40 "$TMP/log/$name.out"
    fi
    return "$rc"
}

# ---------------------------------------------------------------------------------------------
# 1. packages
# ---------------------------------------------------------------------------------------------
step "preconditions"
[[ $EUID -eq 0 ]] || fail "run as root (the daemons run as root and write their state as root)"
[[ $CORES =~ ^[1-9][0-9]*$ ]] || fail "CORES must be a positive integer, got '$CORES'"
command -v snakemake >/dev/null || fail "snakemake is not on PATH (pip install -e '.[slurm]')"
python3 -c 'import snakemake_executor_plugin_slurm' 2>/dev/null ||
    fail "snakemake-executor-plugin-slurm is missing (pip install -e '.[slurm]')"
if [[ $SELFTEST -eq 0 ]]; then
    [[ -f $REPO/Snakefile ]] || fail "no Snakefile in $REPO (use --selftest to check the cluster alone)"
    [[ -f $CONFIG ]] || fail "tiny config $CONFIG not found (pass CONFIG or set RGML_SLURM_CONFIG)"
    CONFIG=$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")
fi
pass

step "install slurm-wlm and munge"
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null &&
    command -v munged >/dev/null && command -v mungekey >/dev/null; then
    pass "already installed ($(slurmctld -V))"
else
    # no systemd here: keep the packages' postinst scripts from starting system-wide daemons
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    apt_install() {
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            slurm-wlm munge >"$1" 2>&1
    }
    if ! apt_install /tmp/rgml-slurm-apt.log; then
        # stale or missing package lists: refresh them once and retry
        if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q >/tmp/rgml-slurm-apt.log 2>&1 &&
            apt_install /tmp/rgml-slurm-apt.log; }; then
            tail -n 30 /tmp/rgml-slurm-apt.log
            fail "apt-get install slurm-wlm munge failed"
        fi
    fi
    rm -f /tmp/rgml-slurm-apt.log
    if [[ $POLICY_RC_CREATED -eq 1 ]]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=0; fi
    pass "installed $(slurmctld -V)"
fi

# ---------------------------------------------------------------------------------------------
# 2. private configuration
# ---------------------------------------------------------------------------------------------
step "write slurm.conf"
TMP=$(mktemp -d /tmp/rgml-slurm.XXXXXX)
TAG="RGML_SLURM_HARNESS=$TMP"
chmod 755 "$TMP" # munged insists that every directory above its socket is executable by all
mkdir -p "$TMP"/{etc,state,spool,log,bin,work} "$TMP/munge"
chmod 711 "$TMP/munge"
NODE=$(hostname -s)
# `slurmd -C` prints this machine's topology and memory in slurm.conf syntax
HW=$(slurmd -C | head -n 1 | tr ' ' '\n' | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore|RealMemory)=' | tr '\n' ' ')
NODE_CPUS=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$HW")
[[ -n $NODE_CPUS ]] || fail "could not read the CPU count from 'slurmd -C'"
((CORES <= NODE_CPUS)) || fail "CORES=$CORES exceeds the node's $NODE_CPUS CPUs"
read -r CTLD_PORT SLURMD_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
cat >"$TMP/etc/slurm.conf" <<EOF
# single-node test cluster written by tests/cluster/run_slurm.sh
ClusterName=rgmltest
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$TMP/munge/munge.socket
StateSaveLocation=$TMP/state
SlurmdSpoolDir=$TMP/spool
SlurmctldPidFile=$TMP/slurmctld.pid
SlurmdPidFile=$TMP/slurmd.pid
SlurmctldLogFile=$TMP/log/slurmctld.log
SlurmdLogFile=$TMP/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# no cgroups in a container without systemd: track processes through /proc, no task binding
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# cores and memory are consumable, so jobs share the node by their --cpus-per-task and --mem
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
MpiDefault=none
SwitchType=switch/none
# no slurmdbd: sacct cannot answer, so the profile polls with squeue, which sees finished jobs
# for MinJobAge seconds
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=3600
ReturnToService=2
SchedulerType=sched/backfill
InactiveLimit=0
KillWait=5
# one fake GPU, so that rules with gpu=1 (sbatch --gpus=1) can be scheduled
GresTypes=gpu
NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$NODE ${HW}Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
# slurmd reads gres.conf next to slurm.conf; File= must be a character device
cat >"$TMP/etc/gres.conf" <<EOF
AutoDetect=off
NodeName=$NODE Name=gpu File=/dev/null
EOF
export SLURM_CONF=$TMP/etc/slurm.conf
# snakemake-executor-plugin-slurm-jobstep (0.6.1) strips every SLURM_* variable, SLURM_CONF
# included, before it calls srun inside the job; clusters keep their config at /etc/slurm, this
# one does not, so the jobs find srun through this shim that puts SLURM_CONF back.
cat >"$TMP/bin/srun" <<EOF
#!/bin/sh
SLURM_CONF=$SLURM_CONF exec $(command -v srun) "\$@"
EOF
chmod 755 "$TMP/bin/srun"
pass "node $NODE: ${HW}ports $CTLD_PORT/$SLURMD_PORT, dir $TMP"

# ---------------------------------------------------------------------------------------------
# 3. daemons
# ---------------------------------------------------------------------------------------------
step "start munged"
mungekey --create --keyfile="$TMP/munge/munge.key" >/dev/null 2>&1 || fail "mungekey --create failed"
env "$TAG" munged --foreground --key-file="$TMP/munge/munge.key" \
    --socket="$TMP/munge/munge.socket" --pid-file="$TMP/munge/munged.pid" \
    --seed-file="$TMP/munge/munged.seed" --log-file="$TMP/log/munged.log" \
    >"$TMP/log/munged.out" 2>&1 &
MUNGED_PID=$!
for _ in $(seq 1 50); do
    munge -n -S "$TMP/munge/munge.socket" 2>/dev/null | unmunge -S "$TMP/munge/munge.socket" \
        >/dev/null 2>&1 && break
    alive "$MUNGED_PID" || fail "munged exited (see $TMP/log/munged.out)"
    sleep 0.2
done
munge -n -S "$TMP/munge/munge.socket" | unmunge -S "$TMP/munge/munge.socket" >/dev/null ||
    fail "munge credentials do not round-trip"
pass "pid $MUNGED_PID"

step "start slurmctld"
env "$TAG" slurmctld -D -c -f "$SLURM_CONF" >"$TMP/log/slurmctld.out" 2>&1 &
SLURMCTLD_PID=$!
for _ in $(seq 1 60); do
    scontrol ping 2>/dev/null | grep -q 'is UP' && break
    alive "$SLURMCTLD_PID" || fail "slurmctld exited"
    sleep 0.5
done
scontrol ping | grep -q 'is UP' || fail "slurmctld does not answer 'scontrol ping'"
pass "pid $SLURMCTLD_PID"

step "start slurmd"
env "$TAG" slurmd -D -f "$SLURM_CONF" -N "$NODE" >"$TMP/log/slurmd.out" 2>&1 &
SLURMD_PID=$!
state=""
for _ in $(seq 1 120); do
    state=$(sinfo -h -N -n "$NODE" -o %T 2>/dev/null || true)
    [[ $state == idle ]] && break
    alive "$SLURMD_PID" || fail "slurmd exited"
    sleep 0.5
done
[[ $state == idle ]] || fail "node $NODE is '$state', not idle, after 60 s"
[[ $(sinfo -h -N -n "$NODE" -o %G) == *gpu:1* ]] || fail "node does not offer the fake gres gpu:1"
pass "pid $SLURMD_PID, node $NODE idle with gres gpu:1"

# ---------------------------------------------------------------------------------------------
# 4. the workflow under test
# ---------------------------------------------------------------------------------------------
# Each run gets its own copy of the workflow, run from its root as a user would: relative paths
# in the Snakefile (`configfile:`) resolve there, and snakemake picks up profiles/default (the
# workflow profile) next to profiles/slurm exactly as in a clone.
if [[ $SELFTEST -eq 1 ]]; then
    SOURCE=$TMP/selftest
    mkdir -p "$SOURCE/profiles"
    cp -r "$PROFILE" "$SOURCE/profiles/slurm"
    cat >"$SOURCE/Snakefile" <<'EOF'
# throwaway workflow of tests/cluster/run_slurm.sh --selftest: three CPU jobs, one GPU job
SEEDS = [1, 2, 3]

rule all:
    input: "results/summary.txt", "results/gpu.txt"

rule part:
    output: "results/part{seed}.txt"
    log: "logs/part{seed}.log"
    resources: mem_mb=200, runtime=5
    shell: "(echo SLURM_JOB_ID=${{SLURM_JOB_ID:-none}}; seq {wildcards.seed} 5) > {log}; seq {wildcards.seed} 5 > {output}"

rule gpu:
    output: "results/gpu.txt"
    log: "logs/gpu.log"
    resources: gpu=1, mem_mb=200, runtime=5
    shell: "echo CUDA_VISIBLE_DEVICES=${{CUDA_VISIBLE_DEVICES:-unset}} > {log}; echo gpu rule > {output}"

rule summary:
    input: expand("results/part{seed}.txt", seed=SEEDS)
    output: "results/summary.txt"
    log: "logs/summary.log"
    resources: mem_mb=200, runtime=5
    shell: "cat {input} > {output} 2> {log}"
EOF
    CONFIG_ARGS=()
    EXPECT_SLURM_JOBS=5 # 3 x part, gpu, summary; `all` runs locally
    EXPECT_GPU=${RGML_SLURM_EXPECT_GPU_JOBS:-1}
else
    SOURCE=$REPO
    CONFIG_ARGS=(--configfile "$CONFIG")
    EXPECT_SLURM_JOBS=""
    backend=$(python3 - "$CONFIG" "$REPO/config/config.yaml" <<'EOF'
import sys, yaml
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            backend = (yaml.safe_load(f) or {}).get("backend")
    except FileNotFoundError:
        continue
    if backend:
        print(backend)
        break
EOF
)
    if [[ $backend == numpy ]]; then EXPECT_GPU=${RGML_SLURM_EXPECT_GPU_JOBS:-0}; else EXPECT_GPU=${RGML_SLURM_EXPECT_GPU_JOBS:-any}; fi
fi

# Copy the working tree a clone would have (tracked and untracked-but-not-ignored files, so no
# results/ or .snakemake/) into $1.
checkout() {
    mkdir -p "$1"
    if git -C "$SOURCE" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$SOURCE" && git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do if [[ -e $f ]]; then printf '%s\0' "$f"; fi; done |
            tar --null -T - -cf -) | tar -xf - -C "$1"
    else
        (cd "$SOURCE" && tar --exclude=./results --exclude=./.snakemake -cf - .) | tar -xf - -C "$1"
    fi
}

step "dry run with account and partition on the command line"
checkout "$TMP/work/dryrun"
run_bg dryrun "$TMP/work/dryrun" snakemake --profile profiles/slurm -n \
    --default-resources mem_mb=4000 runtime=60 slurm_account=rgml_acct slurm_partition=rgml_part ||
    fail "snakemake --profile profiles/slurm -n failed (output above)"
n_dry=$(grep -c '^ *resources: ' "$TMP/log/dryrun.out" || true)
n_acct=$(grep -c '^ *resources: .*slurm_account=rgml_acct, slurm_partition=rgml_part' "$TMP/log/dryrun.out" || true)
((n_dry > 0 && n_acct == n_dry)) ||
    fail "$n_acct of $n_dry dry-run jobs carry slurm_account/slurm_partition"
pass "all $n_dry jobs carry the account and partition"

step "workflow through SLURM"
WORK_SLURM=$TMP/work/slurm
checkout "$WORK_SLURM"
t0=$SECONDS
# Poll job states every few seconds rather than the plugin's 40 s: these jobs take seconds.
run_bg snakemake_slurm "$WORK_SLURM" snakemake --profile profiles/slurm "${CONFIG_ARGS[@]}" \
    --max-threads "$CORES" \
    --slurm-init-seconds-before-status-checks 2 --seconds-between-status-checks 2 \
    --slurm-keep-successful-logs ||
    fail "snakemake --profile profiles/slurm failed (output above)"
pass "$((SECONDS - t0))s"

step "jobs went through SLURM"
squeue --states=all -h -o '%i %T %j' | sort -n >"$TMP/log/jobs.txt"
cat "$TMP/log/jobs.txt"
n_jobs=$(wc -l <"$TMP/log/jobs.txt")
n_done=$(grep -c ' COMPLETED ' "$TMP/log/jobs.txt" || true)
((n_jobs > 0)) || fail "squeue lists no jobs: nothing was submitted to SLURM"
((n_done == n_jobs)) || fail "$((n_jobs - n_done)) of $n_jobs SLURM jobs did not complete"
n_launched=$(grep -c 'Launching batch job' "$TMP/log/slurmd.log" || true)
((n_launched == n_jobs)) || fail "slurmd launched $n_launched batch jobs, squeue lists $n_jobs"
n_submitted=$(grep -c 'has been submitted with SLURM jobid' "$TMP/log/snakemake_slurm.out" || true)
((n_submitted == n_jobs)) || fail "snakemake submitted $n_submitted jobs, squeue lists $n_jobs"
if [[ -n $EXPECT_SLURM_JOBS ]]; then
    ((n_jobs == EXPECT_SLURM_JOBS)) || fail "expected $EXPECT_SLURM_JOBS SLURM jobs, got $n_jobs"
fi
pass "$n_jobs jobs, all COMPLETED, all launched by slurmd"

step "GPU requests"
n_gpu=$(scontrol show job -o | grep -cE 'TresPer(Job|Node|Task|Socket)=[^ ]*gpu' || true)
log "$n_gpu of $n_jobs SLURM jobs requested a GPU (expected: $EXPECT_GPU)"
if [[ $EXPECT_GPU != any ]]; then
    ((n_gpu == EXPECT_GPU)) || fail "$n_gpu jobs requested a GPU, expected $EXPECT_GPU"
fi
if [[ $SELFTEST -eq 1 ]]; then
    grep -qx 'CUDA_VISIBLE_DEVICES=0' "$WORK_SLURM/logs/gpu.log" ||
        fail "the gpu=1 job did not see its GPU: $(cat "$WORK_SLURM/logs/gpu.log")"
    grep -q 'SLURM_JOB_ID=[0-9]' "$WORK_SLURM/logs/part1.log" || fail "the part job ran outside SLURM"
fi
pass "$n_gpu GPU jobs"

step "same workflow locally"
WORK_LOCAL=$TMP/work/local
checkout "$WORK_LOCAL"
t0=$SECONDS
run_bg snakemake_local "$WORK_LOCAL" snakemake --cores "$CORES" "${CONFIG_ARGS[@]}" ||
    fail "local snakemake --cores $CORES failed (output above)"
pass "$((SECONDS - t0))s"

step "SLURM results are bitwise the local results"
checksums() {
    if [[ $SELFTEST -eq 1 ]]; then
        (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    else
        rgml checksum "$1"
    fi
}
if [[ $SELFTEST -eq 0 ]] && ! rgml checksum --help >/dev/null 2>&1; then
    fail "'rgml checksum DIR' is not available: the CLI must print one line per array," \
        "'<store>/<variable> <sha256 of the array bytes>', for the comparison to run"
fi
checksums "$WORK_SLURM/results" | sort >"$TMP/log/checksums_slurm.txt" ||
    fail "checksums of the SLURM results failed"
checksums "$WORK_LOCAL/results" | sort >"$TMP/log/checksums_local.txt" ||
    fail "checksums of the local results failed"
[[ -s $TMP/log/checksums_local.txt ]] || fail "the local run produced nothing to compare"
if ! diff -u "$TMP/log/checksums_local.txt" "$TMP/log/checksums_slurm.txt"; then
    fail "SLURM and local results differ (diff above: - local, + SLURM)"
fi
pass "$(wc -l <"$TMP/log/checksums_local.txt") checksums identical"
