#!/usr/bin/env bash
# Stop the test Slurm cluster started by start_cluster.sh.
#
# Usage:  tests/slurm/stop_cluster.sh STATE_DIR      (or SLURM_STATE_DIR set)
#
# Only the processes whose ids are recorded in STATE_DIR/{slurmd,slurmctld,
# munged}.pid are signalled (TERM, then KILL after a grace period); nothing
# else is killed.  Job processes still running on the node are ended by
# slurmd itself when it is asked to shut down (jobs are cancelled first).
# The state directory is kept (logs stay readable); delete it yourself.
set -uo pipefail

STATE_DIR="${1:-${SLURM_STATE_DIR:-}}"
if [ -z "$STATE_DIR" ] || [ ! -d "$STATE_DIR" ]; then
    echo "usage: $0 STATE_DIR" >&2
    exit 2
fi
export PATH="$PATH:/usr/sbin:/sbin"
export SLURM_CONF="$STATE_DIR/slurm.conf"

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Cancel any remaining jobs so that slurmd cleans up their processes.
if [ -f "$STATE_DIR/slurmctld.pid" ] && alive "$(cat "$STATE_DIR/slurmctld.pid")"; then
    scancel --user="$(id -un)" >/dev/null 2>&1 || true
    for _ in $(seq 1 20); do
        [ -z "$(squeue -h -t RUNNING,COMPLETING -o %i 2>/dev/null)" ] && break
        sleep 0.5
    done
fi

rc=0
# Reverse start order: compute node, controller, then munge.
for name in slurmd slurmctld munged; do
    pidfile="$STATE_DIR/$name.pid"
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do          # up to 30 s
            alive "$pid" || break
            sleep 0.5
        done
        if alive "$pid"; then
            echo "stop_cluster: $name ($pid) did not exit after TERM; sending KILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
        fi
        if alive "$pid"; then
            echo "stop_cluster: $name ($pid) is still running" >&2
            rc=1
            continue
        fi
        echo "stop_cluster: stopped $name ($pid)" >&2
    fi
    rm -f "$pidfile"
done
# Remove the /etc/slurm/slurm.conf symlink made by start_cluster.sh, if it
# still points at this cluster's config.
if [ -f "$STATE_DIR/etc_conf_link" ]; then
    link="$(cat "$STATE_DIR/etc_conf_link")"
    if [ -L "$link" ] && [ "$(readlink "$link")" = "$STATE_DIR/slurm.conf" ]; then
        rm -f "$link"
    fi
    rm -f "$STATE_DIR/etc_conf_link"
fi
exit "$rc"
