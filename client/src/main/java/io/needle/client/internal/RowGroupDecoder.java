package io.needle.client.internal;

import io.needle.protocol.proto.RowGroupPages;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Decodes the pages of one row group of a lookup response: scans the key column's pages for the
 * requested keys, then materializes the requested fields of each matching row. Reusable for
 * every row group of files that share a schema. Stub: implementation pending.
 */
public final class RowGroupDecoder {
  /**
   * @param fields top-level field names in output order; empty means every field in schema order
   */
  public RowGroupDecoder(FileSchema schema, String keyColumn, List<String> fields) throws DecodeException {
    throw new UnsupportedOperationException("not yet implemented");
  }

  /**
   * @param pages the response's page segments by index, each positioned at its first byte
   */
  public void decode(RowGroupPages rowGroup, List<ByteBuffer> pages, KeyMatcher keys, MatchSink sink)
      throws DecodeException {
    throw new UnsupportedOperationException("not yet implemented");
  }
}
