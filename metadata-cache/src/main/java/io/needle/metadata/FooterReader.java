package io.needle.metadata;

import io.needle.metadata.LeafColumn.PhysicalType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.values.bloomfilter.XxHash;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.ColumnOrder;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.OffsetIndex;
import org.apache.parquet.format.PageEncodingStats;
import org.apache.parquet.format.PageLocation;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Statistics;
import org.apache.parquet.format.Util;

/**
 * Loads one file version into a {@link FileMetadata}: one ranged read of the tail (a second only
 * when the footer is larger than the tail), one read covering every offset index (or none when
 * they are already inside the tail). The leading magic is checked only when the tail covers the
 * start of the file: a separate 4-byte read would be one more request per cold file on object
 * storage, and it proves nothing the trailing magic, a parseable footer and range-checked offsets
 * do not (parquet-java checks the trailing magic only).
 *
 * <p>Every length and offset that comes from the file is checked against the file size before
 * it is used to allocate or read, so a corrupt or hostile file ends as
 * {@code ParquetException(CORRUPT)} naming the file and offset, never as an OutOfMemoryError.
 * Blocking; runs on the cache's loader executor. Stateless.
 */
final class FooterReader {
  static final byte[] MAGIC = {'P', 'A', 'R', '1'};
  static final byte[] ENCRYPTED_MAGIC = {'P', 'A', 'R', 'E'};
  /** Above this, a covering read of scattered indexes wastes too much: read them one by one. */
  static final long MAX_COVERING_READ_BYTES = 64L << 20;
  private static final int MAX_SCHEMA_DEPTH = 512;

  private FooterReader() {}

  static FileMetadata load(FileSource source, int footerTailBytes) throws IOException, ParquetException {
    FileVersion version = source.version();
    long size = version.sizeBytes();
    if (size < 12) {
      throw Corruption.at(version, 0, "file of " + size + " bytes is too short for Parquet");
    }
    int tailLength = (int) Math.min(size, footerTailBytes);
    long tailStart = size - tailLength;
    byte[] tail = read(source, tailStart, tailLength);
    if (regionEquals(tail, tailLength - 4, ENCRYPTED_MAGIC)) {
      throw Corruption.unsupported(version, "encrypted footer (PARE magic)");
    }
    if (!regionEquals(tail, tailLength - 4, MAGIC)) {
      throw Corruption.at(version, size - 4, "no PAR1 magic at the end of the file");
    }
    int footerLength = littleEndianInt(tail, tailLength - 8);
    long footerStart = size - 8 - (long) footerLength;
    if (footerLength <= 0 || footerStart < 4) {
      throw Corruption.at(version, size - 8, "footer length " + footerLength + " does not fit a file of " + size + " bytes");
    }
    if (tailStart == 0 && !regionEquals(tail, 0, MAGIC)) {
      throw Corruption.at(version, 0, "no PAR1 magic at the start of the file");
    }
    byte[] footer;
    int footerOffset;
    if (footerStart >= tailStart) {
      footer = tail;
      footerOffset = (int) (footerStart - tailStart);
    } else {
      footer = read(source, footerStart, footerLength);
      footerOffset = 0;
    }
    FileMetaData fmd;
    try {
      fmd = Util.readFileMetaData(new ByteArrayInputStream(footer, footerOffset, footerLength), footerLength + 64);
    } catch (IOException | RuntimeException e) {
      throw Corruption.at(version, footerStart, "unparseable footer: " + e.getMessage(), e);
    }
    Tail tailBytes = new Tail(tail, tailStart);
    return new Builder(source, version, fmd, footerStart, tailBytes).build();
  }

  /** The bytes already read from the end of the file, to serve later reads that fall inside. */
  record Tail(byte[] bytes, long start) {
    boolean covers(long offset, long length) {
      return offset >= start && offset + length <= start + bytes.length;
    }
  }

  /** Builds the compact form from the parsed footer; one instance per load. */
  private static final class Builder {
    private final FileSource source;
    private final FileVersion version;
    private final FileMetaData fmd;
    private final long footerStart;
    private final Tail tail;
    private final List<LeafColumn> leaves = new ArrayList<>();
    private final List<String> topNames = new ArrayList<>();
    private final List<Integer> topFirstLeaf = new ArrayList<>();
    private int cursor;

