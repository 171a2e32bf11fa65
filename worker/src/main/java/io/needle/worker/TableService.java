package io.needle.worker;

import com.google.protobuf.ByteString;
import io.needle.metadata.FilePlan;
import io.needle.metadata.FileSummary;
import io.needle.metadata.StatsOrder;
import io.needle.metadata.Keys;
import io.needle.metadata.LookupSpec;
import io.needle.metadata.MetadataCache;
import io.needle.metadata.ParquetException;
import io.needle.metadata.SchemaInfo;
import io.needle.protocol.proto.DescribeRequest;
import io.needle.protocol.proto.DescribeResponse;
import io.needle.protocol.proto.ErrorCode;
import io.needle.protocol.proto.FileDescription;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.KeyOrder;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.PageId;
import io.needle.protocol.proto.RefreshRequest;
import io.needle.protocol.proto.RefreshResponse;
import io.needle.protocol.proto.Response;
import io.needle.protocol.proto.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Answers lookups and describes of local tables. Plain Java: no Netty types.
 *
 * <p>Threading: called on an event loop. When the table's listing, the files' descriptors and
 * their metadata are all cached, every future below is already complete and the whole lookup runs
 * on the calling thread without a hop; anything missing is loaded on the loader executor, and
 * the answer completes there. Nothing here blocks the caller.
 */
final class TableService {
  private static final Logger log = LoggerFactory.getLogger(TableService.class);

  private final TableScope scope;
  private final TableSources sources;
  private final MetadataCache metadata;
  private final WorkerConfig config;
  private final LoaderQueue requestLoads;
  private final PageCache pages;
  private final Repager repager;
  private final KeyIndexes keyIndexes;

  /**
   * @param requestLoads the loader as request work sees it (bounded)
   * @param pages the page cache pages go through, or null to send them from the source files
   * @param s3 tables on S3, or null when no S3 root is configured; requires {@code pages}
   */
  TableService(TableScope scope, LocalTables tables, MetadataCache metadata, WorkerConfig config,
      LoaderQueue requestLoads, PageCache pages, S3Tables s3) {
    this(scope, tables, metadata, config, requestLoads, pages, s3, null, null);
  }

  /**
   * @param repager re-pages chunks whose pages are too big, or null for none; requires {@code pages}
   * @param keyIndexes per-file key indexes (in the page store), or null to plan from statistics only
   */
  TableService(TableScope scope, LocalTables tables, MetadataCache metadata, WorkerConfig config,
      LoaderQueue requestLoads, PageCache pages, S3Tables s3, Repager repager, KeyIndexes keyIndexes) {
    if ((s3 != null || repager != null) && pages == null) {
      throw new IllegalArgumentException("S3 tables need a page store");
    }
    this.keyIndexes = keyIndexes;
    this.sources = new TableSources(tables, s3, metadata, config.icebergMaxDeletedRows());
    this.pages = pages;
    this.repager = repager;
    this.scope = scope;
    this.metadata = metadata;
    this.config = config;
    this.requestLoads = requestLoads;
  }

  /**
   * Serves one request other than a health check (answered by whoever holds the worker's
   * status): the one dispatch of the socket handler and of in-process calls. Queued work of the
   * request is dropped once {@code deadline} expires.
   */
  CompletableFuture<Answer> serve(io.needle.protocol.proto.Request request, Deadline deadline) {
    return switch (request.getBodyCase()) {
      case LOOKUP -> lookup(request.getLookup(), deadline);
      case DESCRIBE -> describe(request.getDescribe(), deadline).thenApply(Answer::headerOnly);
      case REFRESH -> relist(request.getRefresh(), deadline).thenApply(Answer::headerOnly);
      case HEALTH, AUTHENTICATE -> throw new IllegalArgumentException(
          "health and authentication are answered by the connection, not the table service");
      case BODY_NOT_SET -> CompletableFuture.failedFuture(
          new ServiceException(ErrorCode.INVALID_ARGUMENT, "request has no body (unknown request type?)"));
    };
  }

