#!/usr/bin/env bash
# The Slurm flow of docs/SCALING.md on a real one-node Slurm cluster: munged,
# slurmctld and slurmd on localhost, with their own key, socket, ports,
# configuration and state in the scratch directory, all stopped at the end
# (even on failure). contrib/slurm/submit.sh submits the count array over
# the shards, the partitioned reduce as a dependent array and the join and
# build as a final dependent job; the model must be byte-identical to the
# one built on one machine. Skips (77) only where the daemons cannot start.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

for tool in munged slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
  command -v "$tool" >/dev/null ||
    skip "$tool is not installed (Debian packages slurm-wlm and munge; .ci/deps installs them)"
done

cluster="$SCRATCH/cluster"
mkdir -p "$cluster"/{munge,state,spool,log}
chmod 700 "$cluster/munge"
export SLURM_CONF="$cluster/slurm.conf"

stop_cluster() {
  set +e
  if [[ -s $cluster/slurmctld.pid ]]; then
    timeout 5 scancel --quiet --user "$(id -un)" 2>/dev/null
  fi
  local pids=()
  for f in "$cluster/slurmd.pid" "$cluster/slurmctld.pid" "$cluster/munge/munged.pid"; do
    [[ -s $f ]] && pids+=("$(cat "$f")")
  done
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  cleanup  # lib.bash: background jobs, then the scratch directory
}
trap stop_cluster EXIT

# Shows the daemons' logs and skips: the cluster could not start here.
cannot_start() {
  for f in "$cluster"/log/* "$cluster/munge/munged.log"; do
    [[ -s $f ]] && { echo "--- $f"; tail -n 5 "$f"; }
  done
  skip "$1"
}

# munged with a key of its own.
dd if=/dev/urandom of="$cluster/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$cluster/munge/munge.key"
munged --key-file="$cluster/munge/munge.key" --socket="$cluster/munge/munge.sock" \
  --pid-file="$cluster/munge/munged.pid" --log-file="$cluster/munge/munged.log" \
  --seed-file="$cluster/munge/seed" --force 2>"$cluster/log/munged.err" ||
  cannot_start "munged does not start"

# Two free TCP ports on localhost for slurmctld and slurmd.
read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
host=$(hostname -s)
cat > "$SLURM_CONF" <<CONF
ClusterName=gramstest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
AuthType=auth/munge
AuthInfo=socket=$cluster/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/log/slurmctld.log
SlurmdLogFile=$cluster/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=500 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=10 State=UP
CONF
slurmctld -f "$SLURM_CONF" -i 2>"$cluster/log/slurmctld.err" ||
  cannot_start "slurmctld does not start"
slurmd -f "$SLURM_CONF" -N "$host" 2>"$cluster/log/slurmd.err" ||
  cannot_start "slurmd does not start"
for _ in $(seq 100); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [[ $state == idle ]] && break
  sleep 0.2
done
[[ $state == idle ]] || cannot_start "the one-node cluster did not come up (node state '$state')"

# The corpus in 4 shards (one compressed), counted and built on one machine.
zstd -dcq "$GRAMS_SOURCE_DIR/data/kjv-train.txt.zst" -o full.txt
head -n 8000 full.txt > corpus.txt
mkdir shards
split -n l/4 -d corpus.txt shards/part-
zstd -q --rm shards/part-03
start=$(date +%s%N)
grams-count -q --order 4 corpus.txt -o whole.counts
grams-build -q whole.counts -o whole.lm
local_ms=$((($(date +%s%N) - start) / 1000000))

# The same on the cluster: 4 count tasks, 2 reducers, the join and build.
export GRAMS_BIN
start=$(date +%s%N)
read -r count_job reduce_job build_job < <(
  "$GRAMS_SOURCE_DIR/contrib/slurm/submit.sh" -k 2 -n 4 -S 50M -T "$SCRATCH" "$SCRATCH/work" \
    shards/part-00 shards/part-01 shards/part-02 shards/part-03.zst)
[[ -n $build_job ]] || fail "submit.sh did not print three job ids"
# Wait for the last job, at most 60 s.
state=""
for _ in $(seq 300); do
  state=$(scontrol show job "$build_job" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
  case $state in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;;
  esac
  # A dependency that can never be met (a count or reduce task failed).
  scontrol show job "$build_job" 2>/dev/null | grep -q 'Reason=DependencyNeverSatisfied' &&
    { state=DEPENDENCY_NEVER_SATISFIED; break; }
  sleep 0.2
done
cluster_ms=$((($(date +%s%N) - start) / 1000000))
if [[ $state != COMPLETED ]]; then
  for f in "$SCRATCH"/work/logs/*; do echo "--- $f"; cat "$f"; done >&2
  for job in "$count_job" "$reduce_job" "$build_job"; do scontrol show job "$job" >&2 || true; done
  fail "the Slurm jobs ended as '$state'"
fi
cmp "$SCRATCH/work/corpus.counts" whole.counts || fail "counts from the cluster differ"
cmp "$SCRATCH/work/corpus.lm" whole.lm || fail "model from the cluster differs"
[[ ! -e $SCRATCH/work/slices/1.counts ]] || fail "slices left after the join"
echo "ok: Slurm flow (4 count tasks, 2 reducers, join + build) byte-identical;" \
  "$cluster_ms ms on the cluster, $local_ms ms on one machine"
