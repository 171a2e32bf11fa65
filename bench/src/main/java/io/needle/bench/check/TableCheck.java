package io.needle.bench.check;

import static java.util.Objects.requireNonNull;

import io.needle.bench.ParquetListing;
import io.needle.bench.baseline.ParquetReadOptionsFactory;
import io.needle.bench.check.CheckReport.Advice;
import io.needle.bench.prepare.KeyColumn;
import io.needle.metadata.ColumnPlan;
import io.needle.metadata.FilePlan;
import io.needle.metadata.LookupSpec;
import io.needle.metadata.MetadataCache;
import io.needle.metadata.MetadataCacheConfig;
import io.needle.metadata.PageRef;
import io.needle.metadata.RowGroupPlan;
import io.needle.worker.WorkerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.EncodingStats;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.values.bloomfilter.BlockSplitBloomFilter;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.parquet.schema.MessageType;

/**
 * {@code needle check}: what makes lookups on a local table cheap or expensive, and what to change.
 *
 * <p>Facts come from parquet-java: footers (row groups, codecs, encodings, bloom filter and index
 * locations), offset indexes (page sizes and rows; page headers where a chunk has none) and one
 * scan of the key column (sortedness, key range, a reservoir sample of keys). The lookup cost is
 * not a formula: the sampled keys are planned by Needle's own planner ({@link MetadataCache}) over
 * the files the client would ask (those whose key range holds the key), and the pages of the plans
 * are counted. So the numbers follow the planner as it changes.
 */
public final class TableCheck {
  /** Keys planned for the lookup estimate. */
  public static final int DEFAULT_SAMPLE_KEYS = 200;
  private static final long PAGE_ADVICE_MAX_BYTES = 64 * 1024;
  private static final double BLOOM_FPP = 0.01;

  private TableCheck() {}

  /**
   * Checks the table at {@code location} looked up by {@code keyColumn}, for lookups returning
   * {@code columns} (empty: every top-level column).
   */
  public static CheckReport run(Path location, String keyColumn, List<String> columns, int sampleKeys, long seed)
      throws IOException {
    requireNonNull(keyColumn, "keyColumn is null");
    Path table = location.toAbsolutePath().normalize();
    List<Path> paths = ParquetListing.list(table, "TABLE");
    Sample sample = new Sample(sampleKeys, seed);
    List<FileFacts> files = new ArrayList<>();
    List<Object[]> ranges = new ArrayList<>();
    List<Boolean> prunable = new ArrayList<>();
    KeyColumn key = null;
    for (Path path : paths) {
      try (ParquetFileReader reader = ParquetReadOptionsFactory.open(path)) {
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        key = KeyColumn.of(schema, keyColumn, path);
        for (String c : columns) {
          if (!schema.containsField(c)) {
            throw new IllegalArgumentException("--columns: " + path + " has no top-level column '" + c + "'");
          }
        }
        KeyScan scan = scanKeys(reader, key, sample);
        files.add(facts(reader, path, table, key, columns, scan));
        ranges.add(new Object[] {scan.min, scan.max});
        prunable.add(statisticsBound(reader, keyColumn));
      }
    }
    files = markOverlaps(files, ranges, key);
    LookupCost cost = estimate(paths, ranges, prunable, key, columns, sample);
    return new CheckReport(table.toString(), keyColumn, columns, files, cost, advise(files, cost, key, columns));
  }

  /** Sortedness, range and nulls of one file's keys, read from the key column alone. */
  private record KeyScan(boolean sorted, Object min, Object max, long nulls) {}

