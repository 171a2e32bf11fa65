package io.needle.benchcli;

import io.needle.cli.Sizes;
import io.needle.cli.TableUris;

import io.needle.bench.gen.WriterLayout;
import io.needle.bench.prepare.IcebergPreparer;
import io.needle.bench.prepare.PrepareOptions;
import io.needle.bench.prepare.PrepareResult;
import io.needle.bench.prepare.TablePreparer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "prepare", description = "Rewrite a local table lookup-friendly: globally sorted by the key "
    + "(external sort, any size), disjoint key ranges across files, small pages, the page index and a bloom filter "
    + "on the key; every column and type kept; the output is verified to hold the same rows as the source. "
    + "A local Iceberg table (deletes applied) becomes a new Iceberg table at DST, or a new snapshot of itself "
    + "with --rewrite.")
final class PrepareCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SRC", description = "A Parquet file, a directory of them, or a local Iceberg "
      + "table (its location or a metadata file; path or file:// URI).")
  String src;

  @Parameters(index = "1", arity = "0..1", paramLabel = "DST", description = "Output directory (created; must be "
      + "missing or empty); for an Iceberg SRC, the new Iceberg table's location. Not with --rewrite.")
  String dst;

  @Option(names = "--rewrite", description = "Iceberg SRC only: commit the prepared files to SRC itself, one rewrite "
      + "snapshot replacing its data and delete files, instead of writing a new table at DST.")
  boolean rewrite;

  @Option(names = "--key-column", required = true, description = "The column to sort by and look up by.")
  String keyColumn;

  @Option(names = "--codec", description = "UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW (default: needle gen's, SNAPPY).")
  CompressionCodecName codec;

  @Option(names = "--page-size", description = "Target page size (default: needle gen's, 8k).")
  String pageSize;

  @Option(names = "--page-rows", description = "Most rows per page (default: needle gen's, 200).")
  Integer pageRows;

  @Option(names = "--row-group-size", description = "Target row-group size (default: needle gen's, 32m).")
  String rowGroupSize;

  @Option(names = "--file-size", description = "Target file size; files are cut where the key changes (default: 256m).")
  String fileSize;

  @Option(names = "--memory",
      description = "Rows buffered per sorted run, as estimated heap bytes (default: a quarter of the heap, -Xmx).")
  String memory;

  @Option(names = "--tmp-dir", description = "Where sorted runs are spilled (default: a hidden directory in DST).")
  Path tmpDir;

  @Override
  public Integer call() throws Exception {
    PrepareOptions defaults = PrepareOptions.defaults(keyColumn);
    WriterLayout gen = defaults.layout();
    PrepareOptions options = defaults
        .withLayout(gen.withCodec(codec == null ? gen.codec() : codec)
            .withPages(pageSize == null ? gen.pageSizeBytes() : Math.toIntExact(Sizes.parseBytes(pageSize)),
                pageRows == null ? gen.pageRowLimit() : pageRows)
            .withRowGroupBytes(rowGroupSize == null ? gen.rowGroupBytes() : Sizes.parseBytes(rowGroupSize)))
        .withFileBytes(fileSize == null ? defaults.fileBytes() : Sizes.parseBytes(fileSize))
        .withMemory(memory == null ? defaults.memoryBytes() : Sizes.parseBytes(memory), defaults.mergeFanIn())
        .withTmpDir(tmpDir);
    Path source = TableUris.localRoot(src);
    PrepareResult r;
    if (IcebergPreparer.isIcebergTable(source)) {
      if (rewrite == (dst != null)) {
        throw new IllegalArgumentException("an Iceberg SRC needs DST (a new table) or --rewrite (a new snapshot of "
            + "SRC), one of them");
      }
      r = IcebergPreparer.prepare(source, dst == null ? null : TableUris.localRoot(dst),
          rewrite ? IcebergPreparer.Output.REWRITE : IcebergPreparer.Output.NEW_TABLE, options, System.err);
    } else if (rewrite || dst == null) {
      throw new IllegalArgumentException(rewrite ? "--rewrite is for Iceberg tables: " + src + " is not one"
          : "DST is required");
    } else {
      r = TablePreparer.prepare(source, TableUris.localRoot(dst), options, System.err);
    }
    System.err.printf("prepared %,d rows into %d files (%.1f MiB from %.1f MiB) in %s in %.1f s: sorted by %s, "
        + "%d sorted runs, %d extra merge passes, bloom filters sized for %,d keys; verified: same rows as the "
        + "source%n", r.rows(), r.files().size(), r.outputBytes() / 1048576.0, r.sourceBytes() / 1048576.0,
        dst == null ? src + " (a rewrite commit)" : dst,
        r.seconds(), keyColumn, r.runs(), r.mergePasses(), r.bloomNdv());
    return 0;
  }
}
