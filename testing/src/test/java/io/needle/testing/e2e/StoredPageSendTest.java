package io.needle.testing.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageStoreConfig;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.PageSegment;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.Response;
import io.needle.worker.RepagingConfig;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;
import java.io.DataInputStream;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A page answered from the page store reaches the client as the bytes its CRC32C names, even when
 * the store reuses the page's region while the answer still waits in the socket for the client to
 * read it (issue #11). The kernel does not copy what {@code sendfile} sends: the socket keeps
 * references to the region file's cached pages until the peer has read them (on loopback, until
 * the client's {@code read}), so a write into a reused region after {@code sendfile} returned
 * changed bytes already "sent". RepagingTest's small store saw exactly that: the key column's
 * 80 KB pages, sent with {@code sendfile}, arrived holding bytes of a page stored after them.
 *
 * <p>Deterministic: the slow client reads its answer's header, then waits (a bounded poll) until
 * the whole payload sits in its socket's receive queue, i.e. until the worker has handed it all
 * to the kernel and let go of the page; only then does a second connection fill the store until
 * every region has been reused, and only then is the payload read and checked.
 */
class StoredPageSendTest {
  private static final int ROWS = 100_000;

  @TempDir
  static Path dir;

  static Path table;

  @BeforeAll
  static void writeTable() throws Exception {
    table = Files.createDirectories(dir.resolve("tables/parquet_java"));
    RepagingTables.writeParquetJavaDefaults(table.resolve("part-0.parquet"), RepagingTest.ROWS, CompressionCodecName.SNAPPY); // 80 KB pages of the key column
  }

  @AfterAll
  static void leaks() throws Exception {
    LeakRecorder.assertNoLeaks();
  }

  @Test
  void aStoredPageKeepsItsBytesWhenItsRegionIsReusedBeforeTheClientReadsIt() throws Exception {
    // Three 1 MiB regions, admission off: every page read is stored, and a few lookups reuse every
    // region. FIFO, so that no page hit by the other lookups keeps the answer's region alive.
    PageStoreConfig small = new PageStoreConfig(dir.resolve("cache"), 3L << 20, 1 << 20, EvictionPolicy.FIFO, false,
        8192, "stored-page-send-test", true, false);
    try (Worker worker = Worker.start(WorkerConfig.defaults("127.0.0.1", 0, List.of(table.getParent())), small, null,
        RepagingConfig.disabled())) {
      long key = 3L * 4321;
      // The key column's page of this key, larger than the parts the worker copies, into the store.
      LookupResponse first = Raw.lookup(worker, key, List.of("id"));
      long keyPageBytes = first.getPages(0).getLength();
      assertThat(keyPageBytes).as("the key page is sent whole, not copied with small pages").isGreaterThan(64 * 1024);
      await(() -> worker.pageStoreStats().puts() >= first.getPagesCount(), "the key page stored");

      try (Socket slow = Raw.connect(worker)) {
        slow.setReceiveBufferSize(1 << 20);
        Raw.send(slow, key, List.of("id"));
        DataInputStream in = new DataInputStream(slow.getInputStream()); // unbuffered: available() is the socket's
        long frameLength = Integer.toUnsignedLong(in.readInt());
        int headerLength = in.readInt();
        Response header = Response.parseFrom(in.readNBytes(headerLength));
        assertThat(header.hasError()).as("%s", header.getError()).isFalse();
        LookupResponse answer = header.getLookup();
        int payload = (int) (frameLength - 4 - headerLength);
        assertThat(answer.getPages(0).getHasCrc32C()).as("answered through the page store").isTrue();
        InputStream raw = slow.getInputStream();
        await(() -> available(raw) >= payload, "the whole payload in the slow client's socket");

        // Another client's lookups (of rows outside the key page's) fill the store until every
        // region has been evicted and written again: with FIFO and three regions, the answer's
        // region is evicted within three evictions and overwritten before the next one ends.
        long evictedBefore = worker.pageStoreStats().evictedRegions();
        Random random = new Random(7);
        for (int i = 0; i < 300 && worker.pageStoreStats().evictedRegions() < evictedBefore + 6; i++) {
          Raw.lookup(worker, 3L * (ROWS / 2 + random.nextInt(ROWS / 2)), List.of());
        }
        assertThat(worker.pageStoreStats().evictedRegions()).as("regions reused while the answer waited")
            .isGreaterThanOrEqualTo(evictedBefore + 6);

        byte[] bytes = in.readNBytes(payload);
        int at = 0;
        for (int i = 0; i < answer.getPagesCount(); i++) {
          PageSegment segment = answer.getPages(i);
          CRC32C crc = new CRC32C();
          crc.update(bytes, at, segment.getLength());
          assertThat((int) crc.getValue()).as("CRC32C of page %d (offset %d, %d bytes)", i, segment.getFileOffset(),
              segment.getLength()).isEqualTo(segment.getCrc32C());
          at += segment.getLength();
        }
        assertThat(at).isEqualTo(payload);
      }
    }
  }

  private static int available(InputStream in) {
    try {
      return in.available();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A bounded poll: up to 60 s, failing with {@code what}. */
  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waiting for %s", what).isNegative();
      Thread.sleep(10);
    }
  }

  /** The frame format by hand: a client that reads when the test says so. */
  private static final class Raw {
    static Socket connect(Worker worker) throws IOException {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(1 << 20); // before connect: the window scale is fixed then
      socket.connect(new InetSocketAddress(worker.address().getAddress(), worker.address().getPort()));
      socket.setSoTimeout(60_000);
      return socket;
    }

    static void send(Socket socket, long key, List<String> columns) throws IOException {
      LookupRequest lookup = LookupRequest.newBuilder().setTableUri(table.toUri().toString()).setKeyColumn("id")
          .addKeys(Key.newBuilder().setIntValue(key)).addAllColumns(columns).build();
      byte[] header = Request.newBuilder().setRequestId(1).setLookup(lookup).build().toByteArray();
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeInt(4 + header.length);
      out.writeInt(header.length);
      out.write(header);
      out.flush();
    }

    static LookupResponse lookup(Worker worker, long key, List<String> columns) throws IOException {
      try (Socket socket = connect(worker)) {
        send(socket, key, columns);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        long frameLength = Integer.toUnsignedLong(in.readInt());
        int headerLength = in.readInt();
        Response response = Response.parseFrom(in.readNBytes(headerLength));
        in.skipNBytes(frameLength - 4 - headerLength);
        assertThat(response.hasError()).as("%s", response.getError()).isFalse();
        return response.getLookup();
      }
    }
  }
}