  private static KeyScan scanKeys(ParquetFileReader reader, KeyColumn key, Sample sample)
      throws IOException {
    MessageType schema = reader.getFooter().getFileMetaData().getSchema();
    MessageType projection = new MessageType(schema.getName(), schema.getType(key.name()));
    ColumnDescriptor column = projection.getColumnDescription(new String[] {key.name()});
    reader.setRequestedSchema(projection);
    String createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
    boolean sorted = true;
    Object min = null;
    Object max = null;
    Object previous = null;
    long nulls = 0;
    PageReadStore pages;
    while ((pages = reader.readNextRowGroup()) != null) {
      ColumnReader r = new ColumnReadStoreImpl(pages, new GroupRecordConverter(projection).getRootConverter(),
          projection, createdBy).getColumnReader(column);
      for (long i = 0, n = pages.getRowCount(); i < n; i++) {
        if (r.getCurrentDefinitionLevel() == column.getMaxDefinitionLevel()) {
          Object k = key.read(r);
          sorted &= previous == null || key.compare(previous, k) <= 0;
          min = min == null || key.compare(k, min) < 0 ? k : min;
          max = max == null || key.compare(k, max) > 0 ? k : max;
          previous = k;
          sample.offer(k);
        } else {
          nulls++;
        }
        r.consume();
      }
    }
    return new KeyScan(sorted, min, max, nulls);
  }

  private static FileFacts facts(ParquetFileReader reader, Path path, Path table, KeyColumn key,
      List<String> columns, KeyScan scan) throws IOException {
    List<BlockMetaData> blocks = reader.getFooter().getBlocks();
    Set<String> codecs = new TreeSet<>();
    Set<String> fallback = new TreeSet<>();
    PageFacts keyPages = PageFacts.NONE;
    PageFacts valuePages = PageFacts.NONE;
    long minRg = Long.MAX_VALUE;
    long maxRg = 0;
    long maxRgRows = 0;
    int keyColumnIndex = 0;
    int offsetIndex = 0;
    int chunks = 0;
    int bloomRowGroups = 0;
    long bloomBytes = 0;
    try (SeekableInputStream in = new LocalInputFile(path).newStream()) {
      for (BlockMetaData rg : blocks) {
        minRg = Math.min(minRg, rg.getCompressedSize());
        maxRg = Math.max(maxRg, rg.getCompressedSize());
        maxRgRows = Math.max(maxRgRows, rg.getRowCount());
        for (ColumnChunkMetaData c : rg.getColumns()) {
          String top = c.getPath().toArray()[0];
          boolean isKey = c.getPath().size() == 1 && top.equals(key.name());
          if (!isKey && !columns.isEmpty() && !columns.contains(top)) {
            continue;
          }
          chunks++;
          codecs.add(c.getCodec().name());
          if (fellBack(c)) {
            fallback.add(c.getPath().toDotString());
          }
          if (c.getOffsetIndexReference() != null) {
            offsetIndex++;
          }
          PageFacts p = pages(reader, in, c, rg.getRowCount());
          if (isKey) {
            keyPages = keyPages.plus(p);
            keyColumnIndex += c.getColumnIndexReference() != null ? 1 : 0;
            if (c.getBloomFilterOffset() >= 0) {
              BloomFilter bloom = reader.readBloomFilter(c);
              if (bloom != null) {
                bloomRowGroups++;
                bloomBytes += bloom.getBitsetSize();
              }
            }
          } else {
            valuePages = valuePages.plus(p);
          }
        }
      }
    }
    String shown = table.equals(path) ? path.getFileName().toString() : table.relativize(path).toString();
    return new FileFacts(shown, Files.size(path), reader.getRecordCount(), blocks.size(),
        blocks.isEmpty() ? 0 : minRg, maxRg, maxRgRows, List.copyOf(codecs), scan.sorted, scan.nulls,
        scan.min == null ? null : key.format(scan.min), scan.max == null ? null : key.format(scan.max), false,
        keyPages, valuePages, keyColumnIndex, offsetIndex, chunks, bloomRowGroups, bloomBytes,
        List.copyOf(fallback));
  }

