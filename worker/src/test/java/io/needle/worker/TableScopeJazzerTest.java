package io.needle.worker;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzz of the URI canonicalizer (issue 13, T22), with the checks of
 * {@link TableScopeFuzzTest} on its layout (links out of and into the root, hidden names). Input:
 * byte 0 picks a prefix, the rest (UTF-8) follows it. The default build replays the seeds under
 * {@code src/test/resources/io/needle/worker/TableScopeJazzerTestInputs/uris}; {@code -Dsoak} fuzzes.
 */
class TableScopeJazzerTest {
  @BeforeAll
  static void layout() throws Exception {
    TableScopeFuzzTest.layout();
  }

  @AfterAll
  static void clean() throws Exception {
    TableScopeFuzzTest.clean();
  }

  @FuzzTest(maxDuration = "5m")
  void uris(byte[] data) {
    if (data.length == 0) {
      return;
    }
    Path root = TableScopeFuzzTest.root;
    List<String> prefixes = List.of(root.toString(), "file://" + root, "file:" + root, "file://host" + root,
        "file:///", "", "s3://bucket/", TableScopeFuzzTest.tmp.toString(), "FILE://" + root);
    String rest = new String(Arrays.copyOfRange(data, 1, data.length), StandardCharsets.UTF_8);
    TableScopeFuzzTest.check(prefixes.get((data[0] & 0xff) % prefixes.size()) + rest);
  }
}
