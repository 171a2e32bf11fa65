package io.needle.pagestore;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The identity of one cached record: a file version and either the page's byte offset in that
 * file ({@link #of}) or the id of a <em>derived</em> record ({@link #derived}): state the worker
 * computed from the version (a key index, page row ranges), kept next to its pages so that it
 * survives restarts and {@link PageStore#invalidateFile} drops it with them.
 *
 * <p>Both share one 64-bit slot in the index and on disk: page offsets are the slot itself
 * ({@code >= 0}), derived ids are stored as {@code ~id} ({@code < 0}), so no derived record can
 * ever be read as a page, nor a page as one.
 *
 * <p>The version string (path plus version token, as the worker builds it) is hashed to 64 bits
 * for the index; the full string is stored with the page on disk and compared on every hit, so
 * two versions whose hashes collide read as a miss, never as each other's bytes.
 */
public final class PageKey {
  /** Longest version string accepted, in UTF-8 bytes. */
  public static final int MAX_VERSION_BYTES = 4096;

  private final String fileVersion;
  private final byte[] versionUtf8;
  private final long versionHash;
  /** The page offset, or {@code ~id} of a derived record. */
  private final long slot;

  private PageKey(long versionHash, String fileVersion, byte[] versionUtf8, long slot) {
    this.fileVersion = fileVersion;
    this.versionUtf8 = versionUtf8;
    this.versionHash = versionHash;
    this.slot = slot;
  }

  /**
   * @param fileVersion names one immutable version of one file (e.g. path + size + ETag)
   * @param pageOffset byte offset of the page in that file, not negative
   */
  public static PageKey of(String fileVersion, long pageOffset) {
    byte[] utf8 = checkedUtf8(fileVersion);
    checkOffset(pageOffset);
    return new PageKey(hashVersion(utf8), fileVersion, utf8, pageOffset);
  }

  /**
   * A derived record of {@code fileVersion}.
   *
   * @param id chosen by the caller, not negative; distinct kinds of derived state take distinct
   *     ranges of ids
   */
  public static PageKey derived(String fileVersion, long id) {
    byte[] utf8 = checkedUtf8(fileVersion);
    if (id < 0) {
      throw new IllegalArgumentException("derived id is negative: " + id);
    }
    return new PageKey(hashVersion(utf8), fileVersion, utf8, ~id);
  }

  /** A key with an explicit hash: lets tests force collisions. */
  static PageKey withHash(long versionHash, String fileVersion, long pageOffset) {
    byte[] utf8 = checkedUtf8(fileVersion);
    checkOffset(pageOffset);
    return new PageKey(versionHash, fileVersion, utf8, pageOffset);
  }

  /** The 64-bit hash that {@link PageStore#invalidateFile(long)} takes. */
  public static long hashVersion(String fileVersion) {
    return hashVersion(checkedUtf8(fileVersion));
  }

  private static long hashVersion(byte[] utf8) {
    long h = 0xcbf29ce484222325L; // FNV-1a, then a murmur3 finalizer to spread the bits
    for (byte b : utf8) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return mix64(h ^ utf8.length);
  }

  static long mix64(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  private static byte[] checkedUtf8(String fileVersion) {
    requireNonNull(fileVersion, "fileVersion is null");
    byte[] utf8 = fileVersion.getBytes(StandardCharsets.UTF_8);
    if (utf8.length > MAX_VERSION_BYTES) {
      throw new IllegalArgumentException(
          "fileVersion longer than " + MAX_VERSION_BYTES + " UTF-8 bytes: " + utf8.length);
    }
    return utf8;
  }

  private static void checkOffset(long pageOffset) {
    if (pageOffset < 0) {
      throw new IllegalArgumentException("pageOffset is negative: " + pageOffset);
    }
  }

  public String fileVersion() {
    return fileVersion;
  }

  public long versionHash() {
    return versionHash;
  }

  public boolean isDerived() {
    return slot < 0;
  }

  /** The page's offset in the file; IllegalStateException for a derived record. */
  public long pageOffset() {
    if (slot < 0) {
      throw new IllegalStateException(this + " is a derived record, not a page");
    }
    return slot;
  }

  /** The id of a derived record; IllegalStateException for a page. */
  public long derivedId() {
    if (slot >= 0) {
      throw new IllegalStateException(this + " is a page, not a derived record");
    }
    return ~slot;
  }

  /** The index's and the record header's 64-bit slot: page offset, or ~id. */
  long slot() {
    return slot;
  }

  /** The version's UTF-8 bytes; shared, never modified. */
  byte[] versionUtf8() {
    return versionUtf8;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PageKey k
        && k.versionHash == versionHash
        && k.slot == slot
        && Arrays.equals(k.versionUtf8, versionUtf8);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(mix64(versionHash ^ slot));
  }

  @Override
  public String toString() {
    return slot >= 0 ? "PageKey[" + fileVersion + " @ " + slot + "]" : "PageKey[" + fileVersion + " derived " + ~slot + "]";
  }
}