  /** A chunk whose data pages start dictionary-encoded and then are not. */
  private static boolean fellBack(ColumnChunkMetaData c) {
    EncodingStats stats = c.getEncodingStats();
    if (stats != null) {
      return stats.hasDictionaryEncodedPages() && stats.hasNonDictionaryEncodedPages();
    }
    // Old writers: v1 pages name the dictionary PLAIN_DICTIONARY, so PLAIN beside it is a fallback.
    return c.getEncodings().contains(Encoding.PLAIN_DICTIONARY) && c.getEncodings().contains(Encoding.PLAIN);
  }

  /** Data pages of one chunk, from its offset index, else from its page headers. */
  private static PageFacts pages(ParquetFileReader reader, SeekableInputStream in, ColumnChunkMetaData c,
      long rowGroupRows) throws IOException {
    OffsetIndex index = c.getOffsetIndexReference() == null ? null : reader.readOffsetIndex(c);
    if (index != null) {
      long bytes = 0;
      long max = 0;
      for (int p = 0; p < index.getPageCount(); p++) {
        bytes += index.getCompressedPageSize(p);
        max = Math.max(max, index.getCompressedPageSize(p));
      }
      return new PageFacts(index.getPageCount(), bytes, max, rowGroupRows, true);
    }
    long pages = 0;
    long bytes = 0;
    long max = 0;
    long values = 0;
    boolean rowsKnown = c.getPath().size() == 1; // a top-level primitive: a value per row
    in.seek(c.getStartingPos());
    long end = c.getStartingPos() + c.getTotalSize();
    while (in.getPos() < end) {
      long at = in.getPos();
      PageHeader header = Util.readPageHeader(in);
      long size = in.getPos() - at + header.getCompressed_page_size();
      if (header.isSetData_page_header()) {
        values += header.getData_page_header().getNum_values();
      } else if (header.isSetData_page_header_v2()) {
        values += header.getData_page_header_v2().getNum_rows();
      } else {
        in.seek(in.getPos() + header.getCompressed_page_size());
        continue;
      }
      rowsKnown |= header.isSetData_page_header_v2();
      pages++;
      bytes += size;
      max = Math.max(max, size);
      in.seek(in.getPos() + header.getCompressed_page_size());
    }
    return new PageFacts(pages, bytes, max, values, rowsKnown);
  }

  /** Whether every non-empty row group has key statistics, so the client can prune the file by range. */
  private static boolean statisticsBound(ParquetFileReader reader, String keyColumn) {
    for (BlockMetaData rg : reader.getFooter().getBlocks()) {
      for (ColumnChunkMetaData c : rg.getColumns()) {
        if (c.getPath().size() == 1 && c.getPath().toArray()[0].equals(keyColumn) && rg.getRowCount() > 0
            && (c.getStatistics() == null || !c.getStatistics().hasNonNullValue())) {
          return false;
        }
      }
    }
    return true;
  }

  private static List<FileFacts> markOverlaps(List<FileFacts> files, List<Object[]> ranges, KeyColumn key) {
    List<FileFacts> out = new ArrayList<>(files.size());
    for (int i = 0; i < files.size(); i++) {
      boolean overlaps = false;
      for (int j = 0; j < files.size() && !overlaps; j++) {
        Object[] a = ranges.get(i);
        Object[] b = ranges.get(j);
        overlaps = j != i && a[0] != null && b[0] != null
            && key.compare(a[0], b[1]) <= 0 && key.compare(b[0], a[1]) <= 0;
      }
      out.add(files.get(i).withOverlap(overlaps));
    }
    return out;
  }

