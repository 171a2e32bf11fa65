package io.needle.bench.jmh;

import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decompressing one real data page of the {@code bio} column (strings, ~8 KiB uncompressed) of a
 * {@code needle gen} table, per codec, with the pure-Java aircompressor decoders the client uses
 * (GZIP with the JDK). The page is the first data page of the column chunk of file 0.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PageCodecBenchmarks {
  @Param({"SNAPPY", "ZSTD", "LZ4_RAW", "GZIP"})
  String codec;

  private byte[] body;
  private byte[] out;
  private Decompressor decompressor;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Path dir = Files.createTempDirectory("needle-jmh-codec-");
    Path file = new FeatureTable(GenOptions.defaults(20_000, 1).withCodec(CompressionCodecName.valueOf(codec)))
        .write(dir).get(0);
    byte[] bytes = Files.readAllBytes(file);
    int footerLength = java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    FileMetaData footer = Util.readFileMetaData(
        new ByteArrayInputStream(bytes, bytes.length - 8 - footerLength, footerLength));
    long offset = footer.getRow_groups().get(0).getColumns().stream()
        .filter(c -> c.getMeta_data().getPath_in_schema().equals(java.util.List.of("bio")))
        .findFirst().orElseThrow().getMeta_data().getData_page_offset();
    InputStream in = new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset);
    int before = in.available();
    PageHeader h = Util.readPageHeader(in);
    int headerBytes = before - in.available();
    body = new byte[h.getCompressed_page_size()];
    System.arraycopy(bytes, (int) offset + headerBytes, body, 0, body.length);
    out = new byte[h.getUncompressed_page_size()];
    decompressor = switch (codec) {
      case "SNAPPY" -> new SnappyDecompressor();
      case "ZSTD" -> new ZstdDecompressor();
      case "LZ4_RAW" -> new Lz4Decompressor();
      default -> null;
    };
  }

  @Benchmark
  public int decompressPage() throws IOException {
    if (decompressor != null) {
      return decompressor.decompress(body, 0, body.length, out, 0, out.length);
    }
    try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return gz.readNBytes(out, 0, out.length);
    }
  }
}
