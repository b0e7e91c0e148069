#!/usr/bin/env bash
# Starts a training command, waits for its first completed epoch (a line in
# OUTDIR/metrics.jsonl), kills it with SIGKILL and says after which epoch.
#   kill-after-first-epoch.sh OUTDIR COMMAND...
out=$1; shift
"$@" & pid=$!
while kill -0 $pid 2>/dev/null && ! [ -s "$out/metrics.jsonl" ]; do sleep 0.05; done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
echo "killed after epoch $(wc -l < "$out/metrics.jsonl") of 4"
