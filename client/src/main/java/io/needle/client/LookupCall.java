package io.needle.client;

import io.needle.decode.AnswerHeader;
import io.needle.decode.DecodeException;
import io.needle.decode.KeyMatcher;
import io.needle.decode.PageSegments;
import io.needle.decode.RowGroupDecoder;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.PageId;
import io.needle.protocol.proto.Request;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * One lookup, from the caller's keys to rows: describe (cached), normalise the keys, prune and
 * route the files, fetch ({@link RoutedCall}), decode. Written once for both APIs: the blocking
 * one runs every stage on the caller's thread (its first attempt over a blocking socket when one
 * worker owns every file), the asynchronous one chains them on futures and decodes on the
 * client's decode executor. No stage blocks inside another's future, and the call's one deadline
 * bounds every stage, the Describes included.
 *
 * <p>Two stages may go once more: a fetch answered NOT_FOUND (a file of the cached manifest is
 * gone: the table changed) describes the table again and routes anew; pages that fail their
 * CRC32C are fetched again, named, so that the worker drops and rereads them.
 */
final class LookupCall {
  private static final Executor THIS_THREAD = Runnable::run;

  private final CallContext context;
  private final DescribedTable table;
  private final List<Object> callerKeys;
  private final List<String> fields;
  private final long deadlineNanos;
  private final boolean onThisThread;
  private LookupKeys keys; // normalised once per key type; stages of one call run one after another

  /**
   * @param callerKeys non-null keys in the caller's order
   * @param fields the requested columns (empty: all)
   * @param onThisThread true for the blocking API
   */
  LookupCall(CallContext context, DescribedTable table, List<Object> callerKeys, List<String> fields,
      boolean onThisThread) {
    this.context = context;
    this.table = table;
    this.callerKeys = callerKeys;
    this.fields = fields;
    this.deadlineNanos = context.policy().deadlineFromNow();
    this.onThisThread = onThisThread;
  }

  /** The rows of every key; for the blocking API the future is complete when this returns. */
  CompletableFuture<Map<Object, List<Row>>> run() {
    return settled(table.view(false, deadlineNanos)).thenCompose(v -> routed(v, true));
  }

  /** What is asked of the workers: the keys, the files that may hold them, pages to drop first. */
  private record Batch(LookupKeys keys, List<RoutedFile> files, List<PageId> suspects, long startedNanos) {
    Batch withSuspects(List<PageId> pages) {
      return new Batch(keys, files, List.copyOf(pages), startedNanos);
    }
  }

  /** A file to ask for and the ordinals of the distinct keys its key range admits. */
  private record RoutedFile(TableView.FileEntry file, BitSet keys) {}

  private CompletableFuture<Map<Object, List<Row>>> routed(TableView v, boolean mayDescribeAgain) {
    Batch batch = batch(v);
    if (batch == null) {
      return CompletableFuture.completedFuture(LookupKeys.noRows(callerKeys));
    }
    return fetch(batch).handle((replies, error) -> {
      if (error == null) {
        return decoded(batch, v, replies, false);
      }
      Throwable t = Futures.unwrap(error);
      if (mayDescribeAgain && t instanceof NeedleException ne && ne.code() == NeedleException.Code.NOT_FOUND) {
        return settled(table.view(true, deadlineNanos)).thenCompose(fresh -> routed(fresh, false));
      }
      return CompletableFuture.<Map<Object, List<Row>>>failedFuture(t);
    }).thenCompose(next -> next);
  }

  /** The replies decoded; pages that failed their checksum are fetched again, once. */
  private CompletableFuture<Map<Object, List<Row>>> decoded(Batch batch, TableView v, List<Reply> replies,
      boolean refetched) {
    return decode(batch, v, replies).exceptionallyCompose(error -> {
      Throwable t = Futures.unwrap(error);
      if (!(t instanceof ReplyPages.Corrupt corrupt)) {
        return CompletableFuture.failedFuture(t);
      }
      if (refetched) {
        return CompletableFuture.failedFuture(corrupt.asDataLoss());
      }
      Batch again = batch.withSuspects(corrupt.pages());
      return fetch(again).thenCompose(r -> decoded(again, v, r, true));
    });
  }

