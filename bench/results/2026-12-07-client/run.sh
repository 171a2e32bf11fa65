#!/usr/bin/env bash
# Alternating runs of the old (main at ac3d1f1) and new (client branch) builds on one table.
# usage: run.sh which n
set -u
which=$1; n=$2
cd /tmp/client-bench/$which
./needle bench --rows 200000 --files 2 --table-dir /tmp/client-bench/table200k --worker 127.0.0.1:39973 --workloads feature --keys uniform \
  --no-redis --no-duckdb --no-parquet-java --lookups 20000 --warmup 5000 --out /tmp/client-bench/out-$which-$n \
  > /tmp/client-bench/run-$which-$n.txt 2>&1
echo "EXIT $?" >> /tmp/client-bench/run-$which-$n.txt
