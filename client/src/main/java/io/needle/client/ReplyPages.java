package io.needle.client;

import io.needle.decode.AnswerHeader;
import io.needle.decode.PageSegments;
import io.needle.protocol.proto.PageId;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The pages of a lookup reply: its payload cut where the header says, each page checked against
 * its CRC32C. The pages are offsets into one view of the reply's frame, never copies and never a
 * view per page: over a heap frame (the blocking path's) the decoder reads the frame's own array,
 * over a direct one (Netty's pooled buffers) the frame's memory, in place.
 */
final class ReplyPages {
  private ReplyPages() {}

  /** Pages of a reply whose bytes do not match their CRC32C; never decoded. */
  static final class Corrupt extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<PageId> pages;

    Corrupt(List<PageId> pages) {
      super(pages.size() + " response pages failed their checksum", null, false, false);
      this.pages = pages;
    }

    /** The pages, named for the worker to drop and read again from the source. */
    List<PageId> pages() {
      return pages;
    }

    NeedleException asDataLoss() {
      return new NeedleException(NeedleException.Code.DATA_LOSS, getMessage() + " again after a refetch: " + pages);
    }
  }

  /**
   * Slices the payload into pages, checking the header's lengths and checksums against it.
   *
   * @throws Corrupt when a page fails its checksum
   */
  static PageSegments of(AnswerHeader response, ByteBuf payload) {
    int count = response.pageCount();
    int[] starts = new int[count];
    int[] lengths = new int[count];
    // One view of the payload: nioBuffer() of a heap or pooled direct buffer shares its memory.
    // Not read-only: a read-only view hides its array, and the heap path would lose its fast reads.
    ByteBuffer bytes = payload.nioBuffer(payload.readerIndex(), payload.readableBytes());
    ByteBuffer crcView = null; // CRC32C reads direct memory only through a position and limit
    CRC32C crc = null;
    BitSet corrupt = null;
    int base = bytes.position();
    int at = 0;
    int end = payload.readableBytes();
    for (int i = 0; i < count; i++) {
      int length = response.pageLength(i);
      if (length < 0 || length > end - at) {
        throw new NeedleException(NeedleException.Code.DATA_LOSS, "response page " + i + " of " + length
            + " bytes overruns the payload");
      }
      starts[i] = base + at;
      lengths[i] = length;
      if (response.pageHasCrc32c(i)) {
        if (crc == null) {
          crc = new CRC32C();
        } else {
          crc.reset();
        }
        if (bytes.hasArray()) {
          crc.update(bytes.array(), bytes.arrayOffset() + starts[i], length);
        } else {
          crcView = crcView == null ? bytes.duplicate() : crcView;
          crc.update(crcView.clear().position(starts[i]).limit(starts[i] + length));
        }
        if ((int) crc.getValue() != response.pageCrc32c(i)) {
          corrupt = corrupt == null ? new BitSet() : corrupt;
          corrupt.set(i);
        }
      }
      at += length;
    }
    if (at != end) {
      throw new NeedleException(NeedleException.Code.DATA_LOSS, (end - at) + " payload bytes not described by the header");
    }
    if (corrupt != null) {
      throw new Corrupt(pageIds(response, corrupt));
    }
    return PageSegments.of(bytes, starts, lengths);
  }

  /** Names the pages at {@code indexes} by file path, version and offset, for the worker. */
  private static List<PageId> pageIds(AnswerHeader response, BitSet indexes) {
    List<PageId> ids = new ArrayList<>();
    for (int f = 0; f < response.fileCount(); f++) {
      BitSet ofFile = new BitSet();
      for (int rg = response.firstRowGroup(f); rg < response.rowGroupEnd(f); rg++) {
        for (int c = response.firstColumn(rg); c < response.columnEnd(rg); c++) {
          if (response.dictionaryPage(c) >= 0) {
            ofFile.set(response.dictionaryPage(c));
          }
          for (int p = 0; p < response.dataPageCount(c); p++) {
            ofFile.set(response.dataPage(c, p));
          }
        }
      }
      ofFile.and(indexes);
      for (int i = ofFile.nextSetBit(0); i >= 0; i = ofFile.nextSetBit(i + 1)) {
        ids.add(PageId.newBuilder().setPath(response.path(f)).setVersion(response.version(f))
            .setOffset(response.pageFileOffset(i)).build());
      }
    }
    return ids;
  }
}
