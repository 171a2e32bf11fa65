# Sourced by ./needle and ./run-tests: finds a JDK 21+ and Maven, or says clearly what is missing.

java_major() { # prints the major version of the java binary $1, or nothing
  "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

find_jdk() {
  local candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  # Newest first, so that a machine with JDK 17 as default and 25 beside it picks 25.
  for c in $(ls -d /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* 2>/dev/null | sort -rV); do
    candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    if [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ]; then
      major=$(java_major "$c/bin/java")
      if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
        export JAVA_HOME="$c"
        return 0
      fi
    fi
  done
  echo "needle: no JDK 21 or newer found (looked at \$JAVA_HOME, java on the PATH and /usr/lib/jvm)." >&2
  echo "needle: install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}

find_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "needle: Maven is needed to build (apt-get install maven)." >&2
    return 1
  fi
}

# Prints "[n/m] module" lines of a Maven build as one updating line on a terminal; nothing when
# stderr is not a terminal (piped or logged output stays quiet). Reads Maven's output on stdin.
build_progress() {
  if [ -t 2 ]; then
    sed -un 's/^\[INFO\] Building \(Needle.*\) [^ ]* *\(\[[0-9]*\/[0-9]*\]\)$/\2 \1/p' \
      | while IFS= read -r line; do printf '\r\033[Kneedle: building %s' "$line" >&2; done
    printf '\r\033[K' >&2
  else
    cat >/dev/null
  fi
}

# Adds the flags of this JDK: JDK 23+ warns on stderr (four lines, on every command) when a
# library uses sun.misc.Unsafe's memory access, which Chronicle Bytes and Netty do; allowing it
# explicitly silences the warning. Older JDKs do not know the flag.
needle_jvm_flags() {
  if [ "$(java_major "$JAVA_HOME/bin/java")" -ge 23 ] 2>/dev/null; then
    NEEDLE_JVM_FLAGS+=(--sun-misc-unsafe-memory-access=allow)
  fi
}

# JVM flags Chronicle Bytes and Netty need on JDK 21+ (see shared/notes/LIBRARIES.md section 7).
NEEDLE_JVM_FLAGS=(--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED
  --enable-native-access=ALL-UNNAMED -Dchronicle.analytics.disable=true)
