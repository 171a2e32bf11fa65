package io.needle.worker;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.needle.metadata.FileVersion;
import io.needle.metadata.MetadataCache;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.TableColumn;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableMetadataParser;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tables of a {@link TableStorage} read as Iceberg tables when their location holds Iceberg
 * metadata, and as directory tables otherwise: what {@link TableService} sees of a storage.
 *
 * <p>An Iceberg table answers from one snapshot, the current one of its newest
 * {@code metadata/*.metadata.json} (or of the metadata file the URI names): its data files are
 * the live entries of the snapshot's data manifests, each matched to the storage listing's
 * version of that file (so S3 reads carry the listed ETag). The storage listing is the one
 * directory tables use, with its TTL, background refresh and Refresh RPC; a new listing that
 * names a new metadata file loads the new snapshot, reading only manifests not read before
 * (manifests are immutable, cached by location), and the versions the new snapshot no longer
 * holds are forgotten at once. Data files the snapshot kept keep their metadata and pages.
 *
 * <p>Row-level deletes are resolved to deleted rows per data file when the snapshot loads
 * ({@link IcebergDeletes}); lookups ship them with the pages and the client drops matches at them.
 * A table whose schema evolved is answered by field id ({@link EvolvedColumns}): files written
 * under an older schema name columns differently, and the field ids Iceberg writes into each
 * Parquet schema say which column each field is. What is refused, as UNSUPPORTED with the reason,
 * never answered wrongly: deletes other than position deletes, deletion vectors and one-column
 * equality deletes; fields changed inside a nested column; data files that are not Parquet or lie
 * outside the table location.
 *
 * <p>Threading: reading metadata blocks and runs on the loader; once a table's listing and
 * snapshot are loaded, {@link #files} completes on the caller's thread without a hop.
 */
final class IcebergTables implements TableSource {
  private static final Logger log = LoggerFactory.getLogger(IcebergTables.class);
  /** {@code v12.metadata.json} (file-system tables) or {@code 00012-<uuid>.metadata.json} (catalogs). */
  private static final Pattern METADATA_NUMBER = Pattern.compile("(?:^v(\\d{1,18})|^(\\d{1,18})-)[^/]*\\.metadata\\.json$");
  private static final long MAX_CACHED_MANIFEST_ENTRIES = 4_000_000;

  private final TableStorage storage;
  private final MetadataCache metadata;
  private final Executor loads;
  /** The most deleted rows one snapshot may hold in memory ({@link IcebergDeletes}). */
  private final long maxDeletedRows;
  /** The snapshot served per table URI, with the listings it came from (compared by identity). */
  private final Cache<String, Served> served;
  /** Live data files of each data manifest read so far, by manifest location. */
  private final Cache<String, List<DataEntry>> manifests;
  /** Snapshot loads under way, by table URI: one per table and listing however many lookups wait. */
  private final java.util.concurrent.ConcurrentHashMap<String, Loading> loading = new java.util.concurrent.ConcurrentHashMap<>();
  /** Snapshot loads started since the worker started (tests: single flight). */
  private final java.util.concurrent.atomic.AtomicLong loadsStarted = new java.util.concurrent.atomic.AtomicLong();

  /**
   * @param loads where snapshots load: not the loader, since resolving deletes waits on
   *     metadata loads that run there
   */
  IcebergTables(TableStorage storage, MetadataCache metadata, Executor loads, long maxDeletedRows) {
    this.maxDeletedRows = maxDeletedRows;
    this.storage = storage;
    this.metadata = metadata;
    this.loads = loads;
    this.served = Caffeine.newBuilder().maximumSize(10_000).build();
    this.manifests = Caffeine.newBuilder().maximumWeight(MAX_CACHED_MANIFEST_ENTRIES)
        .<String, List<DataEntry>>weigher((location, entries) -> 1 + entries.size()).build();
  }

  /** A live data file of a manifest: where it is and how many bytes the manifest says it has. */
  private record DataEntry(String location, long sizeBytes, FileFormat format, KeyBounds bounds) {}

  /** A snapshot load under way for a table: the listing it loads and the files it will give. */
  private record Loading(TableListing listing, CompletableFuture<List<TableFile>> files) {}

  /** What a table answered from: the listings and the snapshot's files (or its refusal). */
  private record Served(TableListing listing, String dataLocation, TableListing dataListing,
      CompletableFuture<List<TableFile>> files) {}

  @Override
  public CompletableFuture<List<TableFile>> files(String tableUri) {
    return storage.listing(tableUri).thenCompose(listing -> filesOf(tableUri, listing));
  }

  @Override
  public CompletableFuture<List<TableFile>> relist(String tableUri, Executor executor, Deadline deadline) {
    return storage.relisting(tableUri, executor, deadline).thenCompose(listing -> filesOf(tableUri, listing));
  }

  private CompletableFuture<List<TableFile>> filesOf(String tableUri, TableListing listing) {
    if (listing.foreignFormat() != null) {
      return CompletableFuture.failedFuture(listing.foreignFormat().refusal(tableUri));
    }
    if (!listing.isIceberg()) {
      return CompletableFuture.completedFuture(listing.files());
    }
    Served now = served.getIfPresent(tableUri);
    if (now != null && now.listing() == listing && (now.dataLocation() == null
        || now.dataListing() == storage.listing(now.dataLocation()).getNow(null))) {
      return now.files(); // the warm path: same listings, same snapshot
    }
    // Single flight: lookups that find the same listing not loaded yet wait for one load.
    Loading mine = new Loading(listing, new CompletableFuture<>());
    Loading running = loading.merge(tableUri, mine, (current, fresh) -> current.listing() == listing ? current : fresh);
    if (running != mine) {
      return running.files();
    }
    load(tableUri, listing, now).whenComplete((files, error) -> {
      loading.remove(tableUri, mine);
      if (error != null) {
        mine.files().completeExceptionally(TableService.unwrap(error));
      } else {
        mine.files().complete(files);
      }
    });
    return mine.files();
  }

  /** Loads the snapshot a listing names and keeps it when worth keeping (see {@link #worthKeeping}). */
  private CompletableFuture<List<TableFile>> load(String tableUri, TableListing listing, Served now) {
    loadsStarted.incrementAndGet();
    CompletableFuture<TableMetadata> loaded;
    try {
      loaded = CompletableFuture.supplyAsync(() -> readMetadata(newest(listing)), loads);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Served> next = loaded.thenCompose(table -> {
      boolean namedFile = listing.files().isEmpty() && listing.metadataFiles().size() == 1
          && listing.metadataFiles().get(0).relativePath().indexOf('/') < 0;
      CompletableFuture<TableListing> data = namedFile ? storage.listing(table.location())
          : CompletableFuture.completedFuture(listing);
      return data.thenApplyAsync(dataListing -> new Served(listing, namedFile ? table.location() : null, dataListing,
          snapshotFiles(tableUri, table, dataListing, now)), loads);
    });
    return next.thenCompose(s -> {
      if (worthKeeping(s.files())) {
        served.put(tableUri, s);
      }
      return s.files();
    });
  }

  /**
   * A snapshot's files, or a refusal that the same listing would give again (UNSUPPORTED, a
   * corrupt table): kept until the listing changes. A failure that may pass (S3 down, a busy
   * worker) is not kept, so the next lookup loads the snapshot again.
   */
  private static boolean worthKeeping(CompletableFuture<List<TableFile>> files) {
    if (!files.isCompletedExceptionally()) {
      return true;
    }
    Throwable cause = files.handle((ok, error) -> TableService.unwrap(error)).join();
    return cause instanceof ServiceException se
        && (se.code() == ErrorCode.UNSUPPORTED || se.code() == ErrorCode.DATA_LOSS
            || se.code() == ErrorCode.RESOURCE_EXHAUSTED); // too many deleted rows: the same snapshot would be again
  }

  private TableMetadata readMetadata(TableFile metadataFile) {
    try {
      return TableMetadataParser.read(new IcebergFiles.ListedInputFile(storage, metadataFile,
          metadataFile.version().path()));
    } catch (IcebergFiles.ServiceFailure e) {
      throw new CompletionException(e.service());
    } catch (UncheckedIOException e) {
      throw new CompletionException(e.getCause());
    } catch (RuntimeException e) {
      // The parser's message may quote the file's bytes: the client learns which file, the log the rest.
      log.debug("Iceberg metadata file {} cannot be read", TableScope.printable(metadataFile.version().path()), e);
      throw new CompletionException(new ServiceException(ErrorCode.DATA_LOSS,
          "Iceberg metadata file " + metadataFile.relativePath() + " cannot be read (corrupt or another format)", e));
    }
  }

  /**
   * The data files of the table's current snapshot, matched to their listed versions; a failed
   * future with the reason when the snapshot cannot be answered correctly. Snapshot loads only
   * (it waits on metadata loads that run on the loader).
   */
  private CompletableFuture<List<TableFile>> snapshotFiles(String tableUri, TableMetadata table, TableListing dataListing,
      Served previous) {
    try {
      List<TableFile> files = liveFiles(tableUri, table, dataListing);
      if (previous != null && previous.files().isDone() && !previous.files().isCompletedExceptionally()) {
        forgetRemoved(previous.files().join(), files);
      }
      return CompletableFuture.completedFuture(files);
    } catch (ServiceException e) {
      return CompletableFuture.failedFuture(e);
    } catch (IcebergFiles.ServiceFailure e) {
      return CompletableFuture.failedFuture(e.service());
    } catch (UncheckedIOException e) {
      return CompletableFuture.failedFuture(e.getCause());
    } catch (org.apache.iceberg.exceptions.NotFoundException e) {
      return CompletableFuture.failedFuture(new ServiceException(ErrorCode.NOT_FOUND,
          "Iceberg table " + TableScope.printable(tableUri) + ": " + e.getMessage()));
    } catch (RuntimeException e) {
      log.debug("Iceberg metadata of {} cannot be read", TableScope.printable(tableUri), e);
      return CompletableFuture.failedFuture(new ServiceException(ErrorCode.DATA_LOSS,
          "Iceberg metadata of table " + TableScope.printable(tableUri) + " cannot be read (corrupt manifests?)", e));
    }
  }

  private List<TableFile> liveFiles(String tableUri, TableMetadata table, TableListing dataListing)
      throws ServiceException {
    EvolvedColumns columns = evolvedColumns(tableUri, table);
    Snapshot snapshot = table.currentSnapshot();
    if (snapshot == null) {
      return List.of(); // a table with no data yet
    }
    IcebergFiles io = new IcebergFiles(storage, table.location(), dataListing);
    Map<String, TableFile> listed = new HashMap<>();
    for (TableFile f : dataListing.files()) {
      listed.put(f.relativePath(), f);
    }
    List<TableFile> files = new ArrayList<>();
    for (ManifestFile manifest : snapshot.dataManifests(io)) {
      for (DataEntry entry : manifests.get(manifest.path(), path -> dataEntries(manifest, io, table))) {
        files.add(listedVersion(tableUri, table, entry, listed, columns));
      }
    }
    files.sort(Comparator.comparing(TableFile::relativePath));
    for (ManifestFile manifest : snapshot.deleteManifests(io)) {
      if (!Boolean.FALSE.equals(manifest.hasAddedFiles()) || !Boolean.FALSE.equals(manifest.hasExistingFiles())) {
        try {
          return List.copyOf(new IcebergDeletes(tableUri, table, storage, metadata, dataListing, maxDeletedRows).apply(files, io));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (io.needle.decode.DecodeException e) {
          throw new ServiceException(ErrorCode.DATA_LOSS, "Iceberg table " + TableScope.printable(tableUri)
              + ": a delete or data file does not decode: " + e.getMessage(), e);
        }
      }
    }
    return List.copyOf(files);
  }

  private static TableFile listedVersion(String tableUri, TableMetadata table, DataEntry entry,
      Map<String, TableFile> listed, EvolvedColumns columns) throws ServiceException {
    if (entry.format() != FileFormat.PARQUET) {
      throw new ServiceException(ErrorCode.UNSUPPORTED, "Iceberg table " + TableScope.printable(tableUri)
          + " has " + entry.format() + " data files; Needle serves Parquet only");
    }
    String relative = IcebergFiles.relativeTo(table.location(), entry.location());
    if (relative == null) {
      throw new ServiceException(ErrorCode.UNSUPPORTED, "Iceberg table " + TableScope.printable(tableUri)
          + " has a data file outside its location: " + TableScope.printable(entry.location()));
    }
    TableFile file = listed.get(relative);
    if (file == null) {
      throw new ServiceException(ErrorCode.NOT_FOUND, "Iceberg table " + TableScope.printable(tableUri)
          + ": data file " + TableScope.printable(relative) + " of the current snapshot is missing");
    }
    if (file.version().sizeBytes() != entry.sizeBytes()) {
      throw new ServiceException(ErrorCode.DATA_LOSS, "Iceberg table " + TableScope.printable(tableUri)
          + ": data file " + TableScope.printable(relative) + " has " + file.version().sizeBytes()
          + " bytes, its manifest says " + entry.sizeBytes());
    }
    return new TableFile(file.relativePath(), file.realPath(), file.version(), null, entry.bounds(), columns);
  }

  /**
   * The ranges the manifest gives for the file's top-level integer and byte-valued columns: its
   * lower and upper bounds, narrowed to the value of an identity partition on the column.
   */
  private static KeyBounds bounds(DataFile f, TableMetadata table) {
    Map<String, long[]> longs = new HashMap<>();
    Map<String, byte[][]> bytes = new HashMap<>();
    Map<Integer, ByteBuffer> lower = f.lowerBounds();
    Map<Integer, ByteBuffer> upper = f.upperBounds();
    Schema schema = table.schema();
    if (lower != null && upper != null) {
      for (Types.NestedField field : schema.columns()) {
        ByteBuffer lo = lower.get(field.fieldId());
        ByteBuffer hi = upper.get(field.fieldId());
        if (field.type().isPrimitiveType() && lo != null && hi != null) {
          Type.PrimitiveType type = field.type().asPrimitiveType();
          addRange(longs, bytes, field.name(), Conversions.fromByteBuffer(type, lo), Conversions.fromByteBuffer(type, hi));
        }
      }
    }
    PartitionSpec spec = table.specsById().get(f.specId());
    for (int i = 0; spec != null && i < spec.fields().size(); i++) {
      PartitionField partition = spec.fields().get(i);
      Types.NestedField source = schema.findField(partition.sourceId());
      if (partition.transform().isIdentity() && source != null && schema.columns().contains(source)) {
        Object value = f.partition().get(i, Object.class);
        if (value != null) {
          addRange(longs, bytes, source.name(), value, value);
        }
      }
    }
    return longs.isEmpty() && bytes.isEmpty() ? null : new KeyBounds(longs, bytes, f.recordCount());
  }

  private static void addRange(Map<String, long[]> longs, Map<String, byte[][]> bytes, String column, Object lo,
      Object hi) {
    if ((lo instanceof Integer || lo instanceof Long) && (hi instanceof Integer || hi instanceof Long)) {
      longs.put(column, new long[] {((Number) lo).longValue(), ((Number) hi).longValue()});
    } else {
      byte[] min = asBytes(lo);
      byte[] max = asBytes(hi);
      if (min != null && max != null) {
        bytes.put(column, new byte[][] {min, max});
      }
    }
  }

  /** A string as UTF-8, binary and fixed as they are; null for other types. */
  private static byte[] asBytes(Object value) {
    if (value instanceof CharSequence s) {
      return s.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    if (value instanceof ByteBuffer b) {
      byte[] out = new byte[b.remaining()];
      b.duplicate().get(out);
      return out;
    }
    // Not a UUID: Iceberg's UUID comparator has not always been bytewise (it compared the two
    // halves as signed longs), so a manifest's UUID bounds may not be in byte order; the footer's
    // statistics decide for those files.
    return null;
  }

  private static List<DataEntry> dataEntries(ManifestFile manifest, IcebergFiles io, TableMetadata table) {
    List<DataEntry> out = new ArrayList<>();
    try (ManifestReader<DataFile> reader = ManifestFiles.read(manifest, io, table.specsById())) {
      for (DataFile f : reader) { // live entries only: added and existing
        out.add(new DataEntry(f.location(), f.fileSizeInBytes(), f.format(), bounds(f, table)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(out);
  }

  /**
   * The table's columns matched by field id when its schema evolved (null when it never did: each
   * file then names its columns as the table does). A change inside a nested column (a struct
   * field renamed, added or dropped) is refused: only top-level columns are matched by id.
   */
  private static EvolvedColumns evolvedColumns(String tableUri, TableMetadata table) throws ServiceException {
    Schema current = table.schema();
    boolean evolved = false;
    for (Schema older : table.schemas()) {
      if (older.schemaId() == current.schemaId() || older.sameSchema(current)) {
        continue;
      }
      evolved = true;
      for (Types.NestedField field : current.columns()) {
        Types.NestedField before = older.findField(field.fieldId());
        if (before != null && !field.type().isPrimitiveType() && !before.type().equals(field.type())) {
          throw new ServiceException(ErrorCode.UNSUPPORTED, "Iceberg table " + TableScope.printable(tableUri)
              + " changed fields inside column " + field.name() + "; Needle matches top-level columns only");
        }
      }
    }
    if (!evolved) {
      return null;
    }
    List<TableColumn> columns = new ArrayList<>();
    for (Types.NestedField field : current.columns()) {
      columns.add(TableColumn.newBuilder().setName(field.name()).setFieldId(field.fieldId())
          .setType(field.type().toString()).build());
    }
    try {
      return new EvolvedColumns(columns);
    } catch (io.needle.decode.DecodeException e) {
      throw new ServiceException(ErrorCode.DATA_LOSS, "Iceberg table " + TableScope.printable(tableUri)
          + ": " + e.getMessage(), e);
    }
  }

  /** Versions the previous snapshot held and the new one does not: their cached state goes now. */
  private void forgetRemoved(List<TableFile> before, List<TableFile> now) {
    Set<FileVersion> kept = new HashSet<>();
    for (TableFile f : now) {
      kept.add(f.version());
    }
    for (TableFile f : before) {
      if (!kept.contains(f.version())) {
        storage.forget(f.version());
      }
    }
  }

  /** Snapshot loads started since the worker started: one per table and listing (single flight). */
  long loadsStarted() {
    return loadsStarted.get();
  }

  @Override
  public void expire(String tableUri) {
    storage.expire(tableUri);
  }

  @Override
  public OpenFile openIfPresent(TableFile file) {
    return storage.openIfPresent(file);
  }

  @Override
  public OpenFile open(TableFile file) throws ServiceException {
    return storage.open(file);
  }

  @Override
  public void forget(FileVersion version) {
    storage.forget(version);
  }

  /** The metadata file with the highest version number (the newest commit). */
  static TableFile newest(TableListing listing) {
    TableFile best = null;
    long bestNumber = -1;
    for (TableFile f : listing.metadataFiles()) {
      if (!TableListing.isTableMetadata(f.relativePath())) {
        continue;
      }
      String name = f.relativePath().substring(f.relativePath().lastIndexOf('/') + 1);
      Matcher m = METADATA_NUMBER.matcher(name);
      long number = m.find() ? Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2)) : 0;
      if (best == null || number > bestNumber || number == bestNumber && f.relativePath().compareTo(best.relativePath()) > 0) {
        best = f;
        bestNumber = number;
      }
    }
    return best;
  }
}