  private Batch batch(TableView v) {
    long startedNanos = System.nanoTime();
    if (v.keyType() == null || callerKeys.isEmpty()) {
      return null; // no files, or no keys: nothing can match
    }
    if (keys == null || !keys.sameType(v.keyType())) {
      try {
        keys = LookupKeys.of(callerKeys, v.keyType());
      } catch (DecodeException e) {
        throw Errors.fromDecode(e, "table " + table.uri());
      }
    }
    List<RoutedFile> files = new ArrayList<>();
    keys.routeOver(v.ranges(), (f, admitted) -> files.add(new RoutedFile(f, admitted)));
    return new Batch(keys, List.copyOf(files), List.of(), startedNanos);
  }

  /** Each file to its owner, one request per owning worker. */
  private CompletableFuture<List<Reply>> fetch(Batch batch) {
    if (batch.files().isEmpty()) {
      return CompletableFuture.completedFuture(List.of()); // pruning left no file that can hold a key
    }
    RoutedCall<RoutedFile> call = new RoutedCall<>(context.workers(), context.policy(), f -> f.file().routingHash(),
        part -> request(batch, part), deadlineNanos, context.policy().hedging());
    return onThisThread ? call.runOnThisThread(batch.files()) : call.start(batch.files());
  }

  /** One owner's request: its files, and only the keys their ranges admit. */
  private Request.Builder request(Batch batch, List<RoutedFile> part) {
    LookupRequest.Builder lookup = LookupRequest.newBuilder().setTableUri(table.uri()).setKeyColumn(table.keyColumn())
        .addAllColumns(fields).setAppliesDeletedRows(true);
    BitSet wanted = new BitSet();
    for (RoutedFile f : part) {
      lookup.addPaths(f.file().path());
      wanted.or(f.keys());
    }
    for (int k = wanted.nextSetBit(0); k >= 0; k = wanted.nextSetBit(k + 1)) {
      lookup.addKeys(batch.keys().wireKey(k));
    }
    for (PageId suspect : batch.suspects()) {
      if (lookup.getPathsList().contains(suspect.getPath())) {
        lookup.addSuspectPages(suspect);
      }
    }
    return Request.newBuilder().setLookup(lookup);
  }

  /**
   * Decodes on the decode executor (on this thread for the blocking API), once every schema the
   * replies name is known: a file rewritten with a new schema since the Describe makes the table
   * be described again first, as a stage of its own.
   */
  private CompletableFuture<Map<Object, List<Row>>> decode(Batch batch, TableView v, List<Reply> replies) {
    CompletableFuture<TableView> schemas = v.knowsSchemasOf(replies) ? CompletableFuture.completedFuture(v)
        : settled(table.view(true, deadlineNanos));
    return schemas.handle((current, error) -> {
      if (error != null) {
        replies.forEach(Reply::release);
        throw new CompletionException(Futures.unwrap(error));
      }
      return current;
    }).thenApplyAsync(current -> decodeAndRelease(replies, current, batch),
        onThisThread ? THIS_THREAD : context.decodeExecutor());
  }

  private Map<Object, List<Row>> decodeAndRelease(List<Reply> replies, TableView v, Batch batch) {
    try {
      long decodeStarted = System.nanoTime();
      long[] decompressNanos = new long[1];
      Map<Object, List<Row>> rows = rows(replies, v, batch, decompressNanos);
      context.stageClock().record(batch.startedNanos(), replies, decodeStarted, decompressNanos[0], System.nanoTime());
      return rows;
    } finally {
      replies.forEach(Reply::release);
    }
  }

  /** File {@code file} of a reply's answer, and the pages of that reply. */
  private record Answered(AnswerHeader answer, int file, PageSegments pages) {
    String path() {
      return answer.path(file);
    }
  }

