package io.needle.client;

import io.needle.decode.DecodeException;
import io.needle.decode.KeyType;
import io.needle.protocol.proto.RefreshRequest;
import io.needle.protocol.proto.Request;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

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
  private final CallContext context;
  private final DescribedTable described;

  Table(CallContext context, String uri, String keyColumn) {
    this.context = context;
    this.described = new DescribedTable(context, uri, keyColumn);
  }

  public String uri() {
    return described.uri();
  }

  public String keyColumn() {
    return described.keyColumn();
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
    return Futures.await(call(keys, columns, true).run());
  }

  /** Asynchronous {@link #lookup}: decodes on the client's decode executor. */
  public CompletableFuture<List<Row>> lookupAsync(Object key, List<String> columns) {
    return lookupAllAsync(List.of(requireNonNull(key, "key is null")), columns).thenApply(m -> m.get(key));
  }

  /** Asynchronous {@link #lookupAll}. */
  public CompletableFuture<Map<Object, List<Row>>> lookupAllAsync(Collection<?> keys, List<String> columns) {
    return call(keys, columns, false).run();
  }

  /** The API's edge: arguments checked and copied once, here; the call's deadline starts now. */
  private LookupCall call(Collection<?> keys, List<String> columns, boolean onThisThread) {
    requireNonNull(keys, "keys is null");
    List<String> fields = List.copyOf(requireNonNull(columns, "columns is null"));
    List<Object> callerKeys = new ArrayList<>(keys.size());
    for (Object k : keys) {
      callerKeys.add(requireNonNull(k, "a key is null"));
    }
    return new LookupCall(context, described, callerKeys, fields, onThisThread);
  }

  /**
   * Parses key text (from a command line or a file) by the key column's type: integers, dates
   * ({@code 2024-01-31}), instants, decimals, UUIDs, strings as they are, other binary as base64.
   */
  public Object parseKey(String text) {
    KeyType type = Futures.await(described.view(false, context.policy().deadlineFromNow())).keyType();
    if (type == null) {
      throw new NeedleException(NeedleException.Code.NOT_FOUND, "table " + uri() + " has no files");
    }
    try {
      return type.parseText(text);
    } catch (DecodeException e) {
      throw Errors.fromDecode(e, "");
    }
  }

  /** Forgets the cached file list and schemas; the next lookup describes the table again. */
  public void refresh() {
    described.forget();
  }

  /**
   * Makes the workers see the table's files as they are now: every live worker lists the table
   * again (new, changed and deleted files; on S3 only changed objects are re-read), then this
   * client forgets its cached view. Without it, workers notice changes within their manifest TTL.
   *
   * @throws NeedleException when a worker cannot list the table
   */
  public void relist() {
    Futures.await(context.workers().sendToAll(
        () -> Request.newBuilder().setRefresh(RefreshRequest.newBuilder().setTableUri(uri())),
        context.policy().deadlineFromNow(), "refresh " + uri()));
    described.forget();
  }
}
