package io.needle.pagestore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * On-disk layout of regions and page records (little-endian, records 8-byte aligned).
 *
 * <pre>
 * region (regionBytes):
 *   0  int  REGION_MAGIC        64 long SEAL_MAGIC       (seal block: written only after the
 *   4  int  FORMAT_VERSION      72 long seq               region's records are synced; a stale
 *   8  long storeId             80 int  dataEnd           block from an older generation has the
 *  16  long seq (generation)    84 int  CRC32C of 64..84  wrong seq and does not count)
 *  24  int  regionBytes
 *  28  int  CRC32C of 0..28
 * 128  records, back to back, up to the write offset
 *
 * record:
 *   0  int   RECORD_LIVE or RECORD_DEAD (invalidated in place; not covered by the CRC)
 *   4  int   CRC32C of bytes 8 .. 48 + versionLength
 *   8  short FORMAT_VERSION     10 short versionLength
 *  12  int   payloadLength      16 long  versionHash
 *  24  long  pageOffset         32 long  regionSeq (generation the record was written in)
 *  40  int   payload CRC32C     44 int   0
 *  48  version bytes (UTF-8), padded to 8; then the payload, padded to 8
 * </pre>
 *
 * A record is trusted only if its magic, header CRC and regionSeq agree; everything after the
 * first record that does not is ignored (the tail of a torn write, or an older generation).
 */
final class RecordFormat {
  static final int REGION_MAGIC = 0x4E444C52; // "NDLR"
  static final long SEAL_MAGIC = 0x4E444C5345414C44L; // "NDLSEALD"
  static final int FORMAT_VERSION = 1;
  static final int REGION_HEADER_BYTES = 128;
  static final int SEAL_OFFSET = 64;

  static final int RECORD_LIVE = 0x50414745; // "PAGE"
  static final int RECORD_DEAD = 0x44454144; // "DEAD"
  static final int RECORD_HEADER_BYTES = 48;

  private RecordFormat() {}

  static int align8(int n) {
    return (n + 7) & ~7;
  }

  static int payloadStart(int versionLength) {
    return align8(RECORD_HEADER_BYTES + versionLength);
  }

  /** Bytes a record takes, as a long so oversized pages cannot overflow. */
  static long recordBytes(int versionLength, int payloadLength) {
    return payloadStart(versionLength) + (((long) payloadLength + 7) & ~7L);
  }

