package io.needle.client;

import com.google.protobuf.ByteString;
import io.needle.decode.DecodeException;
import io.needle.decode.KeyMatcher;
import io.needle.decode.KeyType;
import io.needle.decode.RowGroupDecoder;
import io.needle.protocol.proto.DescribeRequest;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.DataPage;
import io.needle.protocol.proto.ColumnPages;
import io.needle.protocol.proto.PageId;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.PageSegment;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.RowGroupPages;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.zip.CRC32C;

import static java.util.Objects.requireNonNull;

/**
 * Point lookups on one table by its key column.
 *
 * <p>Results hold exactly the requested columns (top-level field names), in the requested order;
 * an empty column list means every field. For each key, rows come ordered by file path, then by
 * position in the file. Keys are Java values matching the key column's type: {@code Long} or
 * {@code Integer} for integer columns, {@code String} or {@code byte[]} for binary ones,
 * {@code UUID}, {@code LocalDate}, {@code Instant}, {@code BigDecimal} for those logical types
 * (see {@link #parseKey} for text). Thread-safe.
 *
 * <p>Routing: the table's manifest (file paths, versions and key ranges, from one Describe kept
 * for the client's describe TTL) prunes files whose key range holds none of the keys; each
 * remaining file goes to its owner, one request per owning worker, in parallel, and the answers
 * are merged in the order above whichever worker sent them. Files added to the table after the
 * Describe are seen after the TTL or {@link #refresh()}; a file that disappeared makes the
 * lookup describe the table again and retry once.
 */
public final class Table {
  private final NeedleClient client;
  private final String uri;
  private final String keyColumn;
  private volatile TableView view;

  Table(NeedleClient client, String uri, String keyColumn) {
    this.client = client;
    this.uri = uri;
    this.keyColumn = keyColumn;
  }

  public String uri() {
    return uri;
  }

  public String keyColumn() {
    return keyColumn;
  }

  /** The rows whose key equals {@code key}; empty when there are none. */
  public List<Row> lookup(Object key, List<String> columns) {
    return lookupAll(List.of(requireNonNull(key, "key is null")), columns).get(key);
  }

  /**
   * The rows of every key, as a map in the keys' order (a key given twice appears once); keys
   * without rows map to an empty list.
   *
   * @throws NeedleException on any failure
   */
  public Map<Object, List<Row>> lookupAll(Collection<?> keys, List<String> columns) {
    long deadline = client.deadlineNanos();
    TableView v = await(view(false, deadline));
    Batch batch = batch(v, keys, columns);
    if (batch == null) {
      return emptyResult(keys);
    }
    List<Reply> replies;
    try {
      replies = fetchNow(batch, deadline);
    } catch (NeedleException e) {
      if (e.code() != NeedleException.Code.NOT_FOUND) {
        throw e;
      }
      // A file of our manifest is gone: the table changed since we described it. Once more.
      v = await(view(true, deadline));
      batch = batch(v, keys, columns);
      if (batch == null) {
        return emptyResult(keys);
      }
      replies = fetchNow(batch, deadline);
    }
    try {
      return decodeAndRelease(replies, v, batch);
    } catch (CorruptPages corrupt) {
      // Pages failed their CRC32C (bit rot on the worker's disk, a torn write, the wire): ask
      // again, naming them, so the worker drops them and reads them from the source. Once.
      Batch again = batch.withSuspects(corrupt.pages);
      try {
        return decodeAndRelease(fetchNow(again, deadline), v, again);
      } catch (CorruptPages twice) {
        throw twice.asDataLoss();
      }
    }
  }

  /** Asynchronous {@link #lookup}: decodes on the client's decode executor. */
  public CompletableFuture<List<Row>> lookupAsync(Object key, List<String> columns) {
    return lookupAllAsync(List.of(requireNonNull(key, "key is null")), columns).thenApply(m -> m.get(key));
  }

  /** Asynchronous {@link #lookupAll}. */
  public CompletableFuture<Map<Object, List<Row>>> lookupAllAsync(Collection<?> keys, List<String> columns) {
    long deadline = client.deadlineNanos();
    return lookupAllAsync(keys, columns, deadline, false).exceptionallyCompose(error -> {
      Throwable t = FanOut.unwrap(error);
      if (t instanceof NeedleException ne && ne.code() == NeedleException.Code.NOT_FOUND) {
        return lookupAllAsync(keys, columns, deadline, true);
      }
      return CompletableFuture.failedFuture(t);
    });
  }

