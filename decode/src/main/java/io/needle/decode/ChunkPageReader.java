package io.needle.decode;

import io.needle.protocol.proto.Codec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.apache.parquet.schema.PrimitiveType;

/**
 * The pages of one whole column chunk, as stored in its file, fed to parquet's column readers:
 * for the worker, which re-pages large chunks (reads every triplet with {@code ColumnReaderImpl}
 * and writes them again). Same page parsing and decompression as the client's decoders.
 *
 * <p>{@link #over} walks every page header once (value counts must be known before reading
 * starts); a body is decompressed only when the reader asks for its page, and nothing keeps it
 * afterwards, so a chunk costs its stored bytes plus one decompressed page. Data pages are
 * handed out without first rows (they are read in order). Failures inside parquet's reader
 * surface as {@link #failure} unwraps them. Not thread-safe.
 */
public final class ChunkPageReader implements PageReader {
  private final Codec codec;
  private final PrimitiveType type;
  private final byte[] chunk;
  private final DictionaryPage dictionary;
  private final int[] starts;
  private final int[] lengths;
  private final long totalValues;
  private int next;

  private ChunkPageReader(Codec codec, PrimitiveType type, byte[] chunk, DictionaryPage dictionary, int[] starts,
      int[] lengths, long totalValues) {
    this.codec = codec;
    this.type = type;
    this.chunk = chunk;
    this.dictionary = dictionary;
    this.starts = starts;
    this.lengths = lengths;
    this.totalValues = totalValues;
  }

  /**
   * @param chunk the chunk's bytes, from its first page (the dictionary page if any) to its end
   * @throws DecodeException CORRUPT when a header does not parse or a page overruns the chunk,
   *     UNSUPPORTED for a codec the decoders do not know
   */
  public static ChunkPageReader over(Codec codec, ColumnDescriptor column, byte[] chunk) throws DecodeException {
    Objects.requireNonNull(codec, "codec is null");
    Objects.requireNonNull(chunk, "chunk is null");
    DictionaryPage dictionary = null;
    int[] starts = new int[16];
    int[] lengths = new int[16];
    int pages = 0;
    long values = 0;
    int pos = 0;
    while (pos < chunk.length) {
      ByteArrayInputStream in = new ByteArrayInputStream(chunk, pos, chunk.length - pos);
      PageHeader header;
      try {
        header = Util.readPageHeader(in);
      } catch (IOException | RuntimeException e) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "unparseable page header at " + pos + " of a "
            + chunk.length + "-byte chunk of " + column + ": " + e.getMessage(), e);
      }
      int headerBytes = chunk.length - pos - in.available();
      long end = (long) pos + headerBytes + header.getCompressed_page_size();
      if (header.getCompressed_page_size() < 0 || end > chunk.length) {
        throw new DecodeException(DecodeException.Kind.CORRUPT, "page at " + pos + " overruns its " + chunk.length
            + "-byte chunk of " + column);
      }
      ByteBuffer segment = ByteBuffer.wrap(chunk, pos, (int) end - pos);
      if (header.getType() == PageType.DICTIONARY_PAGE) {
        if (pages > 0 || dictionary != null) {
          throw new DecodeException(DecodeException.Kind.CORRUPT, "dictionary page after the first page of " + column);
        }
        dictionary = ParsedPage.parse(0, segment).dictionaryPage(codec);
      } else if (header.getType() == PageType.DATA_PAGE || header.getType() == PageType.DATA_PAGE_V2) {
        values += ParsedPage.parse(pages, segment).valueCount();
        if (pages == starts.length) {
          starts = Arrays.copyOf(starts, pages * 2);
          lengths = Arrays.copyOf(lengths, pages * 2);
        }
        starts[pages] = pos;
        lengths[pages++] = (int) end - pos;
      } // index pages and unknown types hold no values
      pos = (int) end;
    }
    return new ChunkPageReader(codec, column.getPrimitiveType(), chunk, dictionary, Arrays.copyOf(starts, pages),
        Arrays.copyOf(lengths, pages), values);
  }

  /** Data pages in the chunk. */
  public int dataPageCount() {
    return starts.length;
  }

  @Override
  public DictionaryPage readDictionaryPage() {
    return dictionary;
  }

  @Override
  public long getTotalValueCount() {
    return totalValues;
  }

  @Override
  public DataPage readPage() {
    if (next >= starts.length) {
      throw new ColumnPageReader.DecodeFailure(new DecodeException(DecodeException.Kind.CORRUPT,
          "a column needs more values than its " + starts.length + " pages hold"));
    }
    int page = next++;
    try {
      return ParsedPage.parse(page, ByteBuffer.wrap(chunk, starts[page], lengths[page])).dataPage(codec, type, -1, 0);
    } catch (DecodeException e) {
      throw new ColumnPageReader.DecodeFailure(e);
    }
  }

  /** The decode failure a reader of these pages threw, or null when {@code e} is not one. */
  public static DecodeException failure(RuntimeException e) {
    return e instanceof ColumnPageReader.DecodeFailure f ? f.decodeException() : null;
  }
}
