package io.needle.benchcli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code needle demo --s3}: the whole demo through the worker's S3 path and an embedded
 * S3-protocol server. The demo itself checks every answer against the generator and exits
 * non-zero on a wrong row; here, the requests it reports show pages were fetched once.
 */
class DemoS3CommandTest {
  @Test
  void theDemoRunsThroughTheEmbeddedS3Server() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    int exit;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      exit = Main.run("demo", "--s3", "--rows", "20000", "--files", "2", "--lookups", "400");
    } finally {
      System.setOut(oldOut);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(text).isZero();
    assertThat(text).contains("embedded S3 server on http://127.0.0.1:").contains("s3://needle-demo/users")
        .contains("400 lookups").contains("all rows checked against the generator");
    Matcher m = Pattern.compile("S3 requests: ([\\d,]+) ranged GETs").matcher(text);
    assertThat(m.find()).as(text).isTrue();
    long gets = Long.parseLong(m.group(1).replace(",", ""));
    // 20,000 rows in 1000-row pages: far fewer GETs than the 400 + warm-up lookups, each page at most once
    assertThat(gets).as(text).isPositive().isLessThan(400);
    // It says the S3 latency is simulated, and splits lookups that fetched from S3 from those that did not.
    assertThat(text).contains("S3 latency is simulated: every request waits 20 ms");
    Matcher cold = Pattern.compile("cold lookups \\(fetched from S3\\), ([\\d,]+): p50").matcher(text);
    Matcher warm = Pattern.compile("warm lookups \\(page store only\\), ([\\d,]+): p50").matcher(text);
    assertThat(cold.find()).as(text).isTrue();
    assertThat(warm.find()).as(text).isTrue();
    long coldCount = Long.parseLong(cold.group(1).replace(",", ""));
    long warmCount = Long.parseLong(warm.group(1).replace(",", ""));
    assertThat(coldCount).as("some lookups fetched pages: " + text).isPositive().isLessThanOrEqualTo(gets);
    assertThat(coldCount + warmCount).as("warm-up and measured lookups, each counted once").isEqualTo(800);
  }
}
