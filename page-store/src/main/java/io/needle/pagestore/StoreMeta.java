package io.needle.pagestore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The store's identity file ({@code store.meta}): format, geometry, the random store id that every
 * region header repeats, and a hash of the configured identity. A directory whose meta file is
 * missing, corrupt or different from the configuration is started cold: nothing in it is reused.
 *
 * <pre>
 *  0 int magic  4 int format  8 int regionBytes  12 int regionCount
 * 16 long storeId  24 long identityHash  32 int CRC32C of 0..32
 * </pre>
 */
record StoreMeta(int regionBytes, int regionCount, long storeId, long identityHash) {
  static final String FILE_NAME = "store.meta";
  private static final int MAGIC = 0x4E444C4D; // "NDLM"
  private static final int MAGIC_AT = 0;
  private static final int FORMAT_AT = 4;
  private static final int REGION_BYTES_AT = 8;
  private static final int REGION_COUNT_AT = 12;
  private static final int STORE_ID_AT = 16;
  private static final int IDENTITY_HASH_AT = 24;
  private static final int CRC_AT = 32; // covers [0, CRC_AT)
  private static final int BYTES = 36;

  static long identityHash(String identity) {
    return PageKey.hashVersion(identity);
  }

  /** Why the existing meta cannot be reused, or null when it matches {@code expected}'s geometry. */
  static String mismatch(StoreMeta found, StoreMeta expected) {
    if (found == null) {
      return "no valid " + FILE_NAME;
    }
    if (found.regionBytes != expected.regionBytes || found.regionCount != expected.regionCount) {
      return "geometry changed from " + found.regionCount + " x " + found.regionBytes + " bytes to "
          + expected.regionCount + " x " + expected.regionBytes + " bytes";
    }
    if (found.identityHash != expected.identityHash) {
      return "cache identity changed";
    }
    return null;
  }

  /** The meta in {@code dir}, or null when absent, truncated, corrupt or of another format. */
  static StoreMeta read(Path dir) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(dir.resolve(FILE_NAME));
    } catch (NoSuchFileException e) {
      return null;
    }
    if (bytes.length != BYTES) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(MAGIC_AT) != MAGIC || b.getInt(FORMAT_AT) != RecordFormat.FORMAT_VERSION
        || b.getInt(CRC_AT) != RecordFormat.crc32c(b.slice(0, CRC_AT))) {
      return null;
    }
    return new StoreMeta(b.getInt(REGION_BYTES_AT), b.getInt(REGION_COUNT_AT), b.getLong(STORE_ID_AT),
        b.getLong(IDENTITY_HASH_AT));
  }

  /** Writes atomically (temp file, fsync, rename). */
  void write(Path dir) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC_AT, MAGIC).putInt(FORMAT_AT, RecordFormat.FORMAT_VERSION);
    b.putInt(REGION_BYTES_AT, regionBytes).putInt(REGION_COUNT_AT, regionCount);
    b.putLong(STORE_ID_AT, storeId).putLong(IDENTITY_HASH_AT, identityHash);
    b.putInt(CRC_AT, RecordFormat.crc32c(b.slice(0, CRC_AT)));
    Path tmp = dir.resolve(FILE_NAME + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    try {
      Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public String toString() {
    return "StoreMeta[" + regionCount + " x " + regionBytes + " bytes, store " + Long.toHexString(storeId) + "]";
  }
}
