package io.needle.worker;

import io.needle.metadata.KeyRows;
import io.needle.pagestore.PageHandle;
import io.needle.pagestore.PageKey;
import io.needle.pagestore.PageStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.ToLongFunction;
import java.util.zip.CRC32C;

/**
 * The key index of one (file version, key column), as a lookup reads it: key → file-wide row
 * ordinals, from sorted (key64, row) pairs stored off-heap as derived records of the page store.
 *
 * <p>key64: an integer key's normalised value (see {@code KeyColumnLayout.normalise}); a byte
 * key's 64-bit hash, which may collide: the rows of a colliding key are planned too and cost a
 * page, never a wrong row, since the client checks the key in the key page.
 *
 * <p>On disk (derived ids under {@link DerivedIds#KEY_INDEX}: a 32-bit hash of the key column's
 * name, then the record number; record 0 is the directory, written last, so a directory means a
 * complete index):
 * <pre>
 * directory: int MAGIC, int FORMAT, int hashKind, int blockEntries, long entries, long rows,
 *            int blocks, int columnLength, column UTF-8, then long fence[blocks] (first key64 of
 *            each block), 8-aligned
 * block b:   int BLOCK_MAGIC, int count, long key64[count] ascending, int row[count] (unsigned)
 * </pre>
 * 12 bytes per indexed row, plus 8 per block of {@link #BLOCK_ENTRIES}. In heap: the fences
 * (8 bytes per 4096 rows) and a bit per block (checked once against the store's CRC32C).
 *
 * <p>A block the store no longer has (evicted) or that does not verify makes {@link #find}
 * answer "unknown": the lookup is planned from statistics as before, and the index is marked
 * {@linkplain #doubted() doubted}; {@link KeyIndexes} drops its directory, off the event loop, so
 * the next touch builds it again.
 * Thread-safe; {@link #find} runs on event loops, reads mapped memory and never blocks.
 */
final class KeyIndex implements KeyRows {
  static final int MAGIC = 0x4E4B4958; // "NKIX"
  static final int BLOCK_MAGIC = 0x4E4B4942; // "NKIB"
  static final int FORMAT = 1;
  static final int BLOCK_ENTRIES = 4096;
  static final int DIRECTORY_HEADER_BYTES = 40;
  /** Rows of a file are 32-bit unsigned ordinals in a block. */
  static final long MAX_ROWS = 0xFFFF_FFFFL;
  private static final int MAX_BLOCKS = 1 << 24;

  private static final org.apache.parquet.column.values.bloomfilter.XxHash XX =
      new org.apache.parquet.column.values.bloomfilter.XxHash();

  /**
   * How byte keys become key64, with an id stored in the directory so that an index is never
   * read with another hash than it was built with (tests force collisions with a weak one).
   */
  record ByteHash(int id, ToLongFunction<byte[]> function) {
    static final ByteHash XXHASH64 = new ByteHash(1, XX::hashBytes);
  }

  private final PageStore store;
  private final String version;
  private final String keyColumn;
  private final int hashKind;
  private final ToLongFunction<byte[]> byteHash;
  private final long entries;
  private final long[] fences;
  private final AtomicLongArray verified;
  private volatile boolean doubted;

  KeyIndex(PageStore store, String version, String keyColumn, int hashKind, ToLongFunction<byte[]> byteHash, long entries,
      long[] fences) {
    this.store = store;
    this.version = version;
    this.keyColumn = keyColumn;
    this.hashKind = hashKind;
    this.byteHash = byteHash;
    this.entries = entries;
    this.fences = fences;
    this.verified = new AtomicLongArray((fences.length + 63) >>> 6);
  }

  /** The derived id of record {@code n} (0: directory, b + 1: block b) of the index of {@code keyColumn}. */
  static long recordId(String keyColumn, int n) {
    long columnHash = XX.hashBytes(keyColumn.getBytes(StandardCharsets.UTF_8)) & 0xFFFF_FFFFL;
    return DerivedIds.of(DerivedIds.KEY_INDEX, columnHash << 24 | n);
  }

  static PageKey recordKey(String version, String keyColumn, int n) {
    return PageKey.derived(version, recordId(keyColumn, n));
  }

  /**
   * The index from its directory record, or null when the store has none (or one that does not
   * verify, or of another column or hash). Reads a few KB of mapped memory: fine on an event loop.
   *
   * @param hashKind 0 for integer keys, else the byte hash's id
   */
  static KeyIndex open(PageStore store, String version, String keyColumn, int hashKind, ToLongFunction<byte[]> byteHash) {
    PageKey key = recordKey(version, keyColumn, 0);
    PageHandle handle = store.get(key);
    if (handle == null) {
      return null;
    }
    try {
      ByteBuffer d = handle.slice().order(ByteOrder.LITTLE_ENDIAN);
      if (!crcMatches(d, handle.crc32c())) {
        store.reportCorrupt(key);
        return null;
      }
      if (d.remaining() < DIRECTORY_HEADER_BYTES || d.getInt(0) != MAGIC || d.getInt(4) != FORMAT
          || d.getInt(8) != hashKind || d.getInt(12) != BLOCK_ENTRIES) {
        return null;
      }
      long entries = d.getLong(16);
      int blocks = d.getInt(32);
      int columnLength = d.getInt(36);
      int fencesAt = align8(DIRECTORY_HEADER_BYTES + columnLength);
      if (entries < 0 || blocks < 0 || blocks > MAX_BLOCKS || columnLength < 0
          || (long) fencesAt + 8L * blocks != d.remaining()
          || blocks != (int) ((entries + BLOCK_ENTRIES - 1) / BLOCK_ENTRIES)) {
        return null;
      }
      byte[] column = new byte[columnLength];
      d.get(DIRECTORY_HEADER_BYTES, column);
      if (!keyColumn.equals(new String(column, StandardCharsets.UTF_8))) {
        return null; // two key columns of one file whose names hash alike: this one goes unindexed
      }
      long[] fences = new long[blocks];
      for (int b = 0; b < blocks; b++) {
        fences[b] = d.getLong(fencesAt + 8 * b);
      }
      return new KeyIndex(store, version, keyColumn, hashKind, byteHash, entries, fences);
    } finally {
      handle.release();
    }
  }

