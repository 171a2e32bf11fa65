package io.needle.testing.iceberg;

import io.needle.client.NeedleClient;
import io.needle.client.Row;
import io.needle.client.Table;
import io.needle.protocol.Frame;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Iceberg tables on local disk (and, for appends and deletes, on S3 too: {@link IcebergPlace}),
 * written by Iceberg's own writers, served by a real worker to a real client. Oracle: Iceberg's own reader for which rows are live, and parquet-java on the
 * data files Iceberg plans for their values, as JSON.
 */
public class IcebergTableTest {
  @TempDir
  Path dir;

  public static List<Long> ids(long from, long to) {
    return LongStream.range(from, to).boxed().toList();
  }

  private Worker worker(Duration manifestTtl) throws Exception {
    return Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(manifestTtl));
  }

  private static NeedleClient client(Worker worker) {
    return NeedleClient.builder().workers(List.of("127.0.0.1:" + worker.address().getPort()))
        .requestTimeout(Duration.ofSeconds(30)).build();
  }

  static Path localPath(String location) {
    return location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
  }

  /** Every key of {@code keys}: the client's rows print as parquet-java's, and Iceberg's reader agrees on the count. */
  public static void assertAnswers(IcebergFixture t, Table table, List<Long> keys, Function<String, Path> localPath)
      throws IOException {
    Map<Object, List<Row>> result = table.lookupAll(keys, List.of());
    int rows = 0;
    for (long key : keys) {
      List<String> want = t.parquetJson(key, localPath);
      List<Record> live = t.icebergRows(key);
      assertThat(want).as("the oracles agree on key %d", key).hasSize(live.size());
      assertThat(result.get(key).stream().map(Row::toJson).toList()).as("key %d", key).isEqualTo(want);
      rows += want.size();
    }
    assertThat(rows).as("present keys were asked").isPositive();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(IcebergPlace.Kind.class)
  void appendedFilesAnswerLikeIcebergsReaderByLocationAndByMetadataFile(IcebergPlace.Kind kind) throws Exception {
    try (IcebergPlace place = IcebergPlace.open(kind, dir)) {
      IcebergFixture t = place.create("appends", 2);
      t.append(ids(0, 500), 1);
      t.append(ids(500, 900), 1);
      t.append(ids(400, 450), 2); // the same keys again in a later file: both rows are live in Iceberg
      place.sync();
      List<Long> keys = new ArrayList<>(List.of(0L, 7L, 250L, 420L, 499L, 500L, 777L, 899L, 900L, 5000L, -1L));
      try (Worker worker = place.worker(Duration.ofMinutes(10)); NeedleClient client = client(worker)) {
        assertAnswers(t, client.table(t.location(), IcebergFixture.KEY), keys, place::localPath);
        assertAnswers(t, client.table(t.metadataLocation(), IcebergFixture.KEY), keys, place::localPath);
      }
    }
  }

  @Test
  void aRefreshServesTheNewSnapshotAfterAnOverwriteAndAnExpiry() throws Exception {
    IcebergFixture t = IcebergFixture.create(dir.resolve("warehouse").toString(), null, "snapshots");
    DataFile first = t.append(ids(0, 300), 1);
    t.append(ids(300, 600), 1);
    List<Long> keys = List.of(5L, 150L, 299L, 300L, 599L, 650L, 700L);
    try (Worker worker = worker(Duration.ofMinutes(10)); NeedleClient client = client(worker)) {
      Table table = client.table(t.location(), IcebergFixture.KEY);
      assertAnswers(t, table, keys, IcebergTableTest::localPath);

      // Replace the first file with generation 2 of its rows plus new keys, then expire every
      // older snapshot: the replaced file is deleted from disk under the running worker.
      DataFile replacement = t.write(ids(0, 300).stream().filter(k -> k % 2 == 0).toList(), 2);
      t.table.newOverwrite().deleteFile(first).addFile(replacement).commit();
      t.append(ids(600, 700), 2);
      t.table.expireSnapshots().expireOlderThan(System.currentTimeMillis() + 1).retainLast(1).commit();
      assertThat(localPath(first.location())).as("the expiry deleted the replaced file").doesNotExist();

      table.relist(); // the Refresh RPC: the worker lists the table again and loads the new snapshot
      assertAnswers(t, table, keys, IcebergTableTest::localPath);
      assertThat(table.lookup(5L, List.of())).as("an odd key the overwrite removed").isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(IcebergPlace.Kind.class)
  void positionAndEqualityDeletesAreAppliedLikeIcebergsReader(IcebergPlace.Kind kind) throws Exception {
    try (IcebergPlace place = IcebergPlace.open(kind, dir)) {
      IcebergFixture t = place.create("deletes", 2);
      DataFile first = t.append(ids(0, 300), 1);
      t.append(ids(300, 600), 1);
      place.sync();
      List<Long> keys = List.of(0L, 3L, 4L, 5L, 10L, 11L, 12L, 299L, 300L, 301L, 450L, 599L, 700L);
      try (Worker worker = place.worker(Duration.ofMinutes(10)); NeedleClient client = client(worker)) {
        Table table = client.table(t.location(), IcebergFixture.KEY);
        assertAnswers(t, table, keys, place::localPath);

        t.deletePositions(first, 3, 4, 299); // rows 3, 4 and 299 of the first file hold keys 3, 4 and 299
        t.deleteKeys(10, 11, 301, 450);
        t.append(List.of(10L, 450L), 2); // written after the equality delete: live again
        place.sync();
        table.relist();
        assertAnswers(t, table, keys, place::localPath);
        assertThat(table.lookup(3L, List.of())).as("a row deleted by position").isEmpty();
        assertThat(table.lookup(11L, List.of())).as("a row deleted by key").isEmpty();
        assertThat(table.lookup(10L, List.of())).as("a key deleted, then written again").hasSize(1);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(IcebergPlace.Kind.class)
  void deletionVectorsAreAppliedLikeIcebergsReader(IcebergPlace.Kind kind) throws Exception {
    try (IcebergPlace place = IcebergPlace.open(kind, dir)) {
      IcebergFixture t = place.create("vectors", 3);
      DataFile first = t.append(ids(0, 2000), 1);
      t.append(ids(2000, 2500), 1);
      t.deleteWithVector(first, 0, 7, 1000, 1999);
      place.sync();
      List<Long> keys = List.of(0L, 1L, 7L, 8L, 999L, 1000L, 1001L, 1999L, 2000L, 2499L);
      try (Worker worker = place.worker(Duration.ofMinutes(10)); NeedleClient client = client(worker)) {
        Table table = client.table(t.location(), IcebergFixture.KEY);
        assertAnswers(t, table, keys, place::localPath);
        assertThat(table.lookup(1000L, List.of())).as("a row deleted by a deletion vector").isEmpty();
      }
    }
  }

  @Test
  void dataFilesTheManifestBoundsRuleOutAreNeverOpened() throws Exception {
    IcebergFixture t = IcebergFixture.create(dir.resolve("warehouse").toString(), null, "pruned");
    DataFile near = t.append(ids(0, 100), 1);
    DataFile far = t.append(ids(1000, 1100), 1);
    // Same size, no longer Parquet: any lookup that opened it would fail with DATA_LOSS.
    Path farPath = localPath(far.location());
    Files.write(farPath, new byte[(int) Files.size(farPath)]);
    try (Worker worker = Worker.startInProcess(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)), null, null)) {
      Response answer = call(worker, t.location(), 5);
      assertThat(answer.hasError()).as(answer.getError().getMessage()).isFalse();
      assertThat(answer.getLookup().getFilesList()).singleElement()
          .satisfies(f -> assertThat(near.location()).endsWith(f.getPath()));
      assertThat(call(worker, t.location(), 1005).getError().getCode()).as("the far file is read when a key may be in it")
          .isEqualTo(ErrorCode.DATA_LOSS);
    }
  }

  private static Response call(Worker worker, String table, long key) throws Exception {
    Frame frame = worker.call(Request.newBuilder().setRequestId(1).setLookup(LookupRequest.newBuilder()
        .setTableUri(table).setKeyColumn(IcebergFixture.KEY).setAppliesDeletedRows(true)
        .addKeys(Key.newBuilder().setIntValue(key))).build()).get(30, java.util.concurrent.TimeUnit.SECONDS);
    try {
      return Response.parseFrom(io.netty.buffer.ByteBufUtil.getBytes(frame.header()));
    } finally {
      frame.release();
    }
  }

  @Test
  void requestsThatFindTheSnapshotNotLoadedShareOneLoad() throws Exception {
    IcebergFixture t = IcebergFixture.create(dir.resolve("warehouse").toString(), null, "single");
    t.append(ids(0, 100), 1);
    t.append(ids(100, 200), 1);
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(Duration.ofMinutes(10));
    try (Worker worker = Worker.startInProcess(config, null, null)) {
      // Sent together: they all wait on the one listing of the cold table, then find no snapshot.
      List<java.util.concurrent.CompletableFuture<Frame>> calls = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        calls.add(worker.call(Request.newBuilder().setRequestId(i).setDescribe(
            io.needle.protocol.proto.DescribeRequest.newBuilder().setTableUri(t.location()).setKeyColumn(IcebergFixture.KEY))
            .build()));
      }
      for (var call : calls) {
        Frame frame = call.get(30, java.util.concurrent.TimeUnit.SECONDS);
        try {
          Response answer = Response.parseFrom(io.netty.buffer.ByteBufUtil.getBytes(frame.header()));
          assertThat(answer.hasError()).as(answer.getError().getMessage()).isFalse();
          assertThat(answer.getDescribe().getFilesCount()).isEqualTo(2);
        } finally {
          frame.release();
        }
      }
      assertThat(worker.icebergSnapshotLoads()).as("snapshot loads for 16 concurrent Describes").isEqualTo(1);
    }
  }

  @Test
  void aDescribeGivesFilesFromTheManifestsWithoutReadingTheirFooters() throws Exception {
    IcebergFixture t = IcebergFixture.create(dir.resolve("warehouse").toString(), null, "lazy");
    List<DataFile> files = List.of(t.append(ids(0, 100), 1), t.append(ids(1000, 1100), 1), t.append(ids(2000, 2050), 1));
    try (Worker worker = Worker.startInProcess(WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)), null, null)) {
      Response described = describe(worker, t.location());
      assertThat(described.hasError()).as(described.getError().getMessage()).isFalse();
      List<io.needle.protocol.proto.FileDescription> listed = described.getDescribe().getFilesList();
      assertThat(listed).hasSize(3);
      assertThat(listed.get(0).getSchemaId()).as("the first file's footer is read: the key's type").isNotZero();
      assertThat(described.getDescribe().getSchemasList()).hasSize(1);
      for (int i = 0; i < listed.size(); i++) {
        io.needle.protocol.proto.FileDescription f = listed.get(i);
        DataFile data = files.stream().filter(d -> d.location().endsWith(f.getPath())).findFirst().orElseThrow();
        assertThat(f.getRowCount()).as(f.getPath()).isEqualTo(data.recordCount());
        if (i > 0) {
          assertThat(f.getSchemaId()).as("described from the manifest: footer not read").isZero();
        }
      }
      assertThat(listed).extracting(f -> f.getKeyMin().getIntValue(), f -> f.getKeyMax().getIntValue())
          .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(0L, 99L),
              org.assertj.core.groups.Tuple.tuple(1000L, 1099L), org.assertj.core.groups.Tuple.tuple(2000L, 2049L));

      // Once a lookup has read a file's footer, the Describe gives it from there.
      assertThat(call(worker, t.location(), 1005).hasError()).isFalse();
      Response again = describe(worker, t.location());
      assertThat(again.getDescribe().getFilesList()).filteredOn(f -> f.getKeyMin().getIntValue() == 1000L)
          .singleElement().satisfies(f -> assertThat(f.getSchemaId()).isEqualTo(listed.get(0).getSchemaId()));
    }
    // Lookups through a real client on a fresh worker: the files described from the manifest answer.
    try (Worker worker = worker(Duration.ofMinutes(10)); NeedleClient client = client(worker)) {
      assertAnswers(t, client.table(t.location(), IcebergFixture.KEY), List.of(5L, 1005L, 2049L, 1500L),
          IcebergTableTest::localPath);
    }
  }

  static Response describe(Worker worker, String table) throws Exception {
    return describe(worker, table, IcebergFixture.KEY);
  }

  static Response describe(Worker worker, String table, String keyColumn) throws Exception {
    Frame frame = worker.call(Request.newBuilder().setRequestId(1).setDescribe(io.needle.protocol.proto.DescribeRequest
        .newBuilder().setTableUri(table).setKeyColumn(keyColumn)).build()).get(30, java.util.concurrent.TimeUnit.SECONDS);
    try {
      return Response.parseFrom(io.netty.buffer.ByteBufUtil.getBytes(frame.header()));
    } finally {
      frame.release();
    }
  }
}
