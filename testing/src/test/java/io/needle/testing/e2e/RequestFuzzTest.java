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
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
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
 * rows. Short run by default, long under {@code -Dsoak}.
 */
class RequestFuzzTest {
  static Path dir;
  static FeatureTable generator;
  static Worker worker;
  static HostileClientsTest.Raw raw;
  static final AtomicLong ids = new AtomicLong(1);
  static final AtomicLong tries = new AtomicLong();

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("request-fuzz").toRealPath();
    generator = new FeatureTable(GenOptions.defaults(4_000, 2));
    generator.write(dir.resolve("users"));
    Files.createDirectories(dir.resolve("_hidden"));
    Files.writeString(dir.resolve("junk.parquet"), "not parquet PAR1");
    worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withLimits(4 << 20, 4L << 20, 500));
    raw = new HostileClientsTest.Raw(worker.address(), null);
  }

  @AfterContainer
  static void stop() throws Exception {
    raw.close();
    worker.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    LeakRecorder.assertNoLeaks();
  }

  @Provide
  Arbitrary<String> tables() {
    return Arbitraries.oneOf(
        Arbitraries.of(dir.resolve("users").toString(), dir.resolve("users").toUri().toString(),
            dir.resolve("users").resolve(FeatureTable.fileName(0)).toString(), dir.resolve("junk.parquet").toString(),
            dir.resolve("_hidden").toString(), dir + "/users/../../etc", "/etc/passwd", dir.resolve("nope").toString(),
            "", "s3://bucket/x", "file://host" + dir, dir + "/users\0", "%2e%2e/%2e%2e", dir + "/./users//"),
        Arbitraries.strings().ofMaxLength(40),
        Arbitraries.strings().withChars('/', '.', 'a').ofMinLength(4_000).ofMaxLength(5_000));
  }

  @Provide
  Arbitrary<Key> keys() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(0, 8_000).map(i -> Key.newBuilder().setIntValue(generator.keyAt(i % 4_000)).build()),
        Arbitraries.longs().map(v -> Key.newBuilder().setIntValue(v).build()),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(40)
            .map(b -> Key.newBuilder().setBytesValue(ByteString.copyFrom(b)).build()),
        Arbitraries.just(Key.getDefaultInstance()));
  }

  @Provide
  Arbitrary<Request> requests() {
    Arbitrary<String> column = Arbitraries.oneOf(Arbitraries.of(FeatureRow.COLUMNS), Arbitraries.of("", "nope", "a.b"),
        Arbitraries.strings().ofMaxLength(12));
    Arbitrary<LookupRequest> lookup = Combinators.combine(tables(), column, keys().list().ofMaxSize(40),
        column.list().ofMaxSize(6), Arbitraries.of(FeatureTable.fileName(0), "nope.parquet", "../x", "").list().ofMaxSize(2),
        Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 3)).as(
            (table, keyColumn, keys, columns, paths, suspects, manyKeys) -> {
              LookupRequest.Builder b = LookupRequest.newBuilder().setTableUri(table).setKeyColumn(keyColumn)
                  .addAllKeys(keys).addAllColumns(columns).addAllPaths(paths);
              for (int i = 0; i < suspects; i++) {
                b.addSuspectPages(PageId.newBuilder().setPath(FeatureTable.fileName(0)).setOffset(i * 4L));
              }
              if (manyKeys == 3) { // past the limit of 500
                for (int i = 0; i < 600; i++) {
                  b.addKeys(Key.newBuilder().setIntValue(i));
                }
              }
              return b.build();
            });
    Arbitrary<Long> timeouts = Arbitraries.of(0L, 1L, 1_000L, 1_000_000L, 60_000_000L, -1L, Long.MAX_VALUE);
    Arbitrary<Integer> kinds = Arbitraries.integers().between(0, 4);
    return Combinators.combine(kinds, lookup, tables(), column, timeouts).as((kind, l, table, keyColumn, timeout) -> {
      Request.Builder r = Request.newBuilder().setTimeoutMicros(timeout);
      switch (kind) {
        case 0, 1 -> r.setLookup(l);
        case 2 -> r.setDescribe(DescribeRequest.newBuilder().setTableUri(table).setKeyColumn(keyColumn));
        case 3 -> r.setRefresh(RefreshRequest.newBuilder().setTableUri(table));
        default -> { } // no body
      }
      return r.build();
    });
  }

  @Provide
  Arbitrary<int[]> mutations() {
    // [kind, position, value]: kind 0-3 leaves the bytes alone, 4 flips a byte, 5 cuts the header.
    return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 1 << 16),
        Arbitraries.integers().between(1, 255)).as((k, p, v) -> new int[] {k, p, v});
  }

  @Property(tries = 1_500)
  void everyRequestGetsOneTypedAnswer(@ForAll("requests") Request request, @ForAll("mutations") int[] mutation)
      throws Exception {
    check(request, mutation);
  }

  @Property(tries = 100_000)
  @Tag("soak")
  void everyRequestGetsOneTypedAnswerLong(@ForAll("requests") Request request, @ForAll("mutations") int[] mutation)
      throws Exception {
    check(request, mutation);
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
    raw.out.write(ByteBuffer.allocate(8 + header.length).putInt(4 + header.length).putInt(header.length).put(header).array());
    raw.out.flush();
    Response answer = raw.receive();
    if (!mutated) {
      assertThat(answer.getRequestId()).isEqualTo(id);
    }
    assertThat(answer.getError().getCode()).as("%s", generated).isNotEqualTo(ErrorCode.INTERNAL);
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