  /**
   * Merges the owners' answers in the documented order: key by key in input order; within a key
   * by file path, then by position in the file. Each reply lists its files by path; replies of
   * different workers interleave, so the files are sorted again across replies.
   */
  private Map<Object, List<Row>> rows(List<Reply> replies, TableView v, Batch batch, long[] decompressNanos) {
    List<Answered> answered = new ArrayList<>();
    int pages = 0;
    for (Reply reply : replies) {
      AnswerHeader answer = reply.lookup();
      PageSegments segments = ReplyPages.of(answer, reply.frame().payload());
      pages += answer.pageCount();
      for (int f = 0; f < answer.fileCount(); f++) {
        answered.add(new Answered(answer, f, segments));
      }
    }
    if (answered.size() > 1) {
      answered.sort(Comparator.comparing(Answered::path));
    }
    LookupKeys k = batch.keys();
    List<RowGroupTask> tasks = new ArrayList<>();
    for (Answered a : answered) {
      try {
        TableView.FileDecoder decoder = v.decoder(a.answer().schemaId(a.file()), table.keyColumn(), fields);
        for (int rg = a.answer().firstRowGroup(a.file()); rg < a.answer().rowGroupEnd(a.file()); rg++) {
          tasks.add(new RowGroupTask(a, decoder, rg));
        }
      } catch (DecodeException e) {
        throw Errors.fromDecode(e, "file " + a.path() + " of " + table.uri());
      }
    }
    // A large answer's row groups decode on this thread and the decode executor together; the
    // matches are merged in row-group order either way, so rows keep the documented order.
    int helpers = pages < ParallelDecode.MIN_PAGES ? 0 : Runtime.getRuntime().availableProcessors() - 1;
    Object[] decoded;
    try {
      decoded = ParallelDecode.run(tasks.size(), helpers, context.decodeExecutor(), i -> tasks.get(i).decode(k.matcher()));
    } catch (RowGroupFailure e) {
      throw Errors.fromDecode(e.decode, "file " + e.path + " of " + table.uri());
    } catch (DecodeException e) {
      throw Errors.fromDecode(e, table.uri()); // not raised: tasks wrap theirs with the file's path
    }
    @SuppressWarnings("unchecked")
    List<Row>[] rowsByOrdinal = new List[k.distinct()];
    for (Object d : decoded) {
      Matched m = (Matched) d;
      decompressNanos[0] += m.decompressNanos;
      for (int i = 0; i < m.ordinals.size(); i++) {
        int ordinal = m.ordinals.get(i);
        List<Row> rows = rowsByOrdinal[ordinal];
        if (rows == null) {
          rowsByOrdinal[ordinal] = rows = new ArrayList<>(1);
        }
        rows.add(m.rows.get(i));
      }
    }
    return k.result(rowsByOrdinal);
  }

  /** One row group of an answer to decode. */
  private record RowGroupTask(Answered answered, TableView.FileDecoder decoder, int rowGroup) {
    Matched decode(KeyMatcher matcher) {
      Matched out = new Matched();
      AnswerHeader answer = answered.answer();
      try {
        out.decompressNanos = decoder.rows().decode(answer, rowGroup, answered.pages(), matcher, (ordinal, row, value) -> {
          if (answer.deletedRowCount(rowGroup) > 0 && isDeleted(answer, rowGroup, row)) {
            return; // the table deleted this row (Iceberg deletes): never answered
          }
          out.ordinals.add(ordinal);
          out.rows.add(decoder.tableRow(value));
        });
      } catch (DecodeException e) {
        throw new RowGroupFailure(answered.path(), e);
      }
      return out;
    }
  }

  /** Whether the worker listed {@code row} among the row group's deleted rows (ascending). */
  private static boolean isDeleted(AnswerHeader answer, int rowGroup, long row) {
    int lo = 0;
    int hi = answer.deletedRowCount(rowGroup) - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long at = answer.deletedRow(rowGroup, mid);
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

  /** A row group's matches in row order: the ordinal of each row's key, and the row. */
  private static final class Matched {
    final List<Integer> ordinals = new ArrayList<>(4);
    final List<Row> rows = new ArrayList<>(4);
    long decompressNanos;
  }

  /** A row group's decode failure, carrying the file it came from across the parallel decode. */
  private static final class RowGroupFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final String path;
    final transient DecodeException decode;

    RowGroupFailure(String path, DecodeException decode) {
      super(decode.getMessage(), decode, false, false);
      this.path = path;
      this.decode = decode;
    }
  }

  private <T> CompletableFuture<T> settled(CompletableFuture<T> stage) {
    return Futures.settled(stage, onThisThread);
  }
}
