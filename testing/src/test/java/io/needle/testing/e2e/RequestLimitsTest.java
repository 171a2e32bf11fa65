package io.needle.testing.e2e;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RELIABILITY.md T16: per-request limits. Requests of 1, 1,000, 100,000 and past the key limit,
 * an answer over the response limit, duplicate keys, and a 10-million-key request past the frame
 * limit. Limits are checked before any I/O and named in the error: rejected requests read no
 * page from the source files; the worker then serves correct rows.
 */
class RequestLimitsTest {
  @TempDir
  static Path dir;

  static FeatureTable generator;
  static Path users;

  @BeforeAll
  static void setUp() throws Exception {
    generator = new FeatureTable(GenOptions.defaults(120_000, 4));
    users = dir.resolve("users");
    generator.write(users);
  }

  @AfterAll
  static void noLeaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  private static Request lookup(long id, int keys, int stride) {
    LookupRequest.Builder b = LookupRequest.newBuilder().setTableUri(users.toString()).setKeyColumn(FeatureTable.KEY_COLUMN);
    for (int i = 0; i < keys; i++) {
      b.addKeys(Key.newBuilder().setIntValue(generator.keyAt((long) i * stride % 120_000)));
    }
    return Request.newBuilder().setRequestId(id).setLookup(b).build();
  }

  @Test
  void limitsAreCheckedBeforeAnyReadAndNamedInTheError() throws Exception {
    PageStoreConfig store = new PageStoreConfig(dir.resolve("cache"), 256L << 20, 1 << 20, EvictionPolicy.LRU, false,
        8192, "test", true, false);
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10))
        .withLimits(4 << 20, 2L << 20, 100_000);
    try (Worker worker = Worker.start(config, store);
         HostileClientsTest.Raw raw = new HostileClientsTest.Raw(worker.address(), null)) {
      long read = worker.pagesReadFromSource();
      Response overKeys = raw.call(lookup(1, 100_001, 1));
      assertThat(overKeys.getError().getCode()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
      assertThat(overKeys.getError().getMessage()).contains("100001 keys").contains("limit of 100000");
      assertThat(worker.pagesReadFromSource()).as("pages read for a request over the key limit").isEqualTo(read);

      // 100,000 keys over every page of every file: more than 2 MiB of pages.
      Response overBytes = raw.call(lookup(2, 100_000, 1));
      assertThat(overBytes.getError().getCode()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
      assertThat(overBytes.getError().getMessage()).contains("limit of " + (2L << 20));
      assertThat(worker.pagesReadFromSource()).as("pages read for an answer over the byte limit").isEqualTo(read);

      // 10 million keys: a frame past 4 MiB closes the connection as soon as its length is read.
      try (HostileClientsTest.Raw huge = new HostileClientsTest.Raw(worker.address(), null)) {
        huge.sendQuietly(ByteBuffer.allocate(8).putInt(10_000_000 * 11).putInt(10_000_000 * 11 - 4).array());
        assertThat(huge.closedByPeer()).isTrue();
      }

      try (NeedleClient client = NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
          .requestTimeout(Duration.ofSeconds(30)).build()) {
        var table = client.table(users.toUri().toString(), FeatureTable.KEY_COLUMN);
        for (int n : new int[] {1, 1_000}) {
          List<Object> keys = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            keys.add(generator.keyAt((long) i * 97 % 120_000));
            keys.add(generator.keyAt((long) i * 97 % 120_000)); // every key twice
          }
          Map<Object, List<Row>> rows = table.lookupAll(keys, List.of("user_id", "country"));
          assertThat(rows).hasSize(n);
          rows.forEach((k, found) -> {
            assertThat(found).as("key %s", k).hasSize(1);
            assertThat(found.get(0).get(1)).isEqualTo(generator.expected((Long) k).asMap().get("country"));
          });
        }
      }
      assertThat(worker.pagesReadFromSource()).as("served lookups did read pages").isGreaterThan(read);
      GoodClient.assertServes(worker, generator, users, 120_000);
    }
  }
}
