package io.needle.pagestore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * On-disk layout of regions and page records (little-endian, records 8-byte aligned). This
 * diagram is the one description of the format; every offset in it has a named constant below,
 * and nothing else in the store reads or writes these bytes.
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
  private static final int REGION_MAGIC = 0x4E444C52; // "NDLR"
  private static final long SEAL_MAGIC = 0x4E444C5345414C44L; // "NDLSEALD"
  static final int FORMAT_VERSION = 1;
  private static final int RECORD_LIVE = 0x50414745; // "PAGE"
  private static final int RECORD_DEAD = 0x44454144; // "DEAD"

  // Region header, from the start of the region.
  private static final int REGION_MAGIC_AT = 0;
  private static final int REGION_FORMAT_AT = 4;
  private static final int REGION_STORE_ID_AT = 8;
  private static final int REGION_SEQ_AT = 16;
  private static final int REGION_BYTES_AT = 24;
  private static final int REGION_CRC_AT = 28; // covers [0, REGION_CRC_AT)
  static final int SEAL_OFFSET = 64;
  static final int REGION_HEADER_BYTES = 128;

  // Seal block, from SEAL_OFFSET.
  private static final int SEAL_MAGIC_AT = 0;
  private static final int SEAL_SEQ_AT = 8;
  private static final int SEAL_DATA_END_AT = 16;
  private static final int SEAL_CRC_AT = 20; // covers [0, SEAL_CRC_AT)
  private static final int SEAL_BYTES = 24;

  // Record header, from the start of the record.
  private static final int RECORD_MAGIC_AT = 0;
  private static final int RECORD_HEADER_CRC_AT = 4;
  private static final int RECORD_FORMAT_AT = 8; // the header CRC covers from here to the payload start
  private static final int RECORD_VERSION_LENGTH_AT = 10;
  private static final int RECORD_PAYLOAD_LENGTH_AT = 12;
  private static final int RECORD_VERSION_HASH_AT = 16;
  private static final int RECORD_PAGE_OFFSET_AT = 24;
  private static final int RECORD_REGION_SEQ_AT = 32;
  private static final int RECORD_PAYLOAD_CRC_AT = 40;
  static final int RECORD_HEADER_BYTES = 48; // the version bytes start here

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
    b.putInt(RECORD_MAGIC_AT, RECORD_LIVE);
    b.putShort(RECORD_FORMAT_AT, (short) FORMAT_VERSION);
    b.putShort(RECORD_VERSION_LENGTH_AT, (short) version.length);
    b.putInt(RECORD_PAYLOAD_LENGTH_AT, payloadLength);
    b.putLong(RECORD_VERSION_HASH_AT, key.versionHash());
    b.putLong(RECORD_PAGE_OFFSET_AT, key.slot());
    b.putLong(RECORD_REGION_SEQ_AT, regionSeq);
    b.putInt(RECORD_PAYLOAD_CRC_AT, payloadCrc);
    b.put(RECORD_HEADER_BYTES, version);
    b.putInt(RECORD_HEADER_CRC_AT, crc32c(headerCrcWindow(b, version.length)));
    return b;
  }

  static ByteBuffer encodeRegionHeader(long storeId, long seq, int regionBytes) {
    ByteBuffer b = ByteBuffer.allocate(REGION_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(REGION_MAGIC_AT, REGION_MAGIC);
    b.putInt(REGION_FORMAT_AT, FORMAT_VERSION);
    b.putLong(REGION_STORE_ID_AT, storeId);
    b.putLong(REGION_SEQ_AT, seq);
    b.putInt(REGION_BYTES_AT, regionBytes);
    b.putInt(REGION_CRC_AT, crc32c(b.slice(0, REGION_CRC_AT)));
    return b; // seal block left zero: a reopened region is unsealed
  }

  static ByteBuffer encodeSealBlock(long seq, int dataEnd) {
    ByteBuffer b = ByteBuffer.allocate(SEAL_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(SEAL_MAGIC_AT, SEAL_MAGIC);
    b.putLong(SEAL_SEQ_AT, seq);
    b.putInt(SEAL_DATA_END_AT, dataEnd);
    b.putInt(SEAL_CRC_AT, crc32c(b.slice(0, SEAL_CRC_AT)));
    return b;
  }

  /** The region's generation if its header is valid for this store, else -1. */
  static long readRegionSeq(Region r, long storeId) {
    if (r.readInt(REGION_MAGIC_AT) != REGION_MAGIC || r.readInt(REGION_FORMAT_AT) != FORMAT_VERSION
        || r.readLong(REGION_STORE_ID_AT) != storeId || r.readInt(REGION_BYTES_AT) != r.regionBytes()
        || r.readInt(REGION_CRC_AT) != crc32c(r.window(0, REGION_CRC_AT))) {
      return -1;
    }
    long seq = r.readLong(REGION_SEQ_AT);
    return seq > 0 ? seq : -1;
  }

  /** The sealed data end if the seal block is valid for generation {@code seq}, else -1. */
  static int readSealedEnd(Region r, long seq) {
    if (r.readLong(SEAL_OFFSET + SEAL_MAGIC_AT) != SEAL_MAGIC || r.readLong(SEAL_OFFSET + SEAL_SEQ_AT) != seq
        || r.readInt(SEAL_OFFSET + SEAL_CRC_AT) != crc32c(r.window(SEAL_OFFSET, SEAL_CRC_AT))) {
      return -1;
    }
    int end = r.readInt(SEAL_OFFSET + SEAL_DATA_END_AT);
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
    if (!hasRecordMagic(r, offset)) {
      return -1;
    }
    int versionLength = versionLength(r, offset);
    int payloadLength = payloadLength(r, offset);
    if (r.readShort(offset + RECORD_FORMAT_AT) != FORMAT_VERSION || versionLength > PageKey.MAX_VERSION_BYTES
        || payloadLength < 0 || r.readLong(offset + RECORD_REGION_SEQ_AT) != seq) {
      return -1;
    }
    long bytes = recordBytes(versionLength, payloadLength);
    if (bytes > end - offset) {
      return -1;
    }
    return headerCrcHolds(r, offset, versionLength) ? (int) bytes : -1;
  }

  static boolean isLive(Region r, int offset) {
    return r.readInt(offset + RECORD_MAGIC_AT) == RECORD_LIVE;
  }

  /** True when the record at {@code offset} starts like a record, live or dead (it may still be torn). */
  static boolean hasRecordMagic(Region r, int offset) {
    int magic = r.readInt(offset + RECORD_MAGIC_AT);
    return magic == RECORD_LIVE || magic == RECORD_DEAD;
  }

  /** The bytes that, written over a record's start, mark it dead in place. */
  static ByteBuffer encodeDeadMarker() {
    return ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(RECORD_MAGIC_AT, RECORD_DEAD);
  }

  static long versionHash(Region r, int offset) {
    return r.readLong(offset + RECORD_VERSION_HASH_AT);
  }

  static long pageOffset(Region r, int offset) {
    return r.readLong(offset + RECORD_PAGE_OFFSET_AT);
  }

  static int payloadLength(Region r, int offset) {
    return r.readInt(offset + RECORD_PAYLOAD_LENGTH_AT);
  }

  static int payloadCrc(Region r, int offset) {
    return r.readInt(offset + RECORD_PAYLOAD_CRC_AT);
  }

  static int versionLength(Region r, int offset) {
    return r.readShort(offset + RECORD_VERSION_LENGTH_AT) & 0xFFFF;
  }

  /**
   * True when the record at {@code offset} is a live, intact record of generation {@code seq}
   * holding exactly {@code key} with the given length and CRC. A read of a record that is being
   * rewritten fails the header CRC and reads false.
   */
  static boolean holds(Region r, int offset, long seq, PageKey key, int length, int crc) {
    byte[] version = key.versionUtf8();
    if (offset + payloadStart(version.length) + (long) length > r.regionBytes()
        || !isLive(r, offset)
        || versionHash(r, offset) != key.versionHash()
        || pageOffset(r, offset) != key.slot()
        || payloadLength(r, offset) != length
        || payloadCrc(r, offset) != crc
        || r.readLong(offset + RECORD_REGION_SEQ_AT) != seq
        || versionLength(r, offset) != version.length) {
      return false;
    }
    ByteBuffer onDisk = r.window(offset + RECORD_HEADER_BYTES, version.length);
    if (!onDisk.equals(ByteBuffer.wrap(version))) {
      return false;
    }
    return headerCrcHolds(r, offset, version.length);
  }

  private static boolean headerCrcHolds(Region r, int offset, int versionLength) {
    int covered = RECORD_HEADER_BYTES - RECORD_FORMAT_AT + versionLength;
    return crc32c(r.window(offset + RECORD_FORMAT_AT, covered)) == r.readInt(offset + RECORD_HEADER_CRC_AT);
  }

  private static ByteBuffer headerCrcWindow(ByteBuffer header, int versionLength) {
    return header.slice(RECORD_FORMAT_AT, RECORD_HEADER_BYTES - RECORD_FORMAT_AT + versionLength);
  }
}
