package io.needle.pagestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real ENOSPC (RELIABILITY.md T04): the store is configured for 2 MiB on a 1 MiB tmpfs,
 * mounted in a private user+mount namespace ({@code unshare -Urm}) so nothing leaks to the host.
 * Skipped where unprivileged namespaces are not allowed; the injected-fault variant in
 * {@link FaultInjectionTest} always runs.
 */
class RealDiskFullTest {
  @TempDir Path dir;

  @Test
  void storeOnASmallFilesystemKeepsCachingWithinTheSpaceThatExists() throws Exception {
    assumeTrue(namespacesAvailable(), "unshare -Urm not permitted here");
    String java = ProcessHandle.current().info().command().orElseThrow();
    List<String> command = new ArrayList<>(List.of("unshare", "-Urm", "sh", "-c",
        "mount -t tmpfs -o size=1m tmpfs \"$0\" && exec \"$@\"", dir.toString(), java));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access") || arg.startsWith("-Dchronicle")) {
        command.add(arg);
      }
    }
    command.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), DiskFullMain.class.getName(),
        dir.resolve("cache").toString()));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(output).isZero();
    Matcher m = Pattern.compile("puts=(\\d+) writeFailures=(\\d+) cachedBytes=(\\d+) evictedRegions=(\\d+)").matcher(output);
    assertThat(m.find()).as(output).isTrue();
    assertThat(Long.parseLong(m.group(2))).as("ENOSPC seen").isPositive();
    assertThat(Long.parseLong(m.group(3))).as("cached bytes fit the 1 MiB file system").isLessThanOrEqualTo(1 << 20);
    assertThat(Long.parseLong(m.group(4))).isPositive();
    assertThat(Long.parseLong(m.group(1))).as("kept caching").isGreaterThan(2500);
  }

  private static boolean namespacesAvailable() {
    try {
      Process p = new ProcessBuilder("unshare", "-Urm", "true").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
