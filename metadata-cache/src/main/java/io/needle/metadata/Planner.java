package io.needle.metadata;

import io.needle.metadata.LeafColumn.PhysicalType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.apache.parquet.column.values.bloomfilter.XxHash;
import org.apache.parquet.format.CompressionCodec;

/**
 * The lookup planner: pure arithmetic over a {@link FileMetadata}, no I/O.
 *
 * <p>{@link #resolve} validates a {@link LookupSpec} once (columns, key type, key values) and
 * precomputes the sorted normalised keys and their bloom hashes. {@link #step} then either
 * returns the plan or names the lazily loaded state it lacks (the key column's state, or page
 * tables of chunks without an offset index); the cache loads that off-loop and steps again.
 *
 * <p>Per row group: keys outside the key chunk's [min, max] are dropped, then keys the bloom
 * filter rules out; the remaining keys select key pages (binary search on ordered page bounds,
 * scan otherwise); those pages' row ranges select, for every other requested leaf, the data pages
 * overlapping them. A field with any leaf of unknown first rows is sent whole.
 */
final class Planner {
  private static final XxHash HASH = new XxHash();

  private Planner() {}

  /** A validated lookup: the key leaf, the keys in normalised sorted form, the output leaves. */
  record Request(LookupSpec spec, int keyLeaf, long[] longKeys, byte[][] byteKeys, long[] hashes, int[] fields) {
    int keyCount() {
      return longKeys != null ? longKeys.length : byteKeys.length;
    }
  }

  /** Either a plan, or what must be loaded first. */
  record Step(FilePlan plan, boolean needsKeyState, int[] missingChunks) {}

  static int keyLeaf(FileMetadata file, String keyColumn) throws ParquetException {
    Integer leafIndex = file.leafByPath.get(keyColumn);
    if (leafIndex == null) {
      throw new ParquetException(ParquetException.Kind.UNKNOWN_COLUMN,
          file.version.path() + ": no column " + keyColumn);
    }
    LeafColumn leaf = file.leaves[leafIndex];
    if (!leaf.usableAsKey()) {
      throw new ParquetException(ParquetException.Kind.INVALID_KEY, file.version.path() + ": column " + keyColumn
          + " (" + leaf.type() + (leaf.repeated() ? ", repeated" : "") + (leaf.topLevel() ? "" : ", nested")
          + ") cannot be a key: keys are top-level non-repeated INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY columns");
    }
    return leafIndex;
  }

  static Request resolve(FileMetadata file, LookupSpec spec) throws ParquetException {
    int keyLeaf = keyLeaf(file, spec.keyColumn());
    LeafColumn leaf = file.leaves[keyLeaf];
    Keys keys = spec.keys();
    boolean longColumn = leaf.type() == PhysicalType.INT32 || leaf.type() == PhysicalType.INT64;
    if (keys.isLongs() != longColumn) {
      throw invalidKey(file, spec, "keys of column " + leaf.path() + " (" + leaf.type() + ") must be "
          + (longColumn ? "longs" : "byte arrays"));
    }
    int n = keys.size();
    long[] longKeys = null;
    byte[][] byteKeys = null;
    long[] hashes;
    if (longColumn) {
      long[] normalised = new long[n];
      for (int i = 0; i < n; i++) {
        normalised[i] = normaliseLong(file, spec, leaf, keys.longAt(i));
      }
      Arrays.sort(normalised);
      longKeys = dedupe(normalised);
      hashes = new long[longKeys.length];
      byte[] plain = new byte[leaf.type() == PhysicalType.INT32 ? 4 : 8];
      for (int i = 0; i < longKeys.length; i++) {
        long physical = StatsValues.denormalise(leaf, longKeys[i]);
        for (int b = 0; b < plain.length; b++) {
          plain[b] = (byte) (physical >>> (8 * b));
        }
        hashes[i] = HASH.hashBytes(plain);
      }
    } else {
      byte[][] sorted = new byte[n][];
      for (int i = 0; i < n; i++) {
        byte[] k = keys.bytesAt(i);
        if (k == null) {
          throw invalidKey(file, spec, "key " + i + " is null");
        }
        if (leaf.type() == PhysicalType.FIXED_LEN_BYTE_ARRAY && k.length != leaf.typeLength()) {
          throw invalidKey(file, spec, "key " + i + " has " + k.length + " bytes; column " + leaf.path()
              + " holds FIXED_LEN_BYTE_ARRAY(" + leaf.typeLength() + ")");
        }
        sorted[i] = k;
      }
      Arrays.sort(sorted, Arrays::compareUnsigned);
      int m = 0;
      for (int i = 0; i < n; i++) {
        if (m == 0 || !Arrays.equals(sorted[m - 1], sorted[i])) {
          sorted[m++] = sorted[i];
        }
      }
      byteKeys = Arrays.copyOf(sorted, m);
      hashes = new long[m];
      for (int i = 0; i < m; i++) {
        hashes[i] = HASH.hashBytes(byteKeys[i]);
      }
    }
    return new Request(spec, keyLeaf, longKeys, byteKeys, hashes, fields(file, spec));
  }