  /** Plans each sampled key with Needle's planner over the files the client would ask. */
  private static LookupCost estimate(List<Path> paths, List<Object[]> ranges, List<Boolean> prunable, KeyColumn key,
      List<String> columns, Sample sample) throws IOException {
    MetadataCache cache = new MetadataCache(MetadataCacheConfig.defaults(), Runnable::run);
    List<CountingFileSource> sources = new ArrayList<>();
    try {
      for (Path p : paths) {
        sources.add(CountingFileSource.open(p));
      }
      long files = 0;
      long pages = 0;
      long keyPages = 0;
      long decoded = 0;
      long bytes = 0;
      long maxBytes = 0;
      List<Object> keys = sample.keys();
      for (Object k : keys) {
        long lookupBytes = 0;
        for (int f = 0; f < paths.size(); f++) {
          Object[] range = ranges.get(f);
          boolean asked = !prunable.get(f)
              || (range[0] != null && key.compare(range[0], k) <= 0 && key.compare(k, range[1]) <= 0);
          if (!asked) {
            continue;
          }
          files++;
          FilePlan plan = plan(cache, sources.get(f), new LookupSpec(key.name(), key.toKeys(k), columns));
          Set<Long> sent = new HashSet<>();
          for (RowGroupPlan rg : plan.rowGroups()) {
            for (int c = 0; c < rg.columns().size(); c++) {
              ColumnPlan column = rg.columns().get(c);
              boolean keyColumn = c == 0; // the planner lists the key column first
              int before = sent.size();
              if (column.dictionary() != null && sent.add(column.dictionary().offset())) {
                lookupBytes += column.dictionary().length();
              }
              for (PageRef page : column.dataPages()) {
                if (sent.add(page.offset())) {
                  lookupBytes += page.length();
                }
              }
              int added = sent.size() - before;
              if (keyColumn) {
                keyPages += added;
                decoded += added;
              } else if (!column.dataPages().isEmpty()) {
                decoded += 1 + (column.dictionary() != null ? 1 : 0);
              }
            }
          }
          pages += sent.size();
        }
        bytes += lookupBytes;
        maxBytes = Math.max(maxBytes, lookupBytes);
      }
      long metadata = 0;
      for (CountingFileSource s : sources) {
        metadata += s.bytesRead();
      }
      double n = Math.max(1, keys.size());
      return new LookupCost(keys.size(), files / n, pages / n, keyPages / n, decoded / n, bytes / n, maxBytes,
          metadata);
    } finally {
      for (CountingFileSource s : sources) {
        s.close();
      }
    }
  }

  private static FilePlan plan(MetadataCache cache, CountingFileSource source, LookupSpec spec) throws IOException {
    try {
      return cache.plan(source, spec).join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException("planning a lookup of " + source.version().path() + ": " + cause.getMessage(), cause);
    }
  }

