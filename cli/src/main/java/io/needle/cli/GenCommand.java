package io.needle.cli;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "gen", description = "Write a lookup-friendly feature-store table (sorted int64 key user_id).")
final class GenCommand implements Callable<Integer> {
  @Option(names = "--rows", required = true, description = "Number of rows.")
  long rows;

  @Option(names = "--out", required = true, description = "Output directory.")
  Path out;

  @Option(names = "--files", defaultValue = "1", description = "Number of files. Default: ${DEFAULT-VALUE}")
  int files;

  @Option(names = "--codec", defaultValue = "SNAPPY", description = "UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW. Default: ${DEFAULT-VALUE}")
  CompressionCodecName codec;

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(out);
    long start = System.nanoTime();
    List<Path> written = FeatureTable.write(GenOptions.defaults(rows, files).withCodec(codec), out);
    long bytes = 0;
    for (Path p : written) {
      bytes += Files.size(p);
    }
    System.err.printf("wrote %d rows in %d files (%.1f MiB) to %s in %.1f s; key column: %s%n", rows, written.size(),
        bytes / 1048576.0, out, (System.nanoTime() - start) / 1e9, FeatureTable.KEY_COLUMN);
    return 0;
  }
}