    Builder(FileSource source, FileVersion version, FileMetaData fmd, long footerStart, Tail tail) {
      this.source = source;
      this.version = version;
      this.fmd = fmd;
      this.footerStart = footerStart;
      this.tail = tail;
    }

    FileMetadata build() throws IOException, ParquetException {
      if (fmd.isSetEncryption_algorithm()) {
        throw Corruption.unsupported(version, "encrypted columns (plaintext footer with encryption_algorithm)");
      }
      parseSchema();
      LeafColumn[] leafArray = leaves.toArray(new LeafColumn[0]);
      Map<String, Integer> leafByPath = new HashMap<>();
      for (LeafColumn leaf : leafArray) {
        leafByPath.putIfAbsent(leaf.path(), leaf.index());
      }
      Map<String, Integer> topByName = new HashMap<>();
      for (int i = 0; i < topNames.size(); i++) {
        topByName.putIfAbsent(topNames.get(i), i);
      }
      int[] firstLeaf = new int[topNames.size() + 1];
      for (int i = 0; i < topNames.size(); i++) {
        firstLeaf[i] = topFirstLeaf.get(i);
      }
      firstLeaf[topNames.size()] = leafArray.length;

      List<RowGroup> rowGroups = fmd.getRow_groups() == null ? List.of() : fmd.getRow_groups();
      int leafCount = leafArray.length;
      long[] rowGroupRows = new long[rowGroups.size()];
      ChunkMeta[] chunks = new ChunkMeta[rowGroups.size() * leafCount];
      List<ColumnChunk> thriftChunks = new ArrayList<>(chunks.length);
      for (int rg = 0; rg < rowGroups.size(); rg++) {
        RowGroup group = rowGroups.get(rg);
        if (group == null || group.getNum_rows() < 0) {
          throw Corruption.at(version, footerStart, "row group " + rg + " has no valid row count");
        }
        rowGroupRows[rg] = group.getNum_rows();
        List<ColumnChunk> columns = group.getColumns();
        if (columns == null || columns.size() != leafCount) {
          throw Corruption.at(version, footerStart, "row group " + rg + " has "
              + (columns == null ? 0 : columns.size()) + " column chunks for " + leafCount + " leaf columns");
        }
        for (int leaf = 0; leaf < leafCount; leaf++) {
          ColumnChunk chunk = columns.get(leaf);
          chunks[rg * leafCount + leaf] = chunkMeta(rg, leafArray[leaf], chunk);
          thriftChunks.add(chunk);
        }
      }
      PageTable[] tables = readOffsetIndexes(thriftChunks, chunks, leafCount);
      return new FileMetadata(
          version,
          schemaInfo(),
          leafArray,
          topNames.toArray(new String[0]),
          firstLeaf,
          Collections.unmodifiableMap(leafByPath),
          Collections.unmodifiableMap(topByName),
          fmd.getNum_rows(),
          rowGroupRows,
          chunks,
          tables);
    }

    private void parseSchema() throws ParquetException {
      List<SchemaElement> schema = fmd.getSchema();
      if (schema == null || schema.isEmpty() || schema.get(0) == null) {
        throw Corruption.at(version, footerStart, "footer has no schema");
      }
      SchemaElement root = schema.get(0);
      int children = root.isSetNum_children() ? root.getNum_children() : 0;
      if (children < 0 || children >= schema.size()) {
        throw Corruption.at(version, footerStart, "schema root claims " + children + " children of " + schema.size() + " elements");
      }
      List<ColumnOrder> orders = fmd.getColumn_orders();
      cursor = 1;
      for (int t = 0; t < children; t++) {
        topFirstLeaf.add(leaves.size());
        SchemaElement top = element(schema);
        topNames.add(top.getName());
        walk(schema, top, "", 1, t, 0, 0, orders);
      }
      if (cursor != schema.size()) {
        throw Corruption.at(version, footerStart, "schema has " + schema.size() + " elements but its tree holds " + cursor);
      }
    }

    private SchemaElement element(List<SchemaElement> schema) throws ParquetException {
      if (cursor >= schema.size()) {
        throw Corruption.at(version, footerStart, "schema tree needs more than its " + schema.size() + " elements");
      }
      SchemaElement e = schema.get(cursor++);
      if (e == null || e.getName() == null) {
        throw Corruption.at(version, footerStart, "schema element " + (cursor - 1) + " has no name");
      }
      return e;
    }

