package io.needle.bench;

import io.needle.bench.gen.FeatureTable;
import io.needle.bench.gen.GenOptions;
import io.needle.bench.gen.RagTable;
import io.needle.bench.prepare.PrepareOptions;
import io.needle.bench.prepare.TablePreparer;
import io.needle.bench.harness.Workload;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import io.needle.bench.harness.Directories;

/**
 * The tables a bench run measures: {@code needle gen} tables generated into the table directory
 * (or reused when a marker says they have the same shape), or the user's own table, with its
 * rewrite in gen's layout when asked; each workload mapped to its table.
 */
final class BenchTables {
  private static final String RAG_DIR = "_rag";

  /** Each workload's table; the user's table rewritten in gen's layout, or null. */
  record Tables(Map<Workload, BenchTable> byWorkload, BenchTable genLayout) {}

  private final BenchOptions o;
  private final PrintStream out;
  private final RunRecord record;

  private BenchTables(BenchOptions o, PrintStream out, RunRecord record) {
    this.o = o;
    this.out = out;
    this.record = record;
  }

  /**
   * The table each workload runs on, generated (or reused) only when a workload needs it. The
   * RAG table lives in {@code <dir>/_rag}: the worker skips names starting with {@code _} when it
   * lists the feature table at {@code <dir>}, so both share one directory and one worker root.
   */
  static Tables prepare(BenchOptions o, Path dir, PrintStream out, RunRecord record) throws IOException {
    return new BenchTables(o, out, record).tables(dir);
  }

  private Tables tables(Path dir) throws IOException {
    Map<Workload, BenchTable> tables = new EnumMap<>(Workload.class);
    if (o.userTable() != null) {
      UserTable user = openUserTable(o.userTable());
      BenchTable genLayout = o.genLayoutDir() == null ? null
          : user.relocated(o.genLayoutDir(), ensureGenLayout(user, o.genLayoutDir()));
      for (Workload w : o.workloads()) {
        tables.put(w, user);
      }
      return new Tables(tables, genLayout);
    }
    BenchTable feature = null;
    BenchTable rag = null;
    for (Workload w : o.workloads()) {
      if (w == Workload.RAG) {
        if (rag == null) {
          RagTable gen = new RagTable(RagTable.defaultOptions(o.rows(), o.files()));
          Path ragDir = dir.resolve(RAG_DIR);
          rag = GeneratedTable.rag(gen, ragDir, ensureTable("RAG table", ragDir, ".needle-bench-rag-" + o.rows()
              + "-rows-" + o.files() + "-files-" + layout(gen.options()), gen::write));
        }
        tables.put(w, rag);
      } else {
        if (feature == null) {
          FeatureTable gen = new FeatureTable(GenOptions.defaults(o.rows(), o.files()));
          feature = GeneratedTable.feature(gen, dir, ensureTable("table", dir,
              ".needle-bench-" + o.rows() + "-rows-" + o.files() + "-files-" + layout(gen.options()), gen::write));
        }
        tables.put(w, feature);
      }
    }
    return new Tables(tables, null);
  }

  private UserTable openUserTable(UserTableSpec spec) throws IOException {
    long t0 = System.nanoTime();
    out.printf("sampling keys of %s (key column %s) ...%n", spec.location(), spec.keyColumn());
    UserTable t = UserTable.open(spec, o.seed());
    out.printf("sampled %,d distinct keys and %,d absent ones of %,d files in %.1f s; every call reads %s%n",
        t.keyCount(), t.absentKeyCount(), t.files().size(), (System.nanoTime() - t0) / 1e9, t.columns());
    record.note("--table: feature asks one present key, batch " + Workload.BATCH.keysPerCall() + " present keys, absent "
        + "one absent key, cold one present key on a fresh worker; each reads " + String.join(",", t.columns())
        + ". Present keys are a sample of the key column; each answer must hold every row of its keys.");
    if (t.absentKeysPastMax()) {
      record.note("--table: the key next to almost every sampled key exists (dense keys), so most absent keys lie past "
          + "the largest key, where statistics rule them out before any bloom filter");
    }
    return t;
  }

