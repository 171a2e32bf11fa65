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
    if (b.getInt(0) != MAGIC || b.getInt(4) != RecordFormat.FORMAT_VERSION
        || b.getInt(32) != RecordFormat.crc32c(b.slice(0, 32))) {
      return null;
    }
    return new StoreMeta(b.getInt(8), b.getInt(12), b.getLong(16), b.getLong(24));
  }

  /** Writes atomically (temp file, fsync, rename). */
  void write(Path dir) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, MAGIC).putInt(4, RecordFormat.FORMAT_VERSION).putInt(8, regionBytes).putInt(12, regionCount);
    b.putLong(16, storeId).putLong(24, identityHash);
    b.putInt(32, RecordFormat.crc32c(b.slice(0, 32)));
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
