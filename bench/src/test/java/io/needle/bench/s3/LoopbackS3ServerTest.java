package io.needle.bench.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loopback S3 server of {@code needle bench --s3} and parquet-java's input file over it,
 * through the AWS SDK: the injected latency really delays every GET, and ranged reads return the
 * file's bytes wherever they fall relative to the read-ahead window.
 */
class LoopbackS3ServerTest {
  private static final int SIZE = 3 * S3RangeInputFile.READ_AHEAD_BYTES + 123;

  @TempDir
  Path dir;

  @Test
  void everyGetWaitsAtLeastTheInjectedLatency() throws Exception {
    byte[] bytes = randomBytes(SIZE);
    Path file = Files.write(dir.resolve("part-0.parquet"), bytes);
    Duration latency = Duration.ofMillis(150);
    try (LoopbackS3Table table = LoopbackS3Table.serve(List.of(file), latency)) {
      InputFile in = table.parquetFiles().get(0);
      for (int i = 0; i < 3; i++) {
        byte[] read = new byte[100];
        try (SeekableInputStream s = in.newStream()) {
          s.seek(1_000L * i);
          long begin = System.nanoTime();
          s.readFully(read);
          Duration took = Duration.ofNanos(System.nanoTime() - begin);
          // the bound that matters is the lower one; the upper one only catches a hang
          assertThat(took).as("GET %d", i).isGreaterThanOrEqualTo(latency).isLessThan(latency.plusSeconds(30));
        }
        assertThat(read).isEqualTo(Arrays.copyOfRange(bytes, 1_000 * i, 1_000 * i + 100));
      }
      assertThat(table.serverGets()).isEqualTo(3);
      assertThat(table.parquetJavaGets()).isEqualTo(3);
    }
  }

  @Test
  void rangedReadsReturnTheFileBytesAcrossWindows() throws Exception {
    byte[] bytes = randomBytes(SIZE);
    Path file = Files.write(dir.resolve("part-0.parquet"), bytes);
    try (LoopbackS3Table table = LoopbackS3Table.serve(List.of(file), Duration.ZERO);
        SeekableInputStream s = table.parquetFiles().get(0).newStream()) {
      // single bytes inside one window: one GET
      s.seek(10);
      assertThat(s.read()).isEqualTo(bytes[10] & 0xff);
      assertThat(s.read()).isEqualTo(bytes[11] & 0xff);
      assertThat(table.parquetJavaGets()).isEqualTo(1);
      // a read running past the window's end continues from a new window
      int acrossAt = 10 + S3RangeInputFile.READ_AHEAD_BYTES - 50;
      s.seek(acrossAt);
      byte[] across = new byte[200];
      s.readFully(across);
      assertThat(across).isEqualTo(Arrays.copyOfRange(bytes, acrossAt, acrossAt + 200));
      // a read larger than the read-ahead, into a heap buffer
      s.seek(5);
      ByteBuffer big = ByteBuffer.allocate(2 * S3RangeInputFile.READ_AHEAD_BYTES + 7);
      s.readFully(big);
      assertThat(big.array()).isEqualTo(Arrays.copyOfRange(bytes, 5, 5 + big.capacity()));
      assertThat(s.getPos()).isEqualTo(5 + big.capacity());
      // the tail, as parquet-java reads a footer's length and magic, then end of file
      s.seek(SIZE - 8);
      byte[] tail = new byte[8];
      s.readFully(tail);
      assertThat(tail).isEqualTo(Arrays.copyOfRange(bytes, SIZE - 8, SIZE));
      assertThat(s.read()).isEqualTo(-1);
      assertThat(s.read(new byte[4], 0, 4)).isEqualTo(-1);
      s.seek(SIZE - 2);
      assertThatThrownBy(() -> s.readFully(new byte[3])).isInstanceOf(EOFException.class);
      ByteBuffer direct = ByteBuffer.allocateDirect(10);
      s.seek(SIZE - 4);
      assertThat(s.read(direct)).isEqualTo(4);
      byte[] last = new byte[4];
      direct.flip().get(last);
      assertThat(last).isEqualTo(Arrays.copyOfRange(bytes, SIZE - 4, SIZE));
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }
}
