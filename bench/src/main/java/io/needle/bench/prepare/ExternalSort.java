package io.needle.bench.prepare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Sorts rows by key within a memory budget: rows are buffered until their estimated heap size
 * reaches the budget, sorted and spilled as a run (a temporary Parquet file of {@link Group}s);
 * at the end at most {@code fanIn} runs are merged at a time (k-way, with a heap of run heads),
 * in as many passes as it takes, and the last merge is streamed to the caller. A table that fits
 * the budget is never spilled.
 *
 * <p>Memory: the buffer (the budget) while reading; while merging, one row group per open run.
 * Runs are written with row groups of {@code budget / (2 * fanIn)} (at least 64 KiB) so that a
 * merge of {@code fanIn} runs stays within about half the budget. The heap size of a row is an
 * estimate from its values and the shape of parquet-java's {@code SimpleGroup} (a list per field,
 * boxed values); it is what decides when to spill, not a hard limit.
 *
 * <p>Not thread-safe. Close deletes every run file.
 */
final class ExternalSort implements AutoCloseable {
  private static final long MIN_RUN_ROW_GROUP_BYTES = 64 * 1024;

  /** A row and its key. */
  private record Keyed(Object key, Group row) {}

  private final MessageType schema;
  private final KeyColumn key;
  private final long budgetBytes;
  private final int fanIn;
  private final Path tmpDir;
  private final CompressionCodecName spillCodec;
  private final Comparator<Keyed> order;
  private final List<Path> runs = new ArrayList<>();
  private final List<Path> created = new ArrayList<>();
  private List<Keyed> buffer = new ArrayList<>();
  private long bufferedBytes;
  private int mergePasses;
  private int runsSpilled;

  ExternalSort(MessageType schema, KeyColumn key, long budgetBytes, int fanIn, Path tmpDir,
      CompressionCodecName spillCodec) {
    this.schema = schema;
    this.key = key;
    this.budgetBytes = budgetBytes;
    this.fanIn = fanIn;
    this.tmpDir = tmpDir;
    this.spillCodec = spillCodec;
    this.order = (a, b) -> key.compare(a.key, b.key);
  }

  void add(Group row) throws IOException {
    buffer.add(new Keyed(key.of(row), row));
    bufferedBytes += heapBytes(row, schema) + 32; // + the Keyed and its list slot
    if (bufferedBytes >= budgetBytes) {
      spill();
    }
  }

  /** Runs written while reading (0 when the table fitted the budget). */
  int runs() {
    return runsSpilled;
  }

  /** Merge passes written to disk before the final, streamed one. */
  int mergePasses() {
    return mergePasses;
  }

  /** Every row added, in key order. Call once, after the last {@link #add}. */
  SortedRows sorted() throws IOException {
    if (runs.isEmpty()) {
      buffer.sort(order);
      List<Keyed> rows = buffer;
      buffer = List.of();
      return new SortedRows() {
        private int next;

        @Override
        public Group next() {
          return next < rows.size() ? rows.get(next++).row() : null;
        }

        @Override
        public void close() {}
      };
    }
    if (!buffer.isEmpty()) {
      spill();
    }
    buffer = List.of();
    while (runs.size() > fanIn) {
      List<Path> next = new ArrayList<>();
      for (int i = 0; i < runs.size(); i += fanIn) {
        List<Path> group = runs.subList(i, Math.min(runs.size(), i + fanIn));
        if (group.size() == 1) {
          next.add(group.get(0));
          continue;
        }
        Path merged = newRunFile();
        try (Merge merge = new Merge(group); ParquetWriter<Group> out = runWriter(merged)) {
          for (Group row = merge.next(); row != null; row = merge.next()) {
            out.write(row);
          }
        }
        for (Path p : group) {
          Files.deleteIfExists(p);
        }
        next.add(merged);
      }
      runs.clear();
      runs.addAll(next);
      mergePasses++;
    }
    return new Merge(List.copyOf(runs));
  }

  private void spill() throws IOException {
    buffer.sort(order);
    Path run = newRunFile();
    try (ParquetWriter<Group> out = runWriter(run)) {
      for (Keyed k : buffer) {
        out.write(k.row());
      }
    }
    runs.add(run);
    runsSpilled++;
    buffer = new ArrayList<>();
    bufferedBytes = 0;
  }

  private Path newRunFile() {
    Path p = tmpDir.resolve(String.format("run-%06d.parquet", created.size()));
    created.add(p);
    return p;
  }

  private ParquetWriter<Group> runWriter(Path path) throws IOException {
    long rowGroupBytes = Math.max(MIN_RUN_ROW_GROUP_BYTES, budgetBytes / (2L * fanIn));
    return io.needle.bench.gen.GroupWriters.spill(path, schema, spillCodec, rowGroupBytes);
  }

  @Override
  public void close() throws IOException {
    buffer = List.of();
    for (Path p : created) {
      Files.deleteIfExists(p);
    }
  }

  /** Rows in key order; {@link #next} gives null after the last. */
  interface SortedRows extends AutoCloseable {
    Group next() throws IOException;

    @Override
    void close() throws IOException;
  }

  /** A k-way merge of sorted runs; equal keys come out in run order. */
  private final class Merge implements SortedRows {
    private record Head(Keyed row, int run) {}

    private final List<GroupFile> files = new ArrayList<>();
    private final PriorityQueue<Head> heads;

    Merge(List<Path> runFiles) throws IOException {
      heads = new PriorityQueue<>(Math.max(1, runFiles.size()),
          Comparator.comparing(Head::row, order).thenComparingInt(Head::run));
      try {
        for (Path p : runFiles) {
          GroupFile f = GroupFile.open(p);
          files.add(f);
          advance(files.size() - 1);
        }
      } catch (IOException | RuntimeException e) {
        close();
        throw e;
      }
    }

    private void advance(int run) throws IOException {
      Group row = files.get(run).next();
      if (row != null) {
        heads.add(new Head(new Keyed(key.of(row), row), run));
      }
    }

    @Override
    public Group next() throws IOException {
      Head head = heads.poll();
      if (head == null) {
        return null;
      }
      advance(head.run());
      return head.row().row();
    }

    @Override
    public void close() throws IOException {
      IOException first = null;
      for (GroupFile f : files) {
        try {
          f.close();
        } catch (IOException e) {
          first = first == null ? e : first;
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }

  /** Estimated heap bytes of a {@code SimpleGroup}: the group, a list per field, boxed values. */
  static long heapBytes(Group g, GroupType type) {
    long bytes = 24 + 16 + 4L * type.getFieldCount();
    for (int i = 0; i < type.getFieldCount(); i++) {
      int n = g.getFieldRepetitionCount(i);
      if (n == 0) {
        continue;
      }
      bytes += 80 + 4L * n; // an ArrayList of default capacity
      Type t = type.getType(i);
      for (int j = 0; j < n; j++) {
        if (!t.isPrimitive()) {
          bytes += heapBytes(g.getGroup(i, j), t.asGroupType());
          continue;
        }
        bytes += switch (t.asPrimitiveType().getPrimitiveTypeName()) {
          case BOOLEAN, INT32, FLOAT -> 16;
          case INT64, DOUBLE -> 24;
          case INT96 -> 16 + 48 + 12;
          case BINARY, FIXED_LEN_BYTE_ARRAY -> 16 + 48 + g.getBinary(i, j).length();
        };
      }
    }
    return bytes;
  }
}