  /** The table URI a request names, as the client gave it (for its errors); null for none. */
  static String tableUriOf(io.needle.protocol.proto.Request request) {
    return switch (request.getBodyCase()) {
      case LOOKUP -> request.getLookup().getTableUri();
      case DESCRIBE -> request.getDescribe().getTableUri();
      case REFRESH -> request.getRefresh().getTableUri();
      default -> null;
    };
  }

  CompletableFuture<Answer> lookup(LookupRequest request, Deadline deadline) {
    // An S3 object that changed under its listed version (412, 404, other size): list the
    // table again and retry once on the new versions; the failed attempt produced no answer,
    // so no response ever combines bytes of two versions.
    CompletableFuture<Answer> first = lookupOnce(request, deadline);
    if (succeeded(first)) {
      return first;
    }
    return first.handle((answer, error) -> {
      if (error == null) {
        return CompletableFuture.completedFuture(answer);
      }
      if (unwrap(error) instanceof S3ReadException e && e.objectChanged()) {
        log.debug("retrying a lookup of {} after a change: {}", TableScope.printable(request.getTableUri()), e.getMessage());
        return sources.forTable(request.getTableUri()).relist(request.getTableUri(), requestLoads, deadline)
            .thenCompose(files -> lookupOnce(request, deadline));
      }
      return CompletableFuture.<Answer>failedFuture(unwrap(error));
    }).thenCompose(f -> f);
  }

  /** Re-planning rounds after re-paged pages turned out missing, before the lookup fails as UNAVAILABLE. */
  private static final int REPAGED_RETRIES = 3;

  private CompletableFuture<Answer> lookupOnce(LookupRequest request, Deadline deadline) {
    return lookupOnce(request, deadline, REPAGED_RETRIES);
  }

  /**
   * One lookup; when a plan named re-paged pages that have left the store, their chunks go back to
   * the file's pages and the lookup is planned again (the failed attempt produced no answer).
   */
  private CompletableFuture<Answer> lookupOnce(LookupRequest request, Deadline deadline, int retries) {
    CompletableFuture<Answer> attempt = lookupAttempt(request, deadline);
    if (succeeded(attempt)) {
      return attempt;
    }
    return attempt.handle((answer, error) -> {
      if (error == null) {
        return CompletableFuture.completedFuture(answer);
      }
      if (unwrap(error) instanceof RepagedPagesMissing missing && repager != null) {
        for (long address : missing.addresses()) {
          repager.drop(missing.version(), missing.versionKey(), address);
        }
        if (retries > 0) {
          return lookupOnce(request, deadline, retries - 1);
        }
        return CompletableFuture.<Answer>failedFuture(new ServiceException(ErrorCode.UNAVAILABLE,
            "re-paged pages kept leaving the page store; retry"));
      }
      return CompletableFuture.<Answer>failedFuture(unwrap(error));
    }).thenCompose(f -> f);
  }