  private static long normaliseLong(FileMetadata file, LookupSpec spec, LeafColumn leaf, long key) throws ParquetException {
    if (leaf.type() == PhysicalType.INT64) {
      return leaf.order() == StatsOrder.UNSIGNED ? key ^ Long.MIN_VALUE : key;
    }
    if (leaf.order() == StatsOrder.UNSIGNED) {
      if (key < Integer.MIN_VALUE || key > 0xFFFF_FFFFL) {
        throw invalidKey(file, spec, "key " + key + " does not fit unsigned INT32 column " + leaf.path());
      }
      return Integer.toUnsignedLong((int) key);
    }
    if (key < Integer.MIN_VALUE || key > Integer.MAX_VALUE) {
      throw invalidKey(file, spec, "key " + key + " does not fit INT32 column " + leaf.path());
    }
    return key;
  }

  private static long[] dedupe(long[] sorted) {
    int m = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (m == 0 || sorted[m - 1] != sorted[i]) {
        sorted[m++] = sorted[i];
      }
    }
    return m == sorted.length ? sorted : Arrays.copyOf(sorted, m);
  }

  /** Requested top-level fields, ascending in schema order, each once; all when none asked. */
  private static int[] fields(FileMetadata file, LookupSpec spec) throws ParquetException {
    if (spec.fields().isEmpty()) {
      int[] all = new int[file.topFieldNames.length];
      Arrays.setAll(all, i -> i);
      return all;
    }
    int[] fields = new int[spec.fields().size()];
    for (int i = 0; i < fields.length; i++) {
      Integer top = file.topFieldByName.get(spec.fields().get(i));
      if (top == null) {
        throw new ParquetException(ParquetException.Kind.UNKNOWN_COLUMN,
            file.version.path() + ": no top-level field " + spec.fields().get(i));
      }
      fields[i] = top;
    }
    Arrays.sort(fields);
    int distinct = 0;
    for (int i = 0; i < fields.length; i++) {
      if (distinct == 0 || fields[distinct - 1] != fields[i]) {
        fields[distinct++] = fields[i];
      }
    }
    return distinct == fields.length ? fields : Arrays.copyOf(fields, distinct);
  }

  private static ParquetException invalidKey(FileMetadata file, LookupSpec spec, String what) {
    return new ParquetException(ParquetException.Kind.INVALID_KEY, file.version.path() + ": " + what);
  }

  static Step step(FileMetadata file, Request request) {
    int keyLeaf = request.keyLeaf();
    KeyColumnState keyState = file.keyStates.get(keyLeaf);
    if (keyState == null) {
      return new Step(null, true, null);
    }
    List<RowGroupPlan> groups = new ArrayList<>();
    PageTableMisses misses = new PageTableMisses();
    for (int rg = 0; rg < file.rowGroupCount(); rg++) {
      RowGroupPlan plan = planRowGroup(file, request, keyState, rg, misses);
      if (plan != null) {
        groups.add(plan);
      }
    }
    if (misses.size > 0) {
      return new Step(null, false, Arrays.copyOf(misses.values, misses.size));
    }
    return new Step(new FilePlan(file.version, file.schemaInfo, List.copyOf(groups)), false, null);
  }

  private static RowGroupPlan planRowGroup(FileMetadata file, Request request, KeyColumnState keyState, int rg,
      PageTableMisses misses) {
    long rows = file.rowGroupRows[rg];
    int keyLeaf = request.keyLeaf();
    ChunkMeta keyChunk = file.chunk(rg, keyLeaf);
    // A re-paged chunk replaces the file's pages, bounds and codec included; each is read once, as
    // the worker may publish or drop one at any time.
    FileMetadata.Repaged keyRepaged = file.repaged(rg, keyLeaf);
    PageTable keyTable = keyRepaged != null ? keyRepaged.table() : file.pageTable(rg, keyLeaf);
    KeyPageBounds keyBounds = keyRepaged != null ? keyRepaged.bounds() : keyState.bounds[rg];
    if (rows == 0 || keyChunk.allNull || keyTable.pageCount() == 0) {
      return null;
    }
    BitSet candidates = keyPages(keyChunk, keyTable, keyBounds, keyState.blooms[rg], request);
    if (candidates == null) {
      return null;
    }
    long[] ranges = rowRanges(keyTable, candidates, rows);
    if (ranges.length == 0) {
      return null;
    }
    return rowGroupPlan(file, request, rg, ranges, keyRepaged, selected(keyTable, candidates), misses);
  }

  /**
   * The plan of one row group given the row ranges a lookup needs: the key column's pages
   * ({@code keyPages}, from the re-paged chunk {@code keyRepaged} when there is one) first, then, for every leaf of the requested fields, the data pages
   * overlapping the ranges (the whole field when a leaf's first rows are unknown). Null when page
   * tables are missing (added to {@code misses}).
   */
  static RowGroupPlan rowGroupPlan(FileMetadata file, Request request, int rg, long[] ranges,
      FileMetadata.Repaged keyRepaged, List<PageRef> keyPages, PageTableMisses misses) {
    long rows = file.rowGroupRows[rg];
    int keyLeaf = request.keyLeaf();
    ChunkMeta keyChunk = file.chunk(rg, keyLeaf);
    PageTable keyTable = keyRepaged != null ? keyRepaged.table() : file.pageTable(rg, keyLeaf);
    List<ColumnPlan> columns = new ArrayList<>();
    CompressionCodec keyCodec = keyRepaged != null ? keyRepaged.chunk().codec : keyChunk.codec;
    columns.add(new ColumnPlan(keyLeaf, keyCodec, keyTable.dictionaryRef(), keyPages));
    int missesBefore = misses.size;
    for (int field : request.fields()) {
      int from = file.topFieldFirstLeaf[field];
      int to = file.topFieldFirstLeaf[field + 1];
      boolean wholeField = false;
      boolean complete = true;
      FileMetadata.Repaged[] repaged = null; // read once per leaf, like the key's
      for (int leaf = from; leaf < to; leaf++) {
        FileMetadata.Repaged r = file.repaged(rg, leaf);
        if (r != null) {
          repaged = repaged == null ? new FileMetadata.Repaged[to - from] : repaged;
          repaged[leaf - from] = r;
        }
        PageTable table = r != null ? r.table() : file.pageTable(rg, leaf);
        if (table == null) {
          misses.add(rg * file.leafCount() + leaf);
          complete = false;
        } else {
          wholeField |= !table.firstRowsKnown;
        }
      }
      if (!complete) {
        continue;
      }
      for (int leaf = from; leaf < to; leaf++) {
        if (leaf == keyLeaf) {
          continue;
        }
        FileMetadata.Repaged r = repaged == null ? null : repaged[leaf - from];
        PageTable table = r != null ? r.table() : file.pageTable(rg, leaf);
        CompressionCodec codec = r != null ? r.chunk().codec : file.chunk(rg, leaf).codec;
        List<PageRef> pages = wholeField ? allPagesFromRowZero(table) : overlapping(table, ranges, rows);
        columns.add(new ColumnPlan(leaf, codec, table.dictionaryRef(), pages));
      }
    }
    if (misses.size > missesBefore) {
      return null;
    }
    return new RowGroupPlan(rg, rows, List.copyOf(columns));
  }

  /** Candidate key pages, or null when no key can be in the row group. */
  private static BitSet keyPages(ChunkMeta chunk, PageTable table, KeyPageBounds bounds, SplitBlockBloomFilter bloom,
      Request request) {
    BitSet candidates = null; // a bit set: a chunk can have thousands of pages, a key one or two
    // Keys are sorted in the statistics' order: the chunk's [min, max] holds one run of them,
    // found by two binary searches, so a batch costs each row group its own keys, not all of them.
    int from = 0;
    int to = request.keyCount();
    if (chunk.hasBounds) {
      from = request.longKeys() != null ? firstAtOrAbove(request.longKeys(), chunk.minLong)
          : firstAtOrAbove(request.byteKeys(), chunk.minBytes);
      to = request.longKeys() != null ? firstAbove(request.longKeys(), chunk.maxLong)
          : firstAbove(request.byteKeys(), chunk.maxBytes);
    }
    for (int i = from; i < to; i++) {
      if (bloom != null && !bloom.mightContain(request.hashes()[i])) {
        continue;
      }
      if (candidates == null) {
        candidates = new BitSet(table.pageCount());
      }
      if (bounds == null) {
        candidates.set(0, table.pageCount());
        return candidates;
      }
      if (request.longKeys() != null) {
        bounds.mark(request.longKeys()[i], candidates);
      } else {
        bounds.mark(request.byteKeys()[i], candidates);
      }
    }
    return candidates;
  }

  /** The first index of ascending {@code keys} at or above {@code bound}. */
  static int firstAtOrAbove(long[] keys, long bound) {
    int lo = 0;
    int hi = keys.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (keys[mid] < bound) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The first index of ascending {@code keys} above {@code bound}. */
  static int firstAbove(long[] keys, long bound) {
    return bound == Long.MAX_VALUE ? keys.length : firstAtOrAbove(keys, bound + 1);
  }

  /** The first index of unsigned-ascending {@code keys} at or above {@code bound}. */
  static int firstAtOrAbove(byte[][] keys, byte[] bound) {
    int lo = 0;
    int hi = keys.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compareUnsigned(keys[mid], bound) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** The first index of unsigned-ascending {@code keys} above {@code bound}. */
  static int firstAbove(byte[][] keys, byte[] bound) {
    int lo = 0;
    int hi = keys.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compareUnsigned(keys[mid], bound) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Merged, ascending [start, end) row ranges of the candidate pages, flattened. */
  private static long[] rowRanges(PageTable table, BitSet candidates, long rows) {
    long[] ranges = new long[8];
    int size = 0;
    for (int p = candidates.nextSetBit(0); p >= 0; p = candidates.nextSetBit(p + 1)) {
      long start = table.firstRows[p];
      long end = table.endRow(p, rows);
      if (size > 0 && ranges[size - 1] >= start) {
        ranges[size - 1] = Math.max(ranges[size - 1], end);
        continue;
      }
      if (size == ranges.length) {
        ranges = Arrays.copyOf(ranges, size * 2);
      }
      ranges[size++] = start;
      ranges[size++] = end;
    }
    return Arrays.copyOf(ranges, size);
  }

  private static List<PageRef> selected(PageTable table, BitSet candidates) {
    List<PageRef> pages = new ArrayList<>(candidates.cardinality());
    for (int p = candidates.nextSetBit(0); p >= 0; p = candidates.nextSetBit(p + 1)) {
      pages.add(table.pageRef(p));
    }
    return pages;
  }

  /**
   * Data pages whose rows overlap any of the ranges (both ascending). Each range starts at the page
   * found by binary search, so a lookup costs O(log pages) per column rather than a sweep of the
   * whole chunk: a 250k-row chunk has over a thousand pages per column.
   */
  static List<PageRef> overlapping(PageTable table, long[] ranges, long rows) {
    // A range usually straddles a page boundary or two: room for that without growing.
    List<PageRef> pages = new ArrayList<>(ranges.length + 2);
    long[] firstRows = table.firstRows;
    int n = table.pageCount();
    int next = 0; // pages before this one are already taken or skipped
    for (int r = 0; r < ranges.length && next < n; r += 2) {
      int p = Math.max(next, lastPageStartingAtOrBefore(firstRows, ranges[r]));
      for (; p < n && firstRows[p] < ranges[r + 1]; p++) {
        if (firstRows[p] < table.endRow(p, rows)) { // empty pages hold no row
          pages.add(table.pageRef(p));
        }
      }
      next = p;
    }
    return pages;
  }

  /** The last page whose first row is at or before {@code row} (0 if none), in ascending first rows. */
  static int lastPageStartingAtOrBefore(long[] firstRows, long row) {
    int lo = 0;
    int hi = firstRows.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (firstRows[mid] <= row) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** Every data page, the first at row 0 and the rest "continuing", so the client reads from row 0. */
  private static List<PageRef> allPagesFromRowZero(PageTable table) {
    List<PageRef> pages = new ArrayList<>(table.pageCount());
    for (int p = 0; p < table.pageCount(); p++) {
      pages.add(new PageRef(table.offsets[p], table.lengths[p], p == 0 ? 0 : -1));
    }
    return pages;
  }

  /** Chunk slots (rowGroup * leafCount + leaf) whose page tables must be walked first. */
  static final class PageTableMisses {
    int[] values = new int[8];
    int size;

    int[] toArray() {
      return Arrays.copyOf(values, size);
    }

    void add(int slot) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = slot;
    }
  }
}