  private static List<Advice> advise(List<FileFacts> files, LookupCost cost, KeyColumn key, List<String> columns) {
    List<Advice> advice = new ArrayList<>();
    String k = key.name();
    long unsorted = files.stream().filter(f -> !f.keySorted()).count();
    long overlapping = files.stream().filter(FileFacts::overlapsOtherFile).count();
    if (unsorted > 0 || overlapping > 0) {
      advice.add(new Advice("sort", String.format(Locale.ROOT, "sort by %s: keys are unsorted in %d of %d files and "
          + "%d files overlap in key range, so a key can be on any page of any file (needle prepare SRC DST "
          + "--key-column %s)", k, unsorted, files.size(), overlapping, k)));
    }
    if (files.stream().anyMatch(f -> !f.pageIndex())) {
      advice.add(new Advice("page-index", "write the page index (column and offset indexes; parquet-java writes "
          + "them unless statistics are off): without it every page of a candidate row group is sent"));
    }
    long maxRgRows = files.stream().mapToLong(FileFacts::maxRowGroupRows).max().orElse(0);
    if (files.stream().anyMatch(f -> f.bloomRowGroups() < f.rowGroups())) {
      advice.add(new Advice("bloom", String.format(Locale.ROOT, "bloom filter on %s with NDV %d (the most rows in a "
          + "row group): absent keys then cost no page", k, maxRgRows)));
    } else {
      long optimal = BlockSplitBloomFilter.optimalNumOfBits(Math.max(1, maxRgRows), BLOOM_FPP) / 8;
      long biggest = files.stream().mapToLong(f -> f.bloomBytes() / Math.max(1, f.bloomRowGroups())).max().orElse(0);
      if (biggest > 4 * Math.max(optimal, 1024)) {
        advice.add(new Advice("bloom-size", String.format(Locale.ROOT, "bloom filter on %s with NDV %d: the filters "
            + "take %s per row group, %s would do (parquet-java sizes them at 1 MiB without an NDV)", k, maxRgRows,
            CheckReport.size(biggest), CheckReport.size(optimal))));
      }
    }
    PageFacts keyPages = files.stream().map(FileFacts::keyPages).reduce(PageFacts.NONE, PageFacts::plus);
    PageFacts valuePages = files.stream().map(FileFacts::valuePages).reduce(PageFacts.NONE, PageFacts::plus);
    if (keyPages.averageBytes() > PAGE_ADVICE_MAX_BYTES || valuePages.averageBytes() > PAGE_ADVICE_MAX_BYTES) {
      advice.add(new Advice("page-size", String.format(Locale.ROOT, "pages of 8-64 KiB (now %s on the key, %s on the "
          + "other columns on average): a lookup sends and decodes whole pages", CheckReport.size(keyPages.averageBytes()),
          CheckReport.size(valuePages.averageBytes()))));
    }
    long rowGroups = files.stream().mapToLong(FileFacts::rowGroups).sum();
    long bytes = files.stream().mapToLong(FileFacts::bytes).sum();
    if (rowGroups > files.size() && bytes / Math.max(1, rowGroups) < (1L << 20)) {
      advice.add(new Advice("row-groups", String.format(Locale.ROOT, "row groups of 16-64 MiB (now %s on average): "
          + "each row group adds statistics, indexes and a bloom filter to check per lookup",
          CheckReport.size(bytes / rowGroups))));
    }
    Set<String> fallback = new TreeSet<>();
    files.forEach(f -> fallback.addAll(f.dictionaryFallback()));
    if (!fallback.isEmpty()) {
      advice.add(new Advice("dictionary", "no dictionary for " + String.join(", ", fallback) + ": their chunks "
          + "fell back from dictionary to plain pages, so a lookup of a late page also ships the dictionary"));
    }
    Set<String> slowCodecs = new TreeSet<>();
    files.forEach(f -> f.codecs().stream()
        .filter(c -> !c.equals(CompressionCodecName.SNAPPY.name()) && !c.equals(CompressionCodecName.LZ4_RAW.name())
            && !c.equals(CompressionCodecName.UNCOMPRESSED.name()))
        .forEach(slowCodecs::add));
    if (!slowCodecs.isEmpty()) {
      advice.add(new Advice("codec", "codec SNAPPY or LZ4_RAW instead of " + String.join(", ", slowCodecs)
          + ": every lookup decompresses its pages, and these take longer per page"));
    }
    long limit = WorkerConfig.defaults("127.0.0.1", 0, List.of()).maxResponseBytes();
    if (cost.maxBytesSent() > limit) {
      advice.add(new Advice("response-limit", String.format(Locale.ROOT, "the largest sampled lookup would send %s, "
          + "over the worker's default response limit of %s: it fails with RESOURCE_EXHAUSTED",
          CheckReport.size(cost.maxBytesSent()), CheckReport.size(limit))));
    }
    return advice;
  }

  /** A seeded reservoir sample of keys (Algorithm R). */
  private static final class Sample {
    private final Object[] keys;
    private final SplittableRandom random;
    private long seen;

    Sample(int size, long seed) {
      if (size < 1) {
        throw new IllegalArgumentException("sample size must be >= 1: " + size);
      }
      this.keys = new Object[size];
      this.random = new SplittableRandom(seed);
    }

    void offer(Object key) {
      long n = seen++;
      if (n < keys.length) {
        keys[(int) n] = key;
      } else {
        long j = random.nextLong(n + 1);
        if (j < keys.length) {
          keys[(int) j] = key;
        }
      }
    }

    List<Object> keys() {
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < Math.min(seen, keys.length); i++) {
        out.add(keys[i]);
      }
      return out;
    }
  }
}
