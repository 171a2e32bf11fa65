package io.needle.worker;

import io.needle.metadata.ColumnPlan;
import io.needle.metadata.FilePlan;
import io.needle.metadata.PageRef;
import io.needle.metadata.RowGroupPlan;
import io.needle.protocol.proto.Codec;
import io.needle.protocol.proto.ErrorCode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.parquet.format.CompressionCodec;

/**
 * Turns the plans of one lookup into a response header ({@link LookupHeader}) and its payload parts.
 *
 * <p>Every page goes out once, however many keys, row groups or columns refer to it; pages of a
 * file go out in file order. Without a page cache the payload is spans of the source files
 * (adjacent pages merged into one sendfile); with one, each page is a stored page or the bytes
 * of a miss, and carries its CRC32C. Not thread-safe; one per response.
 */
final class ResponseAssembler {
  private final long maxPayloadBytes;
  private final LookupHeader header = new LookupHeader();
  private final List<FilePages> files = new ArrayList<>();
  private long payloadBytes;

  /** The distinct pages of one file, in payload order, and where the first one sits. */
  private record FilePages(String relativePath, OpenFile file, long[] offsets, int[] lengths, int firstSegment) {}

  ResponseAssembler(long maxPayloadBytes) {
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /**
   * Adds one file's plan; does not take a reference of {@code file}.
   *
   * @param deletes the file's deleted rows, or null when none are
   */
  void add(String relativePath, OpenFile file, FilePlan plan, RowDeletes deletes) throws ServiceException {
    if (plan.rowGroups().isEmpty()) {
      return;
    }
    long[] offsets = distinctOffsets(plan);
    int[] lengths = new int[offsets.length];
    int firstPage = header.pageCount();
    int[] pageIndexes = new int[pageRefs(plan)];
    int p = 0;
    for (RowGroupPlan rg : plan.rowGroups()) {
      for (ColumnPlan column : rg.columns()) {
        pageIndexes[p++] = column.dictionary() == null ? -1 : firstPage + index(offsets, lengths, column.dictionary());
        for (PageRef page : column.dataPages()) {
          pageIndexes[p++] = firstPage + index(offsets, lengths, page);
        }
      }
    }
    header.addFile(relativePath, file.wireToken(), plan, pageIndexes, deletes);
    header.addPages(offsets, lengths);
    for (int length : lengths) {
      payloadBytes += length;
    }
    if (payloadBytes > maxPayloadBytes) {
      throw new ServiceException(ErrorCode.RESOURCE_EXHAUSTED, "response would carry " + payloadBytes
          + " bytes of pages, over the worker's limit of " + maxPayloadBytes + "; ask fewer keys or columns");
    }
    files.add(new FilePages(relativePath, file, offsets, lengths, firstPage));
  }

  /**
   * The answer: payload parts resolved through {@code cache} (null: straight from the source
   * files). Call while the files' references are still held; the answer takes its own.
   *
   * @param suspects per file path, page offsets the client found corrupt
   * @param deadline the request's: bounds the source reads of its misses
   */
  CompletableFuture<Answer> finish(PageCache cache, Map<String, Set<Long>> suspects, Deadline deadline) {
    if (cache == null) {
      return CompletableFuture.completedFuture(answer(spansOfSources(), null));
    }
    int pages = header.pageCount();
    PagePart[] parts = new PagePart[pages];
    int[] crcs = new int[pages];
    CompletableFuture<?>[] resolving = new CompletableFuture<?>[files.size()];
    for (int f = 0; f < files.size(); f++) {
      FilePages fp = files.get(f);
      resolving[f] = cache.resolve(fp.file(), fp.offsets(), fp.lengths(), suspects.getOrDefault(fp.relativePath(), Set.of()),
          fp.firstSegment(), parts, crcs, deadline);
    }
    if (allSucceeded(resolving)) { // every page a hit: answered on this thread, no stage
      return CompletableFuture.completedFuture(answer(Arrays.asList(parts), crcs));
    }
    return CompletableFuture.allOf(resolving).handle((ignored, error) -> {
      if (error != null) {
        for (PagePart part : parts) {
          if (part != null) {
            part.release();
          }
        }
        throw TableService.propagate(error);
      }
      return answer(Arrays.asList(parts), crcs);
    });
  }

  private static boolean allSucceeded(CompletableFuture<?>[] futures) {
    for (CompletableFuture<?> f : futures) {
      if (!TableService.succeeded(f)) {
        return false;
      }
    }
    return true;
  }

  private Answer answer(List<PagePart> parts, int[] crcs) {
    if (crcs != null) {
      header.crcs(crcs);
    }
    List<io.needle.metadata.FileVersion> versions = new ArrayList<>(files.size());
    for (FilePages fp : files) {
      versions.add(fp.file().version());
    }
    return new Answer(header, List.copyOf(parts), payloadBytes, versions);
  }

  /** Adjacent pages of a file merge into one span: one sendfile for a column chunk's run. */
  private List<PagePart> spansOfSources() {
    List<PagePart> parts = new ArrayList<>();
    for (FilePages fp : files) {
      long start = -1;
      long end = -1;
      for (int i = 0; i < fp.offsets().length; i++) {
        if (fp.offsets()[i] != end) {
          addSpan(parts, fp.file(), start, end);
          start = fp.offsets()[i];
        }
        end = fp.offsets()[i] + fp.lengths()[i];
      }
      addSpan(parts, fp.file(), start, end);
    }
    return parts;
  }

  private static void addSpan(List<PagePart> parts, OpenFile file, long start, long end) {
    if (start >= 0) {
      file.retain();
      parts.add(new PagePart.FileSpan(file, start, end - start));
    }
  }

  /** References to pages in {@code plan}: a dictionary slot per column (maybe none), and each data page. */
  private static int pageRefs(FilePlan plan) {
    int n = 0;
    for (RowGroupPlan rg : plan.rowGroups()) {
      for (ColumnPlan c : rg.columns()) {
        n += 1 + c.dataPages().size();
      }
    }
    return n;
  }

  private static long[] distinctOffsets(FilePlan plan) {
    int n = 0;
    for (RowGroupPlan rg : plan.rowGroups()) {
      for (ColumnPlan c : rg.columns()) {
        n += c.dataPages().size() + (c.dictionary() == null ? 0 : 1);
      }
    }
    long[] all = new long[n];
    int i = 0;
    for (RowGroupPlan rg : plan.rowGroups()) {
      for (ColumnPlan c : rg.columns()) {
        if (c.dictionary() != null) {
          all[i++] = c.dictionary().offset();
        }
        for (PageRef p : c.dataPages()) {
          all[i++] = p.offset();
        }
      }
    }
    Arrays.sort(all);
    int distinct = 0;
    for (int j = 0; j < all.length; j++) {
      if (j == 0 || all[j] != all[j - 1]) {
        all[distinct++] = all[j];
      }
    }
    return Arrays.copyOf(all, distinct);
  }

  private static int index(long[] offsets, int[] lengths, PageRef page) throws ServiceException {
    int i = Arrays.binarySearch(offsets, page.offset());
    if (lengths[i] == 0) {
      lengths[i] = page.length();
    } else if (lengths[i] != page.length()) {
      throw new ServiceException(ErrorCode.INTERNAL, "page at " + page.offset() + " planned with lengths "
          + lengths[i] + " and " + page.length());
    }
    return i;
  }

  /**
   * The protocol's name for a chunk's codec: the one mapping from the footer's type to the wire's
   * (and the decoder's). Exhaustive, so a codec Parquet adds fails the build here, not a lookup.
   */
  static Codec wireCodec(CompressionCodec codec) {
    return switch (codec) {
      case UNCOMPRESSED -> Codec.UNCOMPRESSED;
      case SNAPPY -> Codec.SNAPPY;
      case GZIP -> Codec.GZIP;
      case LZO -> Codec.LZO;
      case BROTLI -> Codec.BROTLI;
      case LZ4 -> Codec.LZ4;
      case ZSTD -> Codec.ZSTD;
      case LZ4_RAW -> Codec.LZ4_RAW;
    };
  }
}