  private CompletableFuture<Answer> lookupAttempt(LookupRequest request, Deadline deadline) {
    LookupSpec spec;
    try {
      spec = validate(request);
    } catch (ServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
    // One path is the common case (the client prunes files by their key ranges): no hash set for it.
    Set<String> only = switch (request.getPathsCount()) {
      case 0 -> null;
      case 1 -> Set.of(request.getPaths(0));
      default -> new HashSet<>(request.getPathsList());
    };
    return then(filesOf(request.getTableUri(), only), files -> {
      deadline.check();
      if (!request.getAppliesDeletedRows()) {
        refuseDeletes(files, request.getTableUri());
      }
      List<CompletableFuture<Planned>> plans = new ArrayList<>(files.size());
      for (TableFile file : files) {
        if (file.bounds() != null && file.bounds().excludesAll(spec.keyColumn(), spec.keys())) {
          continue; // the table's metadata rules the file out: its footer is never read
        }
        plans.add(pinned(file, deadline, open -> file.columns() == null ? plan(file, open, spec)
            : then(metadata.describe(open, null), summary -> {
              LookupSpec inFile = inFile(file, summary, spec);
              if (inFile == null) {
                open.release();
                return CompletableFuture.completedFuture(null); // the file has no key field: no row of it matches
              }
              return plan(file, open, inFile);
            })));
      }
      Map<String, Set<Long>> suspects = suspects(request);
      return then(allOf(plans, planned -> {
        if (planned != null) {
          planned.open().release();
        }
      }), planned -> {
        planned.removeIf(java.util.Objects::isNull);
        if (repager != null) {
          for (Planned p : planned) {
            repager.consider(p.open(), p.plan());
          }
        }
        return assemble(planned, suspects, deadline);
      });
    });
  }

  private CompletableFuture<Planned> plan(TableFile file, OpenFile open, LookupSpec spec) {
    CompletableFuture<FilePlan> plan = keyIndexes == null ? metadata.plan(open, spec) : keyIndexes.plan(open, spec);
    return succeeded(plan) ? CompletableFuture.completedFuture(new Planned(file, open, plan.join()))
        : plan.thenApply(p -> new Planned(file, open, p));
  }

  /** {@code spec} in the fields of a file of an evolved table, or null when none of its rows can match. */
  private static LookupSpec inFile(TableFile file, FileSummary summary, LookupSpec spec) {
    try {
      return file.columns().inFile(summary.schema(), spec);
    } catch (ServiceException e) {
      throw new CompletionException(e);
    }
  }

  /** The file's summary with the key range of the table's key column, under the file's own name for it. */
  private CompletableFuture<FileSummary> describe(TableFile file, OpenFile open, String keyColumn) {
    if (file.columns() == null || keyColumn == null) {
      return metadata.describe(open, keyColumn);
    }
    return then(metadata.describe(open, null), summary -> {
      String fileKey;
      try {
        fileKey = file.columns().fileKey(summary.schema(), keyColumn);
      } catch (ServiceException e) {
        throw new CompletionException(e);
      }
      return fileKey == null ? CompletableFuture.completedFuture(summary) : metadata.describe(open, fileKey);
    });
  }

  /** A client that does not drop deleted rows would answer them: it gets a typed refusal instead. */
  private static void refuseDeletes(List<TableFile> files, String tableUri) {
    for (TableFile f : files) {
      if (f.deletes() != null) {
        throw new CompletionException(new ServiceException(ErrorCode.UNSUPPORTED, "table "
            + TableScope.printable(tableUri) + " has deleted rows (Iceberg row-level deletes) and this client does not"
            + " drop them (applies_deleted_rows unset): use a client that does"));
      }
    }
  }

  private static Map<String, Set<Long>> suspects(LookupRequest request) {
    if (request.getSuspectPagesCount() == 0) {
      return Map.of();
    }
    Map<String, Set<Long>> out = new HashMap<>();
    for (PageId page : request.getSuspectPagesList()) {
      out.computeIfAbsent(page.getPath(), p -> new HashSet<>()).add(page.getOffset());
    }
    return out;
  }

  CompletableFuture<Response> describe(DescribeRequest request, Deadline deadline) {
    if (request.getTableUri().isEmpty()) {
      return CompletableFuture.failedFuture(new ServiceException(ErrorCode.INVALID_ARGUMENT, "table_uri is empty"));
    }
    String keyColumn = request.getKeyColumn().isEmpty() ? null : request.getKeyColumn();
    return filesOf(request.getTableUri(), null).thenCompose(files -> {
      deadline.check();
      List<CompletableFuture<FileSummary>> summaries = new ArrayList<>(files.size());
      int keyFooter = keyFooter(files, keyColumn);
      for (int i = 0; i < files.size(); i++) {
        TableFile file = files.get(i);
        if (i > 0 && i != keyFooter && fromManifest(file, keyColumn)) {
          summaries.add(CompletableFuture.completedFuture(null)); // described below without its footer
          continue;
        }
        // The reference is released here on success only: on failure pinned() releases it (it
        // was released twice before, and the second release freed a file other requests held).
        summaries.add(pinned(file, deadline, open -> describe(file, open, keyColumn).thenApply(s -> {
          open.release();
          return s;
        })));
      }
      return allOf(summaries, summary -> { }).thenApply(list -> {
        DescribeResponse.Builder out = DescribeResponse.newBuilder();
        Map<Long, SchemaInfo> schemas = new LinkedHashMap<>();
        for (int i = 0; i < files.size(); i++) {
          FileSummary s = list.get(i);
          if (s == null) {
            out.addFiles(manifestDescription(files.get(i), keyColumn));
            continue;
          }
          schemas.putIfAbsent(s.schema().id(), s.schema());
          FileDescription.Builder d = FileDescription.newBuilder()
              .setPath(files.get(i).relativePath())
              .setVersion(s.version().wireToken())
              .setSizeBytes(s.version().sizeBytes())
              .setRowCount(s.rowCount())
              .setSchemaId(s.schema().id());
          if (s.schema().createdBy() != null) {
            d.setCreatedBy(s.schema().createdBy());
          }
          if (s.keyMin() != null && s.keyMax() != null && s.keyOrder() != StatsOrder.UNKNOWN) {
            d.setKeyMin(key(s.keyMin())).setKeyMax(key(s.keyMax())).setKeyOrder(keyOrder(s.keyOrder()));
          }
          out.addFiles(d);
        }
        if (!files.isEmpty() && files.get(0).columns() != null) {
          out.addAllTableColumns(files.get(0).columns().wire());
        }
        for (SchemaInfo schema : schemas.values()) {
          out.addSchemas(Schema.newBuilder().setId(schema.id())
              .setParquetSchema(ByteString.copyFrom(schema.thriftFileMetaData())));
        }
        return Response.newBuilder().setDescribe(out).build();
      });
    });
  }

  /**
   * Whether a Describe gives {@code file} from the table's own metadata, without reading its
   * footer: when that metadata has the file's rows and key range and the footer is not loaded
   * yet. A lookup reads the footer when it first needs the file, and the client describes the
   * table again for the schema of a file it has not seen (schema id 0 until then). Tables whose
   * columns are matched by field id work the same way: the client projects each file's schema
   * when it first decodes from it, and takes the key's type from a file that holds the key.
   */
  private boolean fromManifest(TableFile file, String keyColumn) {
    return keyColumn != null && file.bounds() != null && file.bounds().rowCount() >= 0
        && file.bounds().hasRange(keyColumn) && !metadata.isLoaded(file.version());
  }

  /**
   * The file whose footer a Describe reads besides the first one, so that some described file
   * holds the key column (the client takes the key's type from it): in a table matched by field
   * id the first file may predate the key column, so the first file the manifest gives a key range
   * for (a range means the file holds key values). -1 when the first file does, or for other tables.
   */
  private static int keyFooter(List<TableFile> files, String keyColumn) {
    if (keyColumn == null || files.isEmpty() || files.get(0).columns() == null) {
      return -1;
    }
    for (int i = 0; i < files.size(); i++) {
      KeyBounds bounds = files.get(i).bounds();
      if (bounds != null && bounds.hasRange(keyColumn)) {
        return i;
      }
    }
    return -1;
  }

  private static FileDescription manifestDescription(TableFile file, String keyColumn) {
    FileDescription.Builder d = FileDescription.newBuilder().setPath(file.relativePath())
        .setVersion(file.version().wireToken()).setSizeBytes(file.version().sizeBytes())
        .setRowCount(file.bounds().rowCount());
    // Iceberg orders integers, dates and timestamps as signed, strings and binary as unsigned bytes
    long[] longs = file.bounds().longs().get(keyColumn);
    if (longs != null) {
      d.setKeyMin(Key.newBuilder().setIntValue(longs[0])).setKeyMax(Key.newBuilder().setIntValue(longs[1]))
          .setKeyOrder(KeyOrder.KEY_ORDER_SIGNED_INT);
    } else {
      byte[][] bytes = file.bounds().bytes().get(keyColumn);
      d.setKeyMin(Key.newBuilder().setBytesValue(ByteString.copyFrom(bytes[0])))
          .setKeyMax(Key.newBuilder().setBytesValue(ByteString.copyFrom(bytes[1])))
          .setKeyOrder(KeyOrder.KEY_ORDER_UNSIGNED_BYTES);
    }
    return d.build();
  }

  /** Iceberg snapshot loads started, over all tables. */
  long icebergSnapshotLoads() {
    return sources.icebergSnapshotLoads();
  }

  /** The Refresh RPC: lists the table again now and answers with its files. */
  CompletableFuture<Response> relist(RefreshRequest request, Deadline deadline) {
    String tableUri = request.getTableUri();
    if (tableUri.isEmpty()) {
      return CompletableFuture.failedFuture(new ServiceException(ErrorCode.INVALID_ARGUMENT, "table_uri is empty"));
    }
    return sources.forTable(tableUri).relist(tableUri, requestLoads, deadline).thenApply(list -> {
      RefreshResponse.Builder out = RefreshResponse.newBuilder();
      for (TableFile f : list) {
        out.addFiles(FileDescription.newBuilder().setPath(f.relativePath()).setVersion(f.version().wireToken())
            .setSizeBytes(f.version().sizeBytes()));
      }
      return Response.newBuilder().setRefresh(out).build();
    });
  }

  private record Planned(TableFile file, OpenFile open, FilePlan plan) {}

  private CompletableFuture<Answer> assemble(List<Planned> planned, Map<String, Set<Long>> suspects,
      Deadline deadline) {
    ResponseAssembler assembler = new ResponseAssembler(config.maxResponseBytes());
    try {
      for (Planned p : planned) {
        assembler.add(p.file().relativePath(), p.open(), p.plan(), p.file().deletes());
      }
      return assembler.finish(pages, suspects, deadline); // takes its own references of the files
    } catch (ServiceException e) {
      return CompletableFuture.failedFuture(e);
    } finally {
      for (Planned p : planned) {
        p.open().release();
      }
    }
  }

  /** {@code error} as the exception a future stage rethrows, cause unwrapped once. */
  static CompletionException propagate(Throwable error) {
    return new CompletionException(unwrap(error));
  }

  private CompletableFuture<List<TableFile>> filesOf(String tableUri, Set<String> only) {
    CompletableFuture<List<TableFile>> listed = sources.forTable(tableUri).files(tableUri);
    if (only == null) {
      return listed;
    }
    return then(listed, files -> {
      List<TableFile> chosen = new ArrayList<>(only.size());
      for (String path : only) {
        TableFile f = find(files, path);
        if (f == null) {
          throw new CompletionException(new ServiceException(ErrorCode.NOT_FOUND,
              "some requested files are not in table " + TableScope.printable(tableUri)));
        }
        chosen.add(f);
      }
      chosen.sort(BY_PATH); // the answer lists files in manifest order, as before
      return CompletableFuture.completedFuture(chosen);
    });
  }

  private static final java.util.Comparator<TableFile> BY_PATH = java.util.Comparator.comparing(TableFile::relativePath);

  /**
   * The manifest's file at {@code path}, or null. Manifests are sorted by path, so a lookup that
   * names its files costs O(log files), not a sweep of a 10,000-file table per request; a miss is
   * confirmed by a sweep, so a manifest in another order is still answered correctly.
   */
  static TableFile find(List<TableFile> manifest, String path) {
    int lo = 0;
    int hi = manifest.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = manifest.get(mid).relativePath().compareTo(path);
      if (c == 0) {
        return manifest.get(mid);
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    for (TableFile f : manifest) {
      if (f.relativePath().equals(path)) {
        return f;
      }
    }
    return null;
  }

  /**
   * Runs {@code work} with a retained descriptor of {@code file}; opening happens on the loader
   * unless the version is open already. {@code work} owns the reference it is given.
   */
  private <T> CompletableFuture<T> pinned(TableFile file, Deadline deadline,
      Function<OpenFile, CompletableFuture<T>> work) {
    TableSource source = sources.forFile(file);
    OpenFile open = source.openIfPresent(file);
    CompletableFuture<OpenFile> opened;
    if (open != null) {
      opened = CompletableFuture.completedFuture(open);
    } else {
      try {
        opened = CompletableFuture.supplyAsync(() -> {
          deadline.check(); // queued work nobody waits for any more is dropped, not run
          try {
            return source.open(file);
          } catch (ServiceException e) {
            throw new CompletionException(e);
          }
        }, requestLoads);
      } catch (RejectedExecutionException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return then(opened, of -> {
      CompletableFuture<T> result;
      try {
        if (open == null) {
          deadline.check(); // after a hop through the loader: is the work still wanted?
        }
        result = work.apply(of);
      } catch (RuntimeException e) {
        of.release();
        throw e;
      }
      if (succeeded(result)) {
        return result;
      }
      return result.handle((value, error) -> {
        if (error == null) {
          return value;
        }
        of.release();
        Throwable cause = unwrap(error);
        boolean corrupt = cause instanceof ParquetException pe && pe.kind() == ParquetException.Kind.CORRUPT;
        if (keyIndexes != null && corrupt) {
          keyIndexes.forget(file.version());
        }
        if (corrupt || cause instanceof S3ReadException s3e && s3e.objectChanged()) {
          source.forget(file.version());
        }
        // The loader's message names the server path and may quote the file's bytes (a footer
        // length read from a file that is not Parquet): the client learns the file, not those.
        throw new CompletionException(corrupt ? new ServiceException(ErrorCode.DATA_LOSS, "file " + file.relativePath()
            + " is not valid Parquet (corrupt, truncated or another format)", cause) : cause);
      });
    });
  }

  private LookupSpec validate(LookupRequest request) throws ServiceException {
    if (request.getTableUri().isEmpty()) {
      throw new ServiceException(ErrorCode.INVALID_ARGUMENT, "table_uri is empty");
    }
    if (request.getKeyColumn().isEmpty()) {
      throw new ServiceException(ErrorCode.INVALID_ARGUMENT, "key_column is empty");
    }
    int n = request.getKeysCount();
    if (n == 0) {
      throw new ServiceException(ErrorCode.INVALID_ARGUMENT, "no keys");
    }
    if (n > config.maxKeysPerRequest()) {
      throw new ServiceException(ErrorCode.RESOURCE_EXHAUSTED, n + " keys in one request, over the limit of "
          + config.maxKeysPerRequest());
    }
    Key.ValueCase kind = request.getKeys(0).getValueCase();
    if (kind == Key.ValueCase.VALUE_NOT_SET) {
      throw new ServiceException(ErrorCode.INVALID_ARGUMENT, "key 0 has no value");
    }
    Keys keys;
    if (kind == Key.ValueCase.INT_VALUE) {
      long[] longs = new long[n];
      for (int i = 0; i < n; i++) {
        Key k = request.getKeys(i);
        if (k.getValueCase() != kind) {
          throw new ServiceException(ErrorCode.INVALID_ARGUMENT, "keys mix integer and binary values (key " + i + ")");
        }
        longs[i] = k.getIntValue();
      }
      keys = Keys.ofLongs(longs);
    } else {
      byte[][] bytes = new byte[n][];
      for (int i = 0; i < n; i++) {
        Key k = request.getKeys(i);
        if (k.getValueCase() != kind) {
          throw new ServiceException(ErrorCode.INVALID_ARGUMENT, "keys mix integer and binary values (key " + i + ")");
        }
        bytes[i] = k.getBytesValue().toByteArray();
      }
      keys = Keys.ofBytes(bytes);
    }
    return new LookupSpec(request.getKeyColumn(), keys, request.getColumnsList());
  }

  private static KeyOrder keyOrder(StatsOrder order) {
    return switch (order) {
      case SIGNED -> KeyOrder.KEY_ORDER_SIGNED_INT;
      case UNSIGNED -> KeyOrder.KEY_ORDER_UNSIGNED_INT;
      case BYTES -> KeyOrder.KEY_ORDER_UNSIGNED_BYTES;
      case UNKNOWN -> KeyOrder.KEY_ORDER_UNKNOWN;
    };
  }

  private static Key key(Keys keys) {
    return keys.isLongs()
        ? Key.newBuilder().setIntValue(keys.longAt(0)).build()
        : Key.newBuilder().setBytesValue(ByteString.copyFrom(keys.bytesAt(0))).build();
  }

  /** All results, or the first error after {@code discard} has cleaned up every result that did arrive. */
  private static <T> CompletableFuture<List<T>> allOf(List<CompletableFuture<T>> futures, Consumer<T> discard) {
    if (allSucceeded(futures)) {
      List<T> out = new ArrayList<>(futures.size());
      for (CompletableFuture<T> f : futures) {
        out.add(f.join());
      }
      return CompletableFuture.completedFuture(out);
    }
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).handle((ignored, error) -> {
      if (error != null) {
        for (CompletableFuture<T> f : futures) {
          if (f.isDone() && !f.isCompletedExceptionally()) {
            discard.accept(f.join());
          }
        }
        throw new CompletionException(unwrap(error));
      }
      List<T> out = new ArrayList<>(futures.size());
      for (CompletableFuture<T> f : futures) {
        out.add(f.join());
      }
      return out;
    });
  }

  private static <T> boolean allSucceeded(List<CompletableFuture<T>> futures) {
    for (CompletableFuture<T> f : futures) {
      if (!succeeded(f)) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code stage} has completed normally, so its value can be taken without waiting. */
  static boolean succeeded(CompletableFuture<?> stage) {
    return stage.isDone() && !stage.isCompletedExceptionally();
  }

  /**
   * {@code next} of the value of {@code stage}: applied at once, on this thread, when the stage
   * has already completed, else when it completes. Why not just {@code thenCompose}: a warm lookup
   * finds every stage complete, and a chain of stages there cost allocations and indirection on
   * the event loop for nothing; with this it runs straight through to its answer. A
   * {@link RuntimeException} from {@code next} fails the returned future, as in {@code thenCompose}.
   */
  static <T, U> CompletableFuture<U> then(CompletableFuture<T> stage, Function<? super T, CompletableFuture<U>> next) {
    if (!succeeded(stage)) {
      return stage.thenCompose(next);
    }
    try {
      return next.apply(stage.join());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(unwrap(e));
    }
  }

  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * The typed error a client sees for {@code error}, for a request naming {@code tableUri} (null
   * when it named none). Messages name the table as the client gave it: never an absolute server
   * path, never bytes of a file (a corrupt file's details go to the DEBUG log only).
   */
  io.needle.protocol.proto.Error toError(Throwable error, String tableUri) {
    Throwable t = unwrap(error);
    String table = tableUri == null ? "" : " of table " + tableUri;
    ErrorCode code;
    String message;
    if (t instanceof ServiceException se) {
      if (se.code() == ErrorCode.DATA_LOSS && se.getCause() != null) {
        log.debug("{}{}: {}", se.getMessage(), table, se.getCause().getMessage());
      }
      code = se.code();
      message = se.code() == ErrorCode.DATA_LOSS && tableUri != null ? se.getMessage() + "; table " + tableUri
          : se.getMessage();
    } else if (t instanceof S3ReadException s3e) {
      return io.needle.protocol.proto.Error.newBuilder().setCode(s3e.code())
          .setMessage(TableScope.printable(s3e.getMessage()))
          .setSourceFailure(s3e.code() == ErrorCode.UNAVAILABLE).build();
    } else if (t instanceof ParquetException pe && pe.kind() == ParquetException.Kind.CORRUPT) {
      log.debug("corrupt file{}: {}", table, pe.getMessage());
      code = ErrorCode.DATA_LOSS;
      message = "a file" + table + " is not valid Parquet (corrupt, truncated or another format)";
    } else if (t instanceof ParquetException pe) {
      code = switch (pe.kind()) {
        case UNSUPPORTED -> ErrorCode.UNSUPPORTED;
        case UNKNOWN_COLUMN -> ErrorCode.NOT_FOUND;
        case INVALID_KEY, CORRUPT -> ErrorCode.INVALID_ARGUMENT;
      };
      message = scope.withoutRoots(pe.getMessage());
    } else if (t instanceof RejectedExecutionException) {
      return io.needle.protocol.proto.Error.newBuilder().setCode(ErrorCode.RESOURCE_EXHAUSTED)
          .setMessage("worker busy: too much work queued, retry later").setRetryAfterMs(ServerLimits.RETRY_AFTER_MILLIS)
          .build();
    } else if (t instanceof NoSuchFileException) {
      code = ErrorCode.NOT_FOUND;
      message = "no such table or file" + table;
    } else if (t instanceof IOException) {
      log.debug("I/O error serving a request{}", table, t);
      code = ErrorCode.UNAVAILABLE;
      message = "I/O error reading" + (table.isEmpty() ? " a table" : table.substring(4));
    } else {
      log.error("internal error serving a request", t);
      code = ErrorCode.INTERNAL;
      message = "internal error (logged by the worker)";
    }
    return io.needle.protocol.proto.Error.newBuilder().setCode(code)
        .setMessage(TableScope.printable(message == null ? code.name() : message)).build();
  }
}
