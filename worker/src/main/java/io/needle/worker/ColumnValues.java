package io.needle.worker;

import io.needle.decode.ColumnScan;
import io.needle.decode.DecodeException;
import io.needle.metadata.ColumnPlan;
import io.needle.metadata.KeyColumnLayout;
import io.needle.metadata.PageRef;
import io.needle.metadata.RowGroupPlan;
import io.needle.protocol.proto.Codec;
import org.apache.parquet.io.api.Binary;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Every non-null value of one top-level column of a file, with its file-wide row: pages read
 * from the source in windows of up to {@link #WINDOW_BYTES}, decoded with the decode module's
 * {@link ColumnScan}. Blocking; the key index builder and Iceberg's delete loading use it.
 */
final class ColumnValues {
  /** Bytes of pages read from the source at once. */
  static final int WINDOW_BYTES = 8 << 20;

  /** Receives values with their row in the file. */
  interface Sink {
    void int64(long fileRow, long value, boolean int32);

    /** {@code value} is valid only during the call. */
    void binary(long fileRow, Binary value);
  }

  private ColumnValues() {}

  static void scan(KeyColumnLayout layout, OpenFile file, Sink sink) throws IOException, DecodeException, ServiceException {
    long groupStart = 0;
    for (RowGroupPlan rg : layout.rowGroups()) {
      ColumnPlan chunk = rg.columns().get(0);
      Codec codec = ResponseAssembler.wireCodec(chunk.codec());
      ByteBuffer dictionary = chunk.dictionary() == null ? null
          : read(file, chunk.dictionary().offset(), chunk.dictionary().length());
      List<PageRef> pages = chunk.dataPages();
      int i = 0;
      while (i < pages.size()) {
        long spanStart = pages.get(i).offset();
        int j = i + 1;
        while (j < pages.size() && pages.get(j).offset() + pages.get(j).length() - spanStart <= WINDOW_BYTES) {
          j++;
        }
        PageRef last = pages.get(j - 1);
        ByteBuffer span = read(file, spanStart, (int) (last.offset() + last.length() - spanStart));
        List<ByteBuffer> run = new ArrayList<>(j - i);
        for (int p = i; p < j; p++) {
          run.add(span.slice((int) (pages.get(p).offset() - spanStart), pages.get(p).length()));
        }
        long firstRow = pages.get(i).firstRow();
        if (firstRow < 0) {
          throw new DecodeException(DecodeException.Kind.CORRUPT, "page at " + spanStart + " has no first row");
        }
        long base = groupStart + firstRow;
        ColumnScan.scan(codec, layout.descriptor(), layout.schema().createdBy(),
            dictionary == null ? null : dictionary.duplicate(), run, new ColumnScan.Sink() {
              @Override
              public void int32(long row, int value) {
                sink.int64(base + row, value, true);
              }

              @Override
              public void int64(long row, long value) {
                sink.int64(base + row, value, false);
              }

              @Override
              public void binary(long row, Binary value) {
                sink.binary(base + row, value);
              }
            });
        i = j;
      }
      groupStart += rg.rowCount();
    }
  }

  private static ByteBuffer read(OpenFile file, long offset, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    file.readFully(offset, buffer);
    return buffer.flip();
  }
}