    private void walk(List<SchemaElement> schema, SchemaElement e, String prefix, int depth, int top, int rep, int def,
        List<ColumnOrder> orders) throws ParquetException {
      if (depth > MAX_SCHEMA_DEPTH) {
        throw Corruption.at(version, footerStart, "schema deeper than " + MAX_SCHEMA_DEPTH);
      }
      FieldRepetitionType repetition = e.getRepetition_type();
      if (repetition == FieldRepetitionType.REPEATED) {
        rep++;
        def++;
      } else if (repetition == FieldRepetitionType.OPTIONAL) {
        def++;
      }
      String path = prefix.isEmpty() ? e.getName() : prefix + "." + e.getName();
      int children = e.isSetNum_children() ? e.getNum_children() : 0;
      if (children < 0 || children > schema.size()) {
        throw Corruption.at(version, footerStart, "schema element " + path + " claims " + children + " children");
      }
      if (children > 0) {
        for (int c = 0; c < children; c++) {
          walk(schema, element(schema), path, depth + 1, top, rep, def, orders);
        }
        return;
      }
      if (!e.isSetType() || e.getType() == null) {
        throw Corruption.at(version, footerStart, "schema leaf " + path + " has no physical type");
      }
      PhysicalType type = PhysicalType.valueOf(e.getType().name());
      int typeLength = type == PhysicalType.FIXED_LEN_BYTE_ARRAY ? e.getType_length() : 0;
      if (type == PhysicalType.FIXED_LEN_BYTE_ARRAY && typeLength < 0) {
        throw Corruption.at(version, footerStart, "schema leaf " + path + " has type_length " + typeLength);
      }
      int index = leaves.size();
      StatsOrder order = StatsOrder.of(e, type, orders, index);
      leaves.add(new LeafColumn(index, path, type, typeLength, rep, def, top, depth == 1, order));
    }