  static int crc32c(ByteBuffer bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes.duplicate());
    return (int) crc.getValue();
  }

  /** Record header plus version bytes, padded to the payload start, ready to write. */
  static ByteBuffer encodeRecordHeader(PageKey key, int payloadLength, int payloadCrc, long regionSeq) {
    byte[] version = key.versionUtf8();
    ByteBuffer b = ByteBuffer.allocate(payloadStart(version.length)).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, RECORD_LIVE);
    b.putShort(8, (short) FORMAT_VERSION);
    b.putShort(10, (short) version.length);
    b.putInt(12, payloadLength);
    b.putLong(16, key.versionHash());
    b.putLong(24, key.slot());
    b.putLong(32, regionSeq);
    b.putInt(40, payloadCrc);
    b.put(RECORD_HEADER_BYTES, version);
    b.putInt(4, crc32c(b.slice(8, RECORD_HEADER_BYTES - 8 + version.length)));
    return b;
  }

  static ByteBuffer encodeRegionHeader(long storeId, long seq, int regionBytes) {
    ByteBuffer b = ByteBuffer.allocate(REGION_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, REGION_MAGIC);
    b.putInt(4, FORMAT_VERSION);
    b.putLong(8, storeId);
    b.putLong(16, seq);
    b.putInt(24, regionBytes);
    b.putInt(28, crc32c(b.slice(0, 28)));
    return b; // seal block left zero: a reopened region is unsealed
  }

  static ByteBuffer encodeSealBlock(long seq, int dataEnd) {
    ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, SEAL_MAGIC);
    b.putLong(8, seq);
    b.putInt(16, dataEnd);
    b.putInt(20, crc32c(b.slice(0, 20)));
    return b;
  }

  /** The region's generation if its header is valid for this store, else -1. */
  static long readRegionSeq(Region r, long storeId) {
    if (r.readInt(0) != REGION_MAGIC || r.readInt(4) != FORMAT_VERSION || r.readLong(8) != storeId
        || r.readInt(24) != r.regionBytes() || r.readInt(28) != crc32c(r.window(0, 28))) {
      return -1;
    }
    long seq = r.readLong(16);
    return seq > 0 ? seq : -1;
  }

  /** The sealed data end if the seal block is valid for generation {@code seq}, else -1. */
  static int readSealedEnd(Region r, long seq) {
    if (r.readLong(SEAL_OFFSET) != SEAL_MAGIC || r.readLong(SEAL_OFFSET + 8) != seq
        || r.readInt(SEAL_OFFSET + 20) != crc32c(r.window(SEAL_OFFSET, 20))) {
      return -1;
    }
    int end = r.readInt(SEAL_OFFSET + 16);
    return end >= REGION_HEADER_BYTES && end <= r.regionBytes() ? end : -1;
  }

  /**
   * Length of the record at {@code offset} when its header is intact and belongs to generation
   * {@code seq} (magic LIVE or DEAD), else -1. Does not check the payload.
   */
  static int validRecordBytes(Region r, int offset, int end, long seq) {
    if (offset + RECORD_HEADER_BYTES > end) {
      return -1;
    }
    int magic = r.readInt(offset);
    if (magic != RECORD_LIVE && magic != RECORD_DEAD) {
      return -1;
    }
    int versionLength = r.readShort(offset + 10) & 0xFFFF;
    int payloadLength = r.readInt(offset + 12);
    if (r.readShort(offset + 8) != FORMAT_VERSION || versionLength > PageKey.MAX_VERSION_BYTES
        || payloadLength < 0 || r.readLong(offset + 32) != seq) {
      return -1;
    }
    long bytes = recordBytes(versionLength, payloadLength);
    if (bytes > end - offset) {
      return -1;
    }
    int headerCrc = crc32c(r.window(offset + 8, RECORD_HEADER_BYTES - 8 + versionLength));
    return headerCrc == r.readInt(offset + 4) ? (int) bytes : -1;
  }

  static boolean isLive(Region r, int offset) {
    return r.readInt(offset) == RECORD_LIVE;
  }

  static long versionHash(Region r, int offset) {
    return r.readLong(offset + 16);
  }

  static long pageOffset(Region r, int offset) {
    return r.readLong(offset + 24);
  }

  static int payloadLength(Region r, int offset) {
    return r.readInt(offset + 12);
  }

  static int payloadCrc(Region r, int offset) {
    return r.readInt(offset + 40);
  }

  static int versionLength(Region r, int offset) {
    return r.readShort(offset + 10) & 0xFFFF;
  }

  /**
   * True when the record at {@code offset} is a live, intact record of generation {@code seq}
   * holding exactly {@code key} with the given length and CRC. A read of a record that is being
   * rewritten fails the header CRC and reads false.
   */
  static boolean holds(Region r, int offset, long seq, PageKey key, int length, int crc) {
    byte[] version = key.versionUtf8();
    if (offset + payloadStart(version.length) + (long) length > r.regionBytes()
        || r.readInt(offset) != RECORD_LIVE
        || r.readLong(offset + 16) != key.versionHash()
        || r.readLong(offset + 24) != key.slot()
        || r.readInt(offset + 12) != length
        || r.readInt(offset + 40) != crc
        || r.readLong(offset + 32) != seq
        || (r.readShort(offset + 10) & 0xFFFF) != version.length) {
      return false;
    }
    ByteBuffer onDisk = r.window(offset + RECORD_HEADER_BYTES, version.length);
    if (!onDisk.equals(ByteBuffer.wrap(version))) {
      return false;
    }
    return crc32c(r.window(offset + 8, RECORD_HEADER_BYTES - 8 + version.length)) == r.readInt(offset + 4);
  }
}