  /**
   * A fingerprint of everything a generated table's files depend on (codec, page and row-group
   * sizes, page version, seed, ...), so a table written with other settings, by another version
   * of the generator's defaults, is written again rather than measured by mistake.
   */
  private static String layout(GenOptions options) {
    return Integer.toHexString(options.toString().hashCode());
  }

  /** Writes a table's files into {@code dir} and returns them in file order. */
  private interface TableWriter {
    List<Path> write(Path dir) throws IOException;
  }

  private List<Path> ensureTable(String what, Path dir, String markerName, TableWriter writer) throws IOException {
    Path marker = dir.resolve(markerName);
    List<Path> files = new ArrayList<>();
    for (int f = 0; f < o.files(); f++) {
      files.add(dir.resolve(FeatureTable.fileName(f)));
    }
    if (Files.exists(marker) && files.stream().allMatch(Files::isRegularFile)) {
      out.printf("reusing the %,d-row %s in %s%n", o.rows(), what, dir);
      return files;
    }
    long t0 = System.nanoTime();
    out.printf("generating %,d rows in %d files in %s ...%n", o.rows(), o.files(), dir);
    List<Path> written = writer.write(dir);
    Files.writeString(marker, "written by needle bench\n");
    out.printf("generated in %.1f s, %,d bytes%n", (System.nanoTime() - t0) / 1e9, sizeOf(written));
    return written;
  }

  /**
   * The user's table rewritten in gen's layout in {@code dir}, written once: a marker names the
   * source files with their sizes and times, and a changed table is rewritten.
   */
  private List<Path> ensureGenLayout(UserTable user, Path dir) throws IOException {
    StringBuilder source = new StringBuilder("rows of " + user.location() + " sorted by " + user.keyColumn() + "\n");
    for (Path f : user.files()) {
      source.append(f).append(' ').append(Files.size(f)).append(' ').append(Files.getLastModifiedTime(f)).append('\n');
    }
    Path marker = dir.resolve(".needle-bench-gen-layout");
    if (Files.isRegularFile(marker) && Files.readString(marker).contentEquals(source)) {
      try (Stream<Path> files = Files.list(dir)) {
        List<Path> kept = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().toList();
        if (!kept.isEmpty()) {
          out.printf("reusing the gen-layout rewrite of the table in %s%n", dir);
          return kept;
        }
      }
    }
    Directories.deleteTree(dir);
    long t0 = System.nanoTime();
    out.printf("rewriting the table in needle gen's layout (sorted by %s) in %s ...%n", user.keyColumn(), dir);
    // needle prepare is the one rewrite into gen's layout: external sort, gen's writer setup.
    List<Path> written = TablePreparer.prepare(user.location(), dir, PrepareOptions.defaults(user.keyColumn()),
        new java.io.PrintStream(java.io.OutputStream.nullOutputStream())).files();
    Files.writeString(marker, source);
    out.printf("rewritten in %.1f s, %,d bytes (the table: %,d bytes)%n", (System.nanoTime() - t0) / 1e9,
        sizeOf(written), sizeOf(user.files()));
    record.note("Needle (gen layout): the same rows rewritten by needle prepare in needle gen's layout (sorted by the key, "
        + "8 KiB pages of at most 200 rows, page index, bloom filter on the key, SNAPPY), same keys and columns");
    return written;
  }

  /** The table's URI, as a worker serving its root is asked for it. */
  static String uri(BenchTable table) {
    return table.location().toUri().toString();
  }

  static long sizeOf(List<Path> files) throws IOException {
    long n = 0;
    for (Path p : files) {
      n += Files.size(p);
    }
    return n;
  }
}