  static ByteBuffer directory(String keyColumn, int hashKind, long entries, long rows, long[] fences) {
    byte[] column = keyColumn.getBytes(StandardCharsets.UTF_8);
    int fencesAt = align8(DIRECTORY_HEADER_BYTES + column.length);
    ByteBuffer d = ByteBuffer.allocate(fencesAt + 8 * fences.length).order(ByteOrder.LITTLE_ENDIAN);
    d.putInt(0, MAGIC).putInt(4, FORMAT).putInt(8, hashKind).putInt(12, BLOCK_ENTRIES).putLong(16, entries)
        .putLong(24, rows).putInt(32, fences.length).putInt(36, column.length).put(DIRECTORY_HEADER_BYTES, column);
    for (int b = 0; b < fences.length; b++) {
      d.putLong(fencesAt + 8 * b, fences[b]);
    }
    return d;
  }

  static int align8(int n) {
    return (n + 7) & ~7;
  }

  long entries() {
    return entries;
  }

  int blocks() {
    return fences.length;
  }

  /** Bytes of its records in the page store: every block and the directory. */
  long storedBytes() {
    long directory = align8(DIRECTORY_HEADER_BYTES + keyColumn.getBytes(StandardCharsets.UTF_8).length) + 8L * fences.length;
    return 8L * fences.length + 12L * entries + directory;
  }

  /** Heap bytes this index holds. */
  long heapBytes() {
    return 96 + 16 + 8L * fences.length + 16 + 8L * verified.length() + 2L * version.length() + 2L * keyColumn.length();
  }

  boolean doubted() {
    return doubted;
  }

  @Override
  public boolean find(long normalisedKey, RowList rows) {
    return findKey64(normalisedKey, rows);
  }

  @Override
  public boolean find(byte[] key, RowList rows) {
    return findKey64(byteHash.applyAsLong(key), rows);
  }

  private boolean findKey64(long key, RowList rows) {
    if (doubted) {
      return false;
    }
    int start = lastFenceBelow(key);
    for (int b = start; b < fences.length && (b == start || fences[b] <= key); b++) {
      PageKey blockKey = recordKey(version, keyColumn, b + 1);
      PageHandle handle = store.get(blockKey);
      if (handle == null) {
        doubt();
        return false;
      }
      try {
        ByteBuffer block = handle.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (!checked(b, block, handle.crc32c())) {
          store.reportCorrupt(blockKey);
          doubt();
          return false;
        }
        int count = block.getInt(4);
        int rowsAt = 8 + 8 * count;
        int i = firstAtLeast(block, count, key);
        for (; i < count && block.getLong(8 + 8 * i) == key; i++) {
          rows.add(Integer.toUnsignedLong(block.getInt(rowsAt + 4 * i)));
        }
        if (i < count) {
          return true; // a larger key follows: no later block holds this one
        }
      } finally {
        handle.release();
      }
    }
    return true;
  }

  /** The last block whose first key is below {@code key} (its tail may hold it), or 0. */
  private int lastFenceBelow(long key) {
    int lo = 0;
    int hi = fences.length - 1;
    int found = 0;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (fences[mid] < key) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private static int firstAtLeast(ByteBuffer block, int count, long key) {
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (block.getLong(8 + 8 * mid) < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Shape and, once per block per process, the store's CRC32C of its bytes. */
  private boolean checked(int b, ByteBuffer block, int crc) {
    int expected = b + 1 < fences.length ? BLOCK_ENTRIES : (int) (entries - (long) BLOCK_ENTRIES * b);
    if (block.remaining() != 8 + 12 * expected || block.getInt(0) != BLOCK_MAGIC || block.getInt(4) != expected) {
      return false;
    }
    long bit = 1L << (b & 63);
    if ((verified.get(b >>> 6) & bit) != 0) {
      return true;
    }
    if (!crcMatches(block, crc) || (expected > 0 && block.getLong(8) != fences[b])) {
      return false;
    }
    verified.getAndUpdate(b >>> 6, w -> w | bit);
    return true;
  }

  private static boolean crcMatches(ByteBuffer bytes, int crc) {
    CRC32C c = new CRC32C();
    c.update(bytes.duplicate());
    return (int) c.getValue() == crc;
  }

  /** Stops answering; {@link KeyIndexes} then drops the directory, so that the next touch builds the index again. */
  private void doubt() {
    doubted = true;
  }

  /** The directory record's key: dropping it makes the index absent. */
  PageKey directoryKey() {
    return recordKey(version, keyColumn, 0);
  }
}
