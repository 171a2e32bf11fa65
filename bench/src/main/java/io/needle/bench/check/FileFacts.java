package io.needle.bench.check;

import java.util.List;

/**
 * What {@code needle check} found in one file.
 *
 * @param keySorted keys never decrease in row order (nulls ignored)
 * @param keyMin smallest key, formatted; null when the file has no key
 * @param overlapsOtherFile the key range [min, max] overlaps another file's
 * @param keyPages data pages of the key column
 * @param valuePages data pages of the other requested leaf columns
 * @param keyColumnIndexChunks key chunks with a column index (of {@code rowGroups})
 * @param offsetIndexChunks requested chunks with an offset index
 * @param chunks requested chunks
 * @param bloomRowGroups row groups with a bloom filter on the key
 * @param bloomBytes bytes of those bloom filters' bitsets
 * @param dictionaryFallback columns with a chunk whose pages start dictionary-encoded and fall back
 *     to another encoding
 */
public record FileFacts(String path, long bytes, long rows, int rowGroups, long minRowGroupBytes,
    long maxRowGroupBytes, long maxRowGroupRows, List<String> codecs, boolean keySorted, long keyNulls,
    String keyMin, String keyMax, boolean overlapsOtherFile, PageFacts keyPages, PageFacts valuePages,
    int keyColumnIndexChunks, int offsetIndexChunks, int chunks, int bloomRowGroups, long bloomBytes,
    List<String> dictionaryFallback) {

  public FileFacts {
    codecs = List.copyOf(codecs);
    dictionaryFallback = List.copyOf(dictionaryFallback);
  }

  FileFacts withOverlap(boolean overlaps) {
    return new FileFacts(path, bytes, rows, rowGroups, minRowGroupBytes, maxRowGroupBytes, maxRowGroupRows, codecs,
        keySorted, keyNulls, keyMin, keyMax, overlaps, keyPages, valuePages, keyColumnIndexChunks,
        offsetIndexChunks, chunks, bloomRowGroups, bloomBytes, dictionaryFallback);
  }

  public boolean pageIndex() {
    return keyColumnIndexChunks == rowGroups && offsetIndexChunks == chunks;
  }
}
