package io.needle.testing.e2e;

import com.google.protobuf.ByteString;
import io.needle.bench.gen.FeatureRow;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.protocol.proto.DescribeRequest;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.HealthRequest;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.PageId;
import io.needle.protocol.proto.RefreshRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.testsupport.SeededRuns;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request validator (T13 target 1, T16) through a real worker: requests generated from the
 * protocol's shape -- every body kind, table URIs inside, outside, hidden, missing and malformed,
 * key columns real and not, keys of both kinds mixed, up to the key limit and past it, columns
 * real, unknown and repeated, file filters, suspect pages, deadlines from 1 µs to 2^64-1 -- and a
 * fifth of them with their encoded bytes flipped or cut. Every request gets exactly one answer on
 * a connection that stays in sync, none of them INTERNAL; and the worker keeps answering correct
 * rows. Seeded inputs ({@link SeededRuns}: a failure names its seed). Short run by default, long
 * under {@code -Dsoak}.
 */
class RequestFuzzTest {
  static Path dir;
  static FeatureTable generator;
  static Worker worker;
  static HostileClientsTest.Raw raw;
  static final AtomicLong ids = new AtomicLong(1);
  static final AtomicLong tries = new AtomicLong();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("request-fuzz").toRealPath();
    generator = new FeatureTable(GenOptions.defaults(4_000, 2));
    generator.write(dir.resolve("users"));
    Files.createDirectories(dir.resolve("_hidden"));
    Files.writeString(dir.resolve("junk.parquet"), "not parquet PAR1");
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withLimits(4 << 20, 4L << 20, 500));
    raw = new HostileClientsTest.Raw(worker.address(), null);
  }

  @AfterAll
  static void stop() throws Exception {
    raw.close();
    worker.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    LeakRecorder.assertNoLeaks();
  }

  /** Table URIs inside, outside, hidden, missing and malformed; any string; a 4-5 KB one. */
  static String table(SplittableRandom r) {
    List<String> known = List.of(dir.resolve("users").toString(), dir.resolve("users").toUri().toString(),
        dir.resolve("users").resolve(FeatureTable.fileName(0)).toString(), dir.resolve("junk.parquet").toString(),
        dir.resolve("_hidden").toString(), dir + "/users/../../etc", "/etc/passwd", dir.resolve("nope").toString(),
        "", "s3://bucket/x", "file://host" + dir, dir + "/users\0", "%2e%2e/%2e%2e", dir + "/./users//");
    return switch (r.nextInt(3)) {
      case 0 -> known.get(r.nextInt(known.size()));
      case 1 -> anyString(r, r.nextInt(41));
      default -> {
        StringBuilder b = new StringBuilder();
        for (int n = 4_000 + r.nextInt(1_001); n > 0; n--) {
          b.append("/.a".charAt(r.nextInt(3)));
        }
        yield b.toString();
      }
    };
  }

  /** Any chars of the basic plane but lone surrogates. */
  static String anyString(SplittableRandom r, int length) {
    StringBuilder b = new StringBuilder(length);
    while (b.length() < length) {
      char c = (char) r.nextInt(0x10000);
      if (!Character.isSurrogate(c)) {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** Real keys (and keys past the table), any long, bytes keys, an empty key. */
  static Key key(SplittableRandom r) {
    return switch (r.nextInt(4)) {
      case 0 -> Key.newBuilder().setIntValue(generator.keyAt(r.nextLong(8_001) % 4_000)).build();
      case 1 -> Key.newBuilder().setIntValue(r.nextLong()).build();
      case 2 -> {
        byte[] b = new byte[r.nextInt(41)];
        r.nextBytes(b);
        yield Key.newBuilder().setBytesValue(ByteString.copyFrom(b)).build();
      }
      default -> Key.getDefaultInstance();
    };
  }

  static String column(SplittableRandom r) {
    return switch (r.nextInt(3)) {
      case 0 -> FeatureRow.COLUMNS.get(r.nextInt(FeatureRow.COLUMNS.size()));
      case 1 -> List.of("", "nope", "a.b").get(r.nextInt(3));
      default -> anyString(r, r.nextInt(13));
    };
  }

  static LookupRequest lookup(SplittableRandom r) {
    LookupRequest.Builder b = LookupRequest.newBuilder().setTableUri(table(r)).setKeyColumn(column(r));
    for (int n = r.nextInt(41); n > 0; n--) {
      b.addKeys(key(r));
    }
    for (int n = r.nextInt(7); n > 0; n--) {
      b.addColumns(column(r));
    }
    for (int n = r.nextInt(3); n > 0; n--) {
      b.addPaths(List.of(FeatureTable.fileName(0), "nope.parquet", "../x", "").get(r.nextInt(4)));
    }
    for (int i = 0, suspects = r.nextInt(3); i < suspects; i++) {
      b.addSuspectPages(PageId.newBuilder().setPath(FeatureTable.fileName(0)).setOffset(i * 4L));
    }
    if (r.nextInt(4) == 3) { // past the limit of 500
      for (int i = 0; i < 600; i++) {
        b.addKeys(Key.newBuilder().setIntValue(i));
      }
    }
    return b.build();
  }

  private static final long[] TIMEOUTS = {0L, 1L, 1_000L, 1_000_000L, 60_000_000L, -1L, Long.MAX_VALUE};

  /** Lookups two times in five, describe, refresh, or no body. */
  static Request request(SplittableRandom r) {
    Request.Builder b = Request.newBuilder().setTimeoutMicros(TIMEOUTS[r.nextInt(TIMEOUTS.length)]);
    switch (r.nextInt(5)) {
      case 0, 1 -> b.setLookup(lookup(r));
      case 2 -> b.setDescribe(DescribeRequest.newBuilder().setTableUri(table(r)).setKeyColumn(column(r)));
      case 3 -> b.setRefresh(RefreshRequest.newBuilder().setTableUri(table(r)));
      default -> { } // no body
    }
    return b.build();
  }

  /** [kind, position, value]: kind 0-3 leaves the bytes alone, 4 flips a byte, 5 cuts the header. */
  static int[] mutation(SplittableRandom r) {
    return new int[] {r.nextInt(6), r.nextInt((1 << 16) + 1), 1 + r.nextInt(255)};
  }

  @Test
  void everyRequestGetsOneTypedAnswer() {
    SeededRuns.run(1_500, r -> check(request(r), mutation(r)));
  }

  @Test
  @Tag("soak")
  void everyRequestGetsOneTypedAnswerLong() {
    SeededRuns.run(100_000, r -> check(request(r), mutation(r)));
  }

  private static void check(Request generated, int[] mutation) throws Exception {
    long id = ids.getAndIncrement();
    byte[] header = generated.toBuilder().setRequestId(id).build().toByteArray();
    boolean mutated = mutation[0] >= 4 && header.length > 0;
    if (mutated && mutation[0] == 4) {
      header[mutation[1] % header.length] ^= (byte) mutation[2];
    } else if (mutated) {
      header = java.util.Arrays.copyOf(header, mutation[1] % header.length);
    }
    checkFrame(header, mutated ? -1 : id, String.valueOf(generated));
  }

  /** Sends one frame with this header; expectedId -1 when the bytes carry no id to expect. */
  static void checkFrame(byte[] header, long expectedId, String what) throws Exception {
    raw.out.write(ByteBuffer.allocate(8 + header.length).putInt(4 + header.length).putInt(header.length).put(header).array());
    raw.out.flush();
    Response answer = raw.receive();
    if (expectedId >= 0) {
      assertThat(answer.getRequestId()).isEqualTo(expectedId);
    }
    assertThat(answer.getError().getCode()).as("%s", what).isNotEqualTo(ErrorCode.INTERNAL);
    // Still in sync: the next frame's answer is the next request's.
    long ping = ids.getAndIncrement();
    Response health = raw.call(Request.newBuilder().setRequestId(ping).setHealth(HealthRequest.getDefaultInstance()).build());
    assertThat(health.hasHealth()).isTrue();
    if (tries.incrementAndGet() % 250 == 0) {
      assertServesCorrectRows();
    }
  }

  private static void assertServesCorrectRows() throws Exception {
    try (NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .requestTimeout(Duration.ofSeconds(10)).build()) {
      long key = generator.keyAt(tries.get() % 4_000);
      List<Row> rows = client.table(dir.resolve("users").toUri().toString(), FeatureTable.KEY_COLUMN)
          .lookup(key, FeatureRow.COLUMNS);
      assertThat(rows).hasSize(1);
      java.util.Map<String, Object> expected = generator.expected(key).asMap();
      for (int c = 0; c < rows.get(0).size(); c++) {
        assertThat(rows.get(0).get(c)).isEqualTo(expected.get(rows.get(0).name(c)));
      }
    }
  }
}