  private CompletableFuture<Map<Object, List<Row>>> lookupAllAsync(Collection<?> keys, List<String> columns,
      long deadline, boolean forceDescribe) {
    return view(forceDescribe, deadline).thenCompose(v -> {
      Batch batch = batch(v, keys, columns);
      if (batch == null) {
        return CompletableFuture.completedFuture(emptyResult(keys));
      }
      return fetchAndDecode(batch, v, deadline, false);
    });
  }

  private CompletableFuture<Map<Object, List<Row>>> fetchAndDecode(Batch batch, TableView v, long deadline,
      boolean retried) {
    return fetch(batch, deadline)
        .thenApplyAsync(replies -> decodeAndRelease(replies, v, batch), client.decodeExecutor())
        .exceptionallyCompose(error -> {
          Throwable t = FanOut.unwrap(error);
          if (t instanceof CorruptPages corrupt) {
            return retried ? CompletableFuture.failedFuture(corrupt.asDataLoss())
                : fetchAndDecode(batch.withSuspects(corrupt.pages), v, deadline, true);
          }
          return CompletableFuture.failedFuture(t);
        });
  }

  /** Pages of a reply whose bytes do not match their CRC32C; never decoded. */
  private static final class CorruptPages extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final transient List<PageId> pages;

    CorruptPages(List<PageId> pages) {
      super(pages.size() + " response pages failed their checksum", null, false, false);
      this.pages = pages;
    }

