package io.needle.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an answer's page parts into the messages written after its header: runs of small parts
 * and of the page store's pages copied into one pooled buffer each, large spans of the source
 * files as {@code sendfile} regions.
 *
 * <p>Why copy: an answer is typically a dozen or more pages of a few KiB spread over a file, and
 * one {@code sendfile} per page was most of the worker's CPU per lookup (measured: 141 µs per
 * 12-column lookup with a region per page, 55 µs with copies). A {@code pread} of a small cached
 * page costs less than the copy {@code sendfile} saves, and one buffer per run makes the whole
 * answer one {@code writev} with two entries in the channel's outbound buffer instead of one per
 * page (a batch of 100 keys had 2,400). On Java 22+ the spans are copied from a memory map of
 * the file version ({@link FileMap}), which saves the {@code pread}s too.
 *
 * <p>Ownership: each part's reference (file, page-store pin) is released once its bytes are
 * copied, or moves into the region that sends it. A part that cannot be copied (an I/O error, an
 * unusable map) is sent zero-copy instead, which fails the usual way if the disk does (a page of
 * the store sent so, on a disk that still reads, is the one case left where a reused region can
 * change bytes in flight; the client's CRC32C check catches that and asks again).
 */
final class AnswerPayload {
  private static final Logger log = LoggerFactory.getLogger(AnswerPayload.class);

  /** Parts up to this length are copied; longer spans of source files leave with {@code sendfile}. */
  static final int COPIED_PART_LIMIT = 64 * 1024;

  /** One run's buffer holds at most this much, so a huge batch never asks for one huge buffer. */
  private static final int RUN_LIMIT = 4 << 20;

  private AnswerPayload() {}

  /**
   * The messages to write after the header, in order; every part's reference moves into them.
   *
   * @param copyAll copy large parts too (a TLS connection: {@code SslHandler} encrypts buffers
   *     and cannot take a {@code sendfile} region); a part that cannot be copied then fails the
   *     connection when written, as a failing disk does
   */
  static List<Object> messages(ByteBufAllocator alloc, List<PagePart> parts, boolean copyAll) {
    int limit = copyAll ? Integer.MAX_VALUE : COPIED_PART_LIMIT;
    List<Object> out = new ArrayList<>(2);
    ByteBuf run = null;
    for (int i = 0; i < parts.size(); i++) {
      PagePart part = parts.get(i);
      if (copied(part, limit)) {
        if (run == null || run.writableBytes() < part.length()) {
          int bytes = runBytes(parts, i, limit);
          run = alloc.directBuffer(bytes, bytes);
          out.add(run);
        }
        int mark = run.writerIndex();
        if (copyInto(run, part)) {
          part.release();
          continue;
        }
        run.writerIndex(mark); // drop a partial copy; this part goes zero-copy, and ends the run
      }
      run = null; // order matters: later small parts start a new run after this one
      out.add(zeroCopy(part));
    }
    return out;
  }

  /**
   * Copies every part into {@code out}, releasing each once copied: for an answer that never
   * meets a socket (an in-process call), so nothing can go zero-copy. On failure the parts not
   * yet copied are released too.
   */
  static void copyAll(ByteBuf out, List<PagePart> parts) throws IOException {
    for (int i = 0; i < parts.size(); i++) {
      PagePart part = parts.get(i);
      boolean copied;
      try {
        copied = copyInto(out, part);
      } finally {
        part.release();
      }
      if (!copied) {
        for (int j = i + 1; j < parts.size(); j++) {
          parts.get(j).release();
        }
        throw new IOException("cannot read a page of " + part.length() + " bytes for an in-process answer");
      }
    }
  }

  /**
   * Whether a part is copied rather than sent zero-copy: parts up to {@code limit}, and a page of
   * the page store whatever its length. Why the store's pages: {@code sendfile} does not copy, the
   * socket keeps references to the region file's cached pages until the peer has read them (on
   * loopback, until the client's {@code read}), while the pin on the region ends when
   * {@code sendfile} returns; a region reused after that changed bytes already "sent", and the
   * client saw them fail their CRC32C (issue #11, {@code StoredPageSendTest}). Source files are
   * not rewritten in place, so their spans may still leave with {@code sendfile}.
   */
  private static boolean copied(PagePart part, int limit) {
    return part.length() <= limit || part instanceof PagePart.Stored;
  }

  /** Bytes of the consecutive copyable parts from {@code from} on, up to {@link #RUN_LIMIT}. */
  private static int runBytes(List<PagePart> parts, int from, int limit) {
    long bytes = 0;
    for (int i = from; i < parts.size() && copied(parts.get(i), limit); i++) {
      if (bytes + parts.get(i).length() > RUN_LIMIT) {
        break;
      }
      bytes += parts.get(i).length();
    }
    return (int) Math.max(bytes, parts.get(from).length());
  }

  private static boolean copyInto(ByteBuf run, PagePart part) {
    return switch (part) {
      case PagePart.FileSpan span -> copyInto(run, span);
      case PagePart.Stored stored -> copyInto(run, stored);
      case PagePart.Fetched fetched -> {
        run.writeBytes(fetched.bytes());
        yield true;
      }
    };
  }

  private static boolean copyInto(ByteBuf run, PagePart.FileSpan span) {
    FileMap map = span.file().map();
    if (map != null && map.copyTo(run, span.offset(), (int) span.length())) {
      return true; // from the map: no system call (Java 22+, see FileMap)
    }
    try {
      long position = span.offset();
      long end = span.offset() + span.length();
      while (position < end) {
        int n = run.writeBytes(span.file().channel(), position, (int) (end - position));
        if (n < 0) {
          throw new EOFException("end of " + span.file().version().path() + " at " + position);
        }
        position += n;
      }
      return true;
    } catch (IOException e) {
      log.debug("reading a span of {} failed, sending with sendfile: {}", span.file().version().path(), e.toString());
      return false;
    }
  }

  private static boolean copyInto(ByteBuf run, PagePart.Stored stored) {
    ByteBuffer page;
    try {
      page = stored.handle().slice();
    } catch (RuntimeException e) {
      log.debug("the page store's map is unusable, sending with sendfile: {}", e.toString());
      return false;
    }
    try {
      run.writeBytes(page);
      return true;
    } catch (InternalError ioFault) {
      // The JVM's answer to a fault under a mapped read (an I/O error on the cache disk): let
      // sendfile try, which fails as an ordinary I/O error on the connection if the disk does.
      log.warn("reading a stored page from the map failed, sending with sendfile: {}", ioFault.toString());
      return false;
    }
  }

  private static Object zeroCopy(PagePart part) {
    return switch (part) {
      case PagePart.FileSpan span -> new PinnedFileRegion(span.file(), span.offset(), span.length());
      case PagePart.Stored stored -> new StoredPageRegion(stored.handle());
      case PagePart.Fetched fetched -> Unpooled.wrappedBuffer(fetched.bytes());
    };
  }
}
