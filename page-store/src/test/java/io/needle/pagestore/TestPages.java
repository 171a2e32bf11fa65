package io.needle.pagestore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/** The test oracle: a page's bytes are a pure function of its key and length. */
final class TestPages {
  private TestPages() {}

  static PageKey key(int file, long offset) {
    return PageKey.of("s3://bucket/table/part-" + file + ".parquet|1234:etag-" + file, offset);
  }

  static ByteBuffer page(PageKey key, int length) {
    SplittableRandom random = new SplittableRandom(key.versionHash() * 31 + key.pageOffset() * 17 + length);
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return ByteBuffer.wrap(bytes);
  }

  /** Length derived from the key too, so a reader needs only the key to know what to expect. */
  static int lengthOf(PageKey key, int minBytes, int maxBytes) {
    SplittableRandom random = new SplittableRandom(key.versionHash() ^ key.pageOffset());
    return minBytes + random.nextInt(maxBytes - minBytes + 1);
  }

  /** The handle's bytes read through the file channel, as sendfile would send them. */
  static ByteBuffer readThroughChannel(PageHandle handle) throws IOException {
    ByteBuffer out = ByteBuffer.allocate(handle.length());
    long position = handle.position();
    while (out.hasRemaining()) {
      int n = handle.channel().read(out, position);
      if (n < 0) {
        throw new IOException("EOF at " + position);
      }
      position += n;
    }
    return out.flip();
  }

  static int crc32c(ByteBuffer bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes.duplicate());
    return (int) crc.getValue();
  }

  static PageStoreConfig config(Path dir, int regions, int regionBytes, EvictionPolicy policy, boolean admission) {
    return new PageStoreConfig(dir, (long) regions * regionBytes, regionBytes, policy, admission, 1024, "test", false,
        false);
  }
}