    NeedleException asDataLoss() {
      return new NeedleException(NeedleException.Code.DATA_LOSS, getMessage() + " again after a refetch: " + pages);
    }
  }

  /**
   * Parses key text (from a command line or a file) by the key column's type: integers, dates
   * ({@code 2024-01-31}), instants, decimals, UUIDs, strings as they are, other binary as base64.
   */
  public Object parseKey(String text) {
    KeyType type = await(view(false, client.deadlineNanos())).keyType();
    if (type == null) {
      throw new NeedleException(NeedleException.Code.NOT_FOUND, "table " + uri + " has no files");
    }
    try {
      return type.parseText(text);
    } catch (DecodeException e) {
      throw Errors.fromDecode(e, "");
    }
  }

  /** Forgets the cached file list and schemas; the next lookup describes the table again. */
  public void refresh() {
    view = null;
  }

  /**
   * Makes the workers see the table's files as they are now: every live worker lists the table
   * again (new, changed and deleted files; on S3 only changed objects are re-read), then this
   * client forgets its cached view. Without it, workers notice changes within their manifest TTL.
   *
   * @throws NeedleException when a worker cannot list the table
   */
  public void relist() {
    await(client.relist(uri));
    view = null;
  }

  // ------------------------------------------------------------------------------------------

  /**
   * A lookup's distinct keys, the files that may hold them (with which keys each may hold), and
   * how to map the distinct keys back to the caller's.
   */
  private record Batch(List<Key> wireKeys, List<RoutedFile> files, KeyMatcher matcher, List<Object> callerKeys,
      int[] ordinalOfCaller, int distinct, List<String> fields, List<PageId> suspects, long startedNanos) {
    /** The same lookup, asking the workers to drop and refetch these pages first. */
    Batch withSuspects(List<PageId> pages) {
      return new Batch(wireKeys, files, matcher, callerKeys, ordinalOfCaller, distinct, fields, List.copyOf(pages),
          startedNanos);
    }
  }

  /** A file to ask for and the ordinals of the distinct keys its key range admits. */
  private record RoutedFile(TableView.FileEntry file, BitSet keys) {}

  private Batch batch(TableView v, Collection<?> keys, List<String> columns) {
    long startedNanos = System.nanoTime();
    requireNonNull(keys, "keys is null");
    List<String> fields = List.copyOf(requireNonNull(columns, "columns is null"));
    KeyType type = v.keyType();
    if (type == null) {
      return null; // no files: nothing can match
    }
    List<Object> callerKeys = new ArrayList<>(keys);
    int[] ordinalOfCaller = new int[callerKeys.size()];
    List<Key> wireKeys = new ArrayList<>();
    KeyMatcher matcher;
    KeyRanges ranges;
    try {
      if (type.isLong()) {
        Map<Long, Integer> ordinals = new HashMap<>();
        long[] distinct = new long[callerKeys.size()];
        for (int i = 0; i < callerKeys.size(); i++) {
          long k = type.toLong(requireNonNull(callerKeys.get(i), "a key is null"));
          Integer ordinal = ordinals.putIfAbsent(k, ordinals.size());
          if (ordinal == null) {
            ordinal = ordinals.size() - 1;
            distinct[ordinal] = k;
            wireKeys.add(Key.newBuilder().setIntValue(k).build());
          }
          ordinalOfCaller[i] = ordinal;
        }
        long[] d = java.util.Arrays.copyOf(distinct, ordinals.size());
        matcher = KeyMatcher.ofLongs(d);
        ranges = KeyRanges.ofLongs(d, KeyRanges.prunable(type));
      } else {
        Map<ByteBuffer, Integer> ordinals = new HashMap<>();
        List<byte[]> distinct = new ArrayList<>();
        for (int i = 0; i < callerKeys.size(); i++) {
          byte[] k = type.toBytes(requireNonNull(callerKeys.get(i), "a key is null"));
          Integer ordinal = ordinals.putIfAbsent(ByteBuffer.wrap(k), ordinals.size());
          if (ordinal == null) {
            ordinal = distinct.size();
            distinct.add(k);
            wireKeys.add(Key.newBuilder().setBytesValue(ByteString.copyFrom(k)).build());
          }
          ordinalOfCaller[i] = ordinal;
        }
        byte[][] d = distinct.toArray(byte[][]::new);
        matcher = KeyMatcher.ofBytes(d);
        ranges = KeyRanges.ofBytes(d, KeyRanges.prunable(type));
      }
    } catch (DecodeException e) {
      throw Errors.fromDecode(e, "table " + uri);
    }
    if (callerKeys.isEmpty()) {
      return null;
    }
    List<RoutedFile> files = new ArrayList<>();
    for (TableView.FileEntry f : v.files()) {
      BitSet admitted = ranges.admitted(f.keyMin(), f.keyMax());
      if (!admitted.isEmpty()) {
        files.add(new RoutedFile(f, admitted));
      }
    }
    return new Batch(List.copyOf(wireKeys), List.copyOf(files), matcher, callerKeys, ordinalOfCaller,
        wireKeys.size(), fields, List.of(), startedNanos);
  }

  /**
   * The replies of a synchronous call: made on this thread when one worker owns every file
   * ({@link BlockingCalls}), else, or when that socket fails, through {@link #fetch} with its
   * retries, failover and hedging.
   */
  private List<Reply> fetchNow(Batch batch, long deadlineNanos) {
    BlockingCalls blocking = client.blockingCalls();
    Member owner = blocking == null || batch.files.isEmpty() || !client.membership().ready().isDone()
        ? null : soleOwner(batch.files);
    if (owner != null) {
      client.counters().workerRequests.increment();
      client.counters().blockingCalls.increment();
      try {
        Reply reply = blocking.call(owner, request(batch, batch.files), deadlineNanos,
            Math.min(deadlineNanos, System.nanoTime() + client.attemptTimeoutNanos()));
        owner.succeeded();
        return List.of(reply);
      } catch (BlockingCalls.Unusable e) {
        // As a failed attempt on the event-loop path: the worker is marked, so that path's
        // retry goes to the next owner (failover) while this one's breaker is open.
        client.membership().failed(owner);
        client.counters().blockingFallbacks.increment();
      } catch (NeedleException e) {
        if (!e.isRetryable() || e.code() == NeedleException.Code.DEADLINE_EXCEEDED || e.isSourceFailure()) {
          throw e;
        }
      }
    }
    return await(fetch(batch, deadlineNanos));
  }

  /** The one worker that owns every file, or null when they are spread (or no worker is up). */
  private Member soleOwner(List<RoutedFile> files) {
    long now = System.nanoTime();
    List<Member> members = client.membership().members();
    Member owner = null;
    for (RoutedFile f : files) {
      Member m = Rendezvous.owner(members, f.file().routingHash(), java.util.Set.of(), now);
      if (m == null || (owner != null && m != owner)) {
        return null;
      }
      owner = m;
    }
    return owner;
  }

  /** Sends each file to its owner (one request per owning worker) and collects the replies. */
  private CompletableFuture<List<Reply>> fetch(Batch batch, long deadlineNanos) {
    if (batch.files.isEmpty()) {
      return CompletableFuture.completedFuture(List.of()); // pruning left no file that can hold a key
    }
    FanOut<RoutedFile> fan = new FanOut<>(client, f -> f.file().routingHash(), part -> request(batch, part),
        deadlineNanos, client.hedging());
    return client.whenMembersKnown(() -> fan.run(batch.files));
  }

  /** One owner's request: its files, and only the keys their ranges admit. */
  private Request.Builder request(Batch batch, List<RoutedFile> part) {
    LookupRequest.Builder lookup = LookupRequest.newBuilder().setTableUri(uri).setKeyColumn(keyColumn)
        .addAllColumns(batch.fields).setAppliesDeletedRows(true);
    BitSet keys = new BitSet();
    for (RoutedFile f : part) {
      lookup.addPaths(f.file().path());
      keys.or(f.keys());
    }
    for (int k = keys.nextSetBit(0); k >= 0; k = keys.nextSetBit(k + 1)) {
      lookup.addKeys(batch.wireKeys.get(k));
    }
    for (PageId suspect : batch.suspects) {
      if (lookup.getPathsList().contains(suspect.getPath())) {
        lookup.addSuspectPages(suspect);
      }
    }
    return Request.newBuilder().setLookup(lookup);
  }

  private Map<Object, List<Row>> decodeAndRelease(List<Reply> replies, TableView v, Batch batch) {
    try {
      long decodeStarted = System.nanoTime();
      long[] decompressNanos = new long[1];
      Map<Object, List<Row>> rows = decode(replies, v, batch, decompressNanos);
      client.stageClock().record(batch.startedNanos, replies, decodeStarted, decompressNanos[0], System.nanoTime());
      return rows;
    } finally {
      replies.forEach(Reply::release);
    }
  }

  /** A file's result and the pages of the reply it came in. */
  private record Answered(FileResult file, List<ByteBuffer> pages) {}

  /**
   * Merges the owners' answers in the documented order: key by key in input order; within a key
   * by file path, then by position in the file. Each reply lists its files by path; replies of
   * different workers interleave, so the files are sorted again across replies.
   */
  private Map<Object, List<Row>> decode(List<Reply> replies, TableView v, Batch batch, long[] decompressNanos) {
    List<Answered> answered = new ArrayList<>();
    for (Reply reply : replies) {
      LookupResponse response = reply.response().getLookup();
      List<ByteBuffer> pages = pages(response, reply.frame().payload());
      for (FileResult file : response.getFilesList()) {
        answered.add(new Answered(file, pages));
      }
    }
    answered.sort(java.util.Comparator.comparing(a -> a.file().getPath()));
    TableView current = v;
    for (Answered a : answered) {
      if (!current.hasSchema(a.file().getSchemaId())) {
        current = await(view(true, client.deadlineNanos())); // the table changed since we described it
      }
    }
    @SuppressWarnings("unchecked")
    List<Row>[] rowsByOrdinal = new List[batch.distinct];
    for (Answered a : answered) {
      FileResult file = a.file();
      try {
        RowGroupDecoder<Row> decoder = current.decoder(file.getSchemaId(), keyColumn, batch.fields);
        for (RowGroupPages rg : file.getRowGroupsList()) {
          decompressNanos[0] += decoder.decode(rg, a.pages(), batch.matcher, (ordinal, row, value) -> {
            if (rg.getDeletedRowsCount() > 0 && isDeleted(rg, row)) {
              return; // the table deleted this row (Iceberg deletes): never answered
            }
            List<Row> rows = rowsByOrdinal[ordinal];
            if (rows == null) {
              rowsByOrdinal[ordinal] = rows = new ArrayList<>(1);
            }
            rows.add(value);
          });
        }
      } catch (DecodeException e) {
        throw Errors.fromDecode(e, "file " + file.getPath() + " of " + uri);
      }
    }
    Map<Object, List<Row>> result = new LinkedHashMap<>();
    for (int i = 0; i < batch.callerKeys.size(); i++) {
      List<Row> rows = rowsByOrdinal[batch.ordinalOfCaller[i]];
      result.putIfAbsent(batch.callerKeys.get(i), rows == null ? List.of() : List.copyOf(rows));
    }
    return result;
  }

  /** Whether the worker listed {@code row} among the row group's deleted rows (ascending). */
  private static boolean isDeleted(RowGroupPages rg, long row) {
    int lo = 0;
    int hi = rg.getDeletedRowsCount() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long at = rg.getDeletedRows(mid);
      if (at == row) {
        return true;
      }
      if (at < row) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return false;
  }

  /** Slices the payload into pages, checking the header's lengths and checksums against it. */
  private static List<ByteBuffer> pages(LookupResponse response, ByteBuf payload) {
    List<ByteBuffer> pages = new ArrayList<>(response.getPagesCount());
    BitSet corrupt = null;
    int at = payload.readerIndex();
    int end = payload.writerIndex();
    for (int i = 0; i < response.getPagesCount(); i++) {
      PageSegment segment = response.getPages(i);
      int length = segment.getLength();
      if (length < 0 || length > end - at) {
        throw new NeedleException(NeedleException.Code.DATA_LOSS, "response page " + i + " of " + length
            + " bytes overruns the payload");
      }
      ByteBuffer page = payload.nioBuffer(at, length).asReadOnlyBuffer();
      if (segment.getHasCrc32C()) {
        CRC32C crc = new CRC32C();
        crc.update(page.duplicate());
        if ((int) crc.getValue() != segment.getCrc32C()) {
          corrupt = corrupt == null ? new BitSet() : corrupt;
          corrupt.set(i);
        }
      }
      pages.add(page);
      at += length;
    }
    if (at != end) {
      throw new NeedleException(NeedleException.Code.DATA_LOSS, (end - at) + " payload bytes not described by the header");
    }
    if (corrupt != null) {
      throw new CorruptPages(pageIds(response, corrupt));
    }
    return pages;
  }

  /** Names the pages at {@code indexes} by file path, version and offset, for the worker. */
  private static List<PageId> pageIds(LookupResponse response, BitSet indexes) {
    List<PageId> ids = new ArrayList<>();
    for (FileResult file : response.getFilesList()) {
      BitSet ofFile = new BitSet();
      for (RowGroupPages rg : file.getRowGroupsList()) {
        for (ColumnPages column : rg.getColumnsList()) {
          if (column.getDictionaryPage() >= 0) {
            ofFile.set(column.getDictionaryPage());
          }
          for (DataPage page : column.getDataPagesList()) {
            ofFile.set(page.getPage());
          }
        }
      }
      ofFile.and(indexes);
      for (int i = ofFile.nextSetBit(0); i >= 0; i = ofFile.nextSetBit(i + 1)) {
        ids.add(PageId.newBuilder().setPath(file.getPath()).setVersion(file.getVersion())
            .setOffset(response.getPages(i).getFileOffset()).build());
      }
    }
    return ids;
  }

  private CompletableFuture<TableView> view(boolean force, long deadlineNanos) {
    TableView v = view;
    long now = System.nanoTime();
    if (!force && v != null && v.isFresh(now, client.describeTtl().toNanos())) {
      return CompletableFuture.completedFuture(v);
    }
    // Describe goes to the table's own rendezvous owner, with the same failover as lookups.
    FanOut<String> fan = new FanOut<>(client, Rendezvous::hash, items -> Request.newBuilder().setDescribe(
        DescribeRequest.newBuilder().setTableUri(uri).setKeyColumn(keyColumn)), deadlineNanos, false);
    return client.whenMembersKnown(() -> fan.run(List.of(uri))).thenApply(replies -> {
      Reply reply = replies.get(0);
      try {
        TableView fresh = TableView.of(reply.response().getDescribe(), keyColumn, now);
        view = fresh;
        return fresh;
      } catch (DecodeException e) {
        throw Errors.fromDecode(e, "describe of " + uri);
      } finally {
        replies.forEach(Reply::release);
      }
    });
  }

  private static Map<Object, List<Row>> emptyResult(Collection<?> keys) {
    Map<Object, List<Row>> result = new LinkedHashMap<>();
    for (Object k : keys) {
      result.putIfAbsent(k, List.of());
    }
    return result;
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NeedleException(NeedleException.Code.UNAVAILABLE, "interrupted", e);
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof NeedleException ne) {
      return ne;
    }
    if (t instanceof RuntimeException re && !(t instanceof NeedleException)) {
      return re instanceof IllegalArgumentException || re instanceof NullPointerException
          ? re : new NeedleException(NeedleException.Code.INTERNAL, t.toString(), t);
    }
    return new NeedleException(NeedleException.Code.INTERNAL, String.valueOf(t), t);
  }
}