    private ChunkMeta chunkMeta(int rg, LeafColumn leaf, ColumnChunk chunk) throws ParquetException {
      if (chunk == null) {
        throw Corruption.at(version, footerStart, "row group " + rg + " lacks the chunk of " + leaf.path());
      }
      if (chunk.isSetCrypto_metadata() || chunk.isSetEncrypted_column_metadata()) {
        throw Corruption.unsupported(version, "encrypted column " + leaf.path());
      }
      if (chunk.isSetFile_path()) {
        throw Corruption.unsupported(version, "column " + leaf.path() + " stored in another file (" + chunk.getFile_path() + ")");
      }
      ColumnMetaData meta = chunk.getMeta_data();
      if (meta == null) {
        throw Corruption.at(version, footerStart, "chunk of " + leaf.path() + " in row group " + rg + " has no metadata");
      }
      if (meta.getCodec() == null) {
        throw Corruption.unsupported(version, "unknown compression codec in column " + leaf.path());
      }
      String where = "chunk of " + leaf.path() + " in row group " + rg;
      long dataPageOffset = meta.getData_page_offset();
      long dictionaryOffset = meta.isSetDictionary_page_offset() && meta.getDictionary_page_offset() > 0
          ? meta.getDictionary_page_offset() : ChunkMeta.ABSENT;
      long start = dictionaryOffset == ChunkMeta.ABSENT ? dataPageOffset : dictionaryOffset;
      long compressed = meta.getTotal_compressed_size();
      if (start < 4 || compressed < 0 || start + compressed > footerStart) {
        throw Corruption.at(version, start, where + " spans " + compressed + " bytes outside the data region [4, " + footerStart + ")");
      }
      boolean dictionaryEncoded = false;
      if (meta.getEncodings() != null) {
        for (Encoding enc : meta.getEncodings()) {
          dictionaryEncoded |= enc == Encoding.PLAIN_DICTIONARY || enc == Encoding.RLE_DICTIONARY;
        }
      }
      if (meta.getEncoding_stats() != null) {
        for (PageEncodingStats s : meta.getEncoding_stats()) {
          dictionaryEncoded |= s != null && s.getPage_type() == PageType.DICTIONARY_PAGE && s.getCount() > 0;
        }
      }
      long columnIndexOffset = ChunkMeta.ABSENT;
      int columnIndexLength = 0;
      if (chunk.isSetColumn_index_offset() && chunk.isSetColumn_index_length()) {
        columnIndexOffset = chunk.getColumn_index_offset();
        columnIndexLength = chunk.getColumn_index_length();
        checkRange(columnIndexOffset, columnIndexLength, "column index of " + where);
      }
      long bloomOffset = ChunkMeta.ABSENT;
      int bloomLength = -1;
      if (meta.isSetBloom_filter_offset()) {
        bloomOffset = meta.getBloom_filter_offset();
        if (meta.isSetBloom_filter_length()) {
          bloomLength = meta.getBloom_filter_length();
          checkRange(bloomOffset, bloomLength, "bloom filter of " + where);
        } else {
          checkRange(bloomOffset, 1, "bloom filter of " + where);
        }
      }
      if (chunk.isSetOffset_index_offset() && chunk.isSetOffset_index_length()) {
        checkRange(chunk.getOffset_index_offset(), chunk.getOffset_index_length(), "offset index of " + where);
      }

      boolean hasBounds = false;
      boolean allNull = false;
      long minLong = 0;
      long maxLong = 0;
      byte[] minBytes = null;
      byte[] maxBytes = null;
      Statistics stats = meta.getStatistics();
      if (stats != null && leaf.usableAsKey()) {
        allNull = leaf.maxDefinitionLevel() > 0 && stats.isSetNull_count() && stats.getNull_count() == meta.getNum_values();
        byte[] min = leaf.order().min(stats);
        byte[] max = leaf.order().max(stats);
        if (StatsValues.wellFormed(leaf, min) && StatsValues.wellFormed(leaf, max)) {
          hasBounds = true;
          if (leaf.type() == PhysicalType.INT32 || leaf.type() == PhysicalType.INT64) {
            minLong = StatsValues.decodeLong(leaf, min);
            maxLong = StatsValues.decodeLong(leaf, max);
          } else {
            minBytes = min;
            maxBytes = max;
          }
        }
      }
      return new ChunkMeta(meta.getCodec(), start, start + compressed, dataPageOffset, dictionaryOffset,
          dictionaryEncoded, columnIndexOffset, columnIndexLength, bloomOffset, bloomLength,
          hasBounds, allNull, minLong, maxLong, minBytes, maxBytes);
    }

    private void checkRange(long offset, long length, String what) throws ParquetException {
      if (offset < 4 || length < 0 || offset + length > footerStart) {
        throw Corruption.at(version, offset, what + " of " + length + " bytes lies outside the data region [4, " + footerStart + ")");
      }
    }

    /** One read covering all offset indexes when dense (parquet-java writes them back to back). */
    private PageTable[] readOffsetIndexes(List<ColumnChunk> thriftChunks, ChunkMeta[] chunks, int leafCount)
        throws IOException, ParquetException {
      PageTable[] tables = new PageTable[chunks.length];
      long lo = Long.MAX_VALUE;
      long hi = Long.MIN_VALUE;
      long sum = 0;
      for (ColumnChunk c : thriftChunks) {
        if (c.isSetOffset_index_offset() && c.isSetOffset_index_length()) {
          lo = Math.min(lo, c.getOffset_index_offset());
          hi = Math.max(hi, c.getOffset_index_offset() + c.getOffset_index_length());
          sum += c.getOffset_index_length();
        }
      }
      if (lo == Long.MAX_VALUE) {
        return tables;
      }
      RangeBytes covering = RangeBytes.covering(source, tail, lo, hi, sum);
      for (int i = 0; i < chunks.length; i++) {
        ColumnChunk c = thriftChunks.get(i);
        if (!(c.isSetOffset_index_offset() && c.isSetOffset_index_length())) {
          continue;
        }
        long offset = c.getOffset_index_offset();
        int length = c.getOffset_index_length();
        ByteArrayInputStream in = covering.open(offset, length);
        OffsetIndex index;
        try {
          index = Util.readOffsetIndex(in);
        } catch (IOException | RuntimeException e) {
          throw Corruption.at(version, offset, "unparseable offset index: " + e.getMessage(), e);
        }
        tables[i] = pageTable(chunks[i], index, i / leafCount, offset);
      }
      return tables;
    }

