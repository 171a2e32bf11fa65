package io.needle.benchcli;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.gen.RagTable;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "gen", mixinStandardHelpOptions = true, description = "Write a lookup-friendly table: a feature-store table (sorted int64 key user_id, "
    + "12 columns and an embedding) or, with --shape rag, a RAG table (sorted string key doc_id, 1-4 KiB text, "
    + "a list<float> embedding).")
final class GenCommand implements Callable<Integer> {
  /** The generated tables. */
  enum Shape { FEATURE, RAG }

  @Option(names = "--rows", required = true, description = "Number of rows.")
  long rows;

  @Option(names = "--out", required = true, description = "Output directory.")
  Path out;

  @Option(names = "--files", defaultValue = "1", description = "Number of files. Default: ${DEFAULT-VALUE}")
  int files;

  @Option(names = "--shape", defaultValue = "feature", converter = ShapeConverter.class,
      description = "feature or rag. Default: ${DEFAULT-VALUE}")
  Shape shape;

  @Option(names = "--embedding-dim",
      description = "Floats per embedding. Default: 16 for feature, 384 for rag.")
  Integer embeddingDim;

  @Option(names = "--codec", defaultValue = "SNAPPY", description = "UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW. Default: ${DEFAULT-VALUE}")
  CompressionCodecName codec;

  @Override
  public Integer call() throws Exception {
    GenOptions options = (shape == Shape.RAG ? RagTable.defaultOptions(rows, files) : GenOptions.defaults(rows, files))
        .withCodec(codec);
    if (embeddingDim != null) {
      options = options.withEmbeddingDim(embeddingDim);
    }
    Files.createDirectories(out);
    long start = System.nanoTime();
    List<Path> written;
    try (Progress ignored = Progress.onTerminal(out, start)) {
      written = shape == Shape.RAG ? RagTable.write(options, out) : FeatureTable.write(options, out);
    }
    long bytes = 0;
    for (Path p : written) {
      bytes += Files.size(p);
    }
    System.err.printf("wrote %d rows in %d files (%.1f MiB) to %s in %.1f s; key column: %s%n", rows, written.size(),
        bytes / 1048576.0, out, (System.nanoTime() - start) / 1e9,
        shape == Shape.RAG ? RagTable.KEY_COLUMN : FeatureTable.KEY_COLUMN);
    return 0;
  }

  /**
   * On a terminal, one redrawn stderr line with the bytes written so far and the time taken (the
   * writers flush row groups as they go); nothing when stderr is piped or redirected.
   */
  private static final class Progress implements AutoCloseable {
    private final java.util.concurrent.ScheduledExecutorService ticker;

    private Progress(java.util.concurrent.ScheduledExecutorService ticker) {
      this.ticker = ticker;
    }

    static Progress onTerminal(Path dir, long startNanos) {
      if (System.console() == null) {
        return new Progress(null);
      }
      var ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "needle-gen-progress");
        t.setDaemon(true);
        return t;
      });
      ticker.scheduleAtFixedRate(() -> System.err.printf("\r\033[Kneedle gen: %.1f MiB written, %d s",
          bytesIn(dir) / 1048576.0, (System.nanoTime() - startNanos) / 1_000_000_000L), 500, 500,
          java.util.concurrent.TimeUnit.MILLISECONDS);
      return new Progress(ticker);
    }

    private static long bytesIn(Path dir) {
      long total = 0;
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          total += Files.isRegularFile(p) ? Files.size(p) : 0;
        }
      } catch (java.io.IOException | java.io.UncheckedIOException e) {
        // a file renamed or removed while listing: the next tick counts again
      }
      return total;
    }

    @Override
    public void close() {
      if (ticker != null) {
        ticker.shutdownNow();
        System.err.print("\r\033[K");
      }
    }
  }

  /** Case-insensitive shape names, with the accepted ones in the error. */
  static final class ShapeConverter implements ITypeConverter<Shape> {
    @Override
    public Shape convert(String value) {
      try {
        return Shape.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("--shape must be feature or rag: '" + value + "'");
      }
    }
  }
}
