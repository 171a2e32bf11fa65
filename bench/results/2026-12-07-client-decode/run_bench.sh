#!/bin/bash
# Alternating runs: old (main at ac3d1f1, before the client redesign) and cur (this branch), one external worker.
set -u
for i in 1 2 3; do
  for v in old cur; do
    if [ $v = cur ]; then D=/work/wt/client; else D=/tmp/clientbench/old; fi
    echo "=== $v run $i $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> /tmp/clientbench/bench-index.txt
    (cd $D && ./needle bench --rows 200000 --files 2 --table-dir /tmp/clientbench/root/table200k --worker 127.0.0.1:35287 \
      --workloads feature --keys uniform --no-redis --no-duckdb --no-parquet-java --lookups 20000 --warmup 5000 \
      --out /tmp/clientbench/out-$v-$i > /tmp/clientbench/run-$v-$i.txt 2>&1)
    echo "EXIT $? $(date -u +%T)" >> /tmp/clientbench/run-$v-$i.txt
  done
done
echo ALLDONE >> /tmp/clientbench/bench-index.txt