    private PageTable pageTable(ChunkMeta chunk, OffsetIndex index, int rg, long indexOffset) throws ParquetException {
      List<PageLocation> locations = index.getPage_locations();
      int n = locations == null ? 0 : locations.size();
      long[] offsets = new long[n];
      int[] lengths = new int[n];
      long[] firstRows = new long[n];
      long previousEnd = 4;
      long previousRow = -1;
      for (int p = 0; p < n; p++) {
        PageLocation loc = locations.get(p);
        if (loc == null) {
          throw Corruption.at(version, indexOffset, "offset index has a null page location");
        }
        long offset = loc.getOffset();
        int length = loc.getCompressed_page_size();
        long firstRow = loc.getFirst_row_index();
        if (offset < previousEnd || length <= 0 || offset + length > footerStart) {
          throw Corruption.at(version, indexOffset, "offset index page " + p + " at " + offset + " of " + length
              + " bytes is out of order or outside the data region");
        }
        if (firstRow < 0 || firstRow < previousRow || (p == 0 && firstRow != 0)) {
          throw Corruption.at(version, indexOffset, "offset index page " + p + " has first row " + firstRow);
        }
        offsets[p] = offset;
        lengths[p] = length;
        firstRows[p] = firstRow;
        previousEnd = offset + length;
        previousRow = firstRow;
      }
      long dictionaryOffset = PageTable.NO_DICTIONARY;
      int dictionaryLength = 0;
      if (n > 0) {
        long first = offsets[0];
        if (chunk.dictionaryPageOffset != ChunkMeta.ABSENT && chunk.dictionaryPageOffset < first) {
          dictionaryOffset = chunk.dictionaryPageOffset;
        } else if (chunk.dataPageOffset < first && chunk.dictionaryEncoded) {
          // dictionary_page_offset 0 or unset although a dictionary page precedes the data pages
          dictionaryOffset = chunk.dataPageOffset;
        }
        if (dictionaryOffset != PageTable.NO_DICTIONARY) {
          long length = first - dictionaryOffset;
          if (length > Integer.MAX_VALUE) {
            throw Corruption.at(version, dictionaryOffset, "dictionary page of " + length + " bytes");
          }
          dictionaryLength = (int) length;
        }
      }
      return new PageTable(dictionaryOffset, dictionaryLength, offsets, lengths, firstRows);
    }

    private SchemaInfo schemaInfo() throws ParquetException {
      FileMetaData slim = new FileMetaData();
      slim.setVersion(fmd.getVersion());
      List<SchemaElement> schema = new ArrayList<>(fmd.getSchema().size());
      for (SchemaElement e : fmd.getSchema()) {
        SchemaElement copy = new SchemaElement(e);
        if (copy.isSetLogicalType() && copy.getLogicalType().getSetField() == null) {
          copy.unsetLogicalType(); // a logical type this Thrift version does not know: cannot be re-encoded
        }
        schema.add(copy);
      }
      slim.setSchema(schema);
      slim.setNum_rows(0);
      slim.setRow_groups(new ArrayList<>());
      if (fmd.isSetCreated_by()) {
        slim.setCreated_by(fmd.getCreated_by());
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      try {
        Util.writeFileMetaData(slim, out);
      } catch (IOException | RuntimeException e) {
        throw Corruption.at(version, footerStart, "schema cannot be re-encoded: " + e.getMessage(), e);
      }
      byte[] bytes = out.toByteArray();
      return new SchemaInfo(new XxHash().hashBytes(bytes), bytes, fmd.isSetCreated_by() ? fmd.getCreated_by() : null);
    }
  }

  static byte[] read(FileSource source, long position, int length) throws IOException {
    byte[] bytes = new byte[length];
    source.readFully(position, ByteBuffer.wrap(bytes));
    return bytes;
  }

  static boolean regionEquals(byte[] bytes, int offset, byte[] expected) {
    if (offset < 0 || offset + expected.length > bytes.length) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      if (bytes[offset + i] != expected[i]) {
        return false;
      }
    }
    return true;
  }

  static int littleEndianInt(byte[] b, int offset) {
    return (b[offset] & 0xff) | (b[offset + 1] & 0xff) << 8 | (b[offset + 2] & 0xff) << 16 | (b[offset + 3] & 0xff) << 24;
  }
}
