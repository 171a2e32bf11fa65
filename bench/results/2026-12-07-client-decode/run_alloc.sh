#!/bin/bash
for i in 1 2 3; do
  for v in cur base; do
    if [ $v = cur ]; then D=/work/wt/client; else D=/tmp/clientbench/base; fi
    echo "=== $v run $i $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED --enable-native-access=ALL-UNNAMED -Dchronicle.analytics.disable=true -cp "$D/bench-cli/target/lib/*" io.needle.bench.jmh.ClientAllocation 10000 2>&1 | grep -v WARN
  done
done
echo ALLDONE
