# The Needle worker image: `needle serve` on a JRE, as a non-root user, fine with a read-only root
# file system (mount a writable /tmp: the JVM and Netty's native transport write there).
#
#   docker build -t needle-worker:0.1.0 .
#   docker run --rm -p 7070:7070 -p 8080:8080 -v /path/to/tables:/data/tables:ro --read-only \
#     --tmpfs /tmp needle-worker:0.1.0
#
# Kubernetes: kustomize overlays in deploy/k8s/overlays/ (README, "Run on Kubernetes").
# No container engine runs on the build machines: testing's DockerfileInputsTest checks that every
# file this COPYs exists after `mvn -pl cli -am package` and that the entrypoint class is in the jar.

FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
# The whole reactor (the parent pom lists every module; .dockerignore keeps target/ and .git out),
# but only the slim server artifact is built: module cli, without the benchmark (bench-cli).
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests -pl cli -am package

FROM eclipse-temurin:25-jre
RUN groupadd --system --gid 10001 needle \
 && useradd --system --uid 10001 --gid needle --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin needle \
 && mkdir -p /data/tables /var/cache/needle \
 && chown needle:needle /var/cache/needle
COPY --from=build /src/cli/target/needle-cli-0.1.0-SNAPSHOT.jar /opt/needle/needle.jar
COPY --from=build /src/cli/target/lib/ /opt/needle/lib/
# The flags Netty and the page store need on JDK 25 (scripts/env.sh; the last one keeps JDK 24+'s
# sun.misc.Unsafe warnings off stderr). NEEDLE_JAVA_OPTS is for sizing (Kubernetes sets it from
# its ConfigMap); not JAVA_TOOL_OPTIONS, which makes the JVM print a line on every start.
ENV NEEDLE_JVM_FLAGS="--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED \
--enable-native-access=ALL-UNNAMED -Dchronicle.analytics.disable=true --sun-misc-unsafe-memory-access=allow" \
    NEEDLE_JAVA_OPTS="-XX:+ExitOnOutOfMemoryError"
USER 10001:10001
EXPOSE 7070 8080
ENTRYPOINT ["sh", "-c", "exec java $NEEDLE_JVM_FLAGS $NEEDLE_JAVA_OPTS -cp '/opt/needle/needle.jar:/opt/needle/lib/*' io.needle.cli.Main \"$@\"", "needle"]
CMD ["serve", "--bind=0.0.0.0", "--port=7070", "--health-port=8080", "--root=/data/tables"]
