package io.needle.client;

import com.google.protobuf.ByteString;
import io.needle.client.internal.DecodeException;
import io.needle.client.internal.KeyMatcher;
import io.needle.client.internal.KeyType;
import io.needle.client.internal.RowGroupDecoder;
import io.needle.protocol.proto.DescribeRequest;
import io.needle.protocol.proto.FileResult;
import io.needle.protocol.proto.Key;
import io.needle.protocol.proto.LookupRequest;
import io.needle.protocol.proto.LookupResponse;
import io.needle.protocol.proto.PageSegment;
import io.needle.protocol.proto.Request;
import io.needle.protocol.proto.RowGroupPages;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.util.ArrayList;
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
    TableView v = await(view(false));
    Batch batch = batch(v, keys, columns);
    if (batch == null) {
      return emptyResult(keys);
    }
    Reply reply = await(client.call(batch.request));
    return decodeAndRelease(reply, v, batch);
  }

  /** Asynchronous {@link #lookup}: decodes on the client's decode executor. */
  public CompletableFuture<List<Row>> lookupAsync(Object key, List<String> columns) {
    return lookupAllAsync(List.of(requireNonNull(key, "key is null")), columns).thenApply(m -> m.get(key));
  }

  /** Asynchronous {@link #lookupAll}. */
  public CompletableFuture<Map<Object, List<Row>>> lookupAllAsync(Collection<?> keys, List<String> columns) {
    return view(false).thenCompose(v -> {
      Batch batch = batch(v, keys, columns);
      if (batch == null) {
        return CompletableFuture.completedFuture(emptyResult(keys));
      }
      return client.call(batch.request).thenApplyAsync(reply -> decodeAndRelease(reply, v, batch), client.decodeExecutor());
    });
  }

  /**
   * Parses key text (from a command line or a file) by the key column's type: integers, dates
   * ({@code 2024-01-31}), instants, decimals, UUIDs, strings as they are, other binary as base64.
   */
  public Object parseKey(String text) {
    KeyType type = await(view(false)).keyType();
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

  // ------------------------------------------------------------------------------------------

  /** A lookup request and how to map its distinct keys back to the caller's. */
  private record Batch(Request.Builder request, KeyMatcher matcher, List<Object> callerKeys, int[] ordinalOfCaller,
      int distinct, List<String> fields) {}

  private Batch batch(TableView v, Collection<?> keys, List<String> columns) {
    requireNonNull(keys, "keys is null");
    List<String> fields = List.copyOf(requireNonNull(columns, "columns is null"));
    KeyType type = v.keyType();
    if (type == null) {
      return null; // no files: nothing can match
    }
    List<Object> callerKeys = new ArrayList<>(keys);
    int[] ordinalOfCaller = new int[callerKeys.size()];
    LookupRequest.Builder lookup = LookupRequest.newBuilder().setTableUri(uri).setKeyColumn(keyColumn).addAllColumns(fields);
    KeyMatcher matcher;
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
            lookup.addKeys(Key.newBuilder().setIntValue(k));
          }
          ordinalOfCaller[i] = ordinal;
        }
        matcher = KeyMatcher.ofLongs(java.util.Arrays.copyOf(distinct, ordinals.size()));
      } else {
        Map<ByteBuffer, Integer> ordinals = new HashMap<>();
        List<byte[]> distinct = new ArrayList<>();
        for (int i = 0; i < callerKeys.size(); i++) {
          byte[] k = type.toBytes(requireNonNull(callerKeys.get(i), "a key is null"));
          Integer ordinal = ordinals.putIfAbsent(ByteBuffer.wrap(k), ordinals.size());
          if (ordinal == null) {
            ordinal = distinct.size();
            distinct.add(k);
            lookup.addKeys(Key.newBuilder().setBytesValue(ByteString.copyFrom(k)));
          }
          ordinalOfCaller[i] = ordinal;
        }
        matcher = KeyMatcher.ofBytes(distinct.toArray(byte[][]::new));
      }
    } catch (DecodeException e) {
      throw Errors.fromDecode(e, "table " + uri);
    }
    if (callerKeys.isEmpty()) {
      return null;
    }
    return new Batch(Request.newBuilder().setLookup(lookup), matcher, callerKeys, ordinalOfCaller,
        lookup.getKeysCount(), fields);
  }

  private Map<Object, List<Row>> decodeAndRelease(Reply reply, TableView v, Batch batch) {
    try {
      return decode(reply, v, batch);
    } finally {
      reply.release();
    }
  }

  private Map<Object, List<Row>> decode(Reply reply, TableView v, Batch batch) {
    LookupResponse response = reply.response().getLookup();
    List<ByteBuffer> pages = pages(response, reply.frame().payload());
    TableView current = v;
    for (FileResult file : response.getFilesList()) {
      if (!current.hasSchema(file.getSchemaId())) {
        current = await(view(true)); // the table changed since we described it
      }
    }
    @SuppressWarnings("unchecked")
    List<Row>[] rowsByOrdinal = new List[batch.distinct];
    for (FileResult file : response.getFilesList()) {
      try {
        RowGroupDecoder decoder = current.decoder(file.getSchemaId(), keyColumn, batch.fields);
        for (RowGroupPages rg : file.getRowGroupsList()) {
          decoder.decode(rg, pages, batch.matcher, (ordinal, row, value) -> {
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

  /** Slices the payload into pages, checking the header's lengths and checksums against it. */
  private static List<ByteBuffer> pages(LookupResponse response, ByteBuf payload) {
    List<ByteBuffer> pages = new ArrayList<>(response.getPagesCount());
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
          throw new NeedleException(NeedleException.Code.DATA_LOSS, "checksum mismatch on response page " + i);
        }
      }
      pages.add(page);
      at += length;
    }
    if (at != end) {
      throw new NeedleException(NeedleException.Code.DATA_LOSS, (end - at) + " payload bytes not described by the header");
    }
    return pages;
  }

  private CompletableFuture<TableView> view(boolean force) {
    TableView v = view;
    long now = System.nanoTime();
    if (!force && v != null && v.isFresh(now, client.describeTtl().toNanos())) {
      return CompletableFuture.completedFuture(v);
    }
    Request.Builder describe = Request.newBuilder().setDescribe(
        DescribeRequest.newBuilder().setTableUri(uri).setKeyColumn(keyColumn));
    return client.call(describe).thenApply(reply -> {
      try {
        TableView fresh = TableView.of(reply.response().getDescribe(), keyColumn, now);
        view = fresh;
        return fresh;
      } catch (DecodeException e) {
        throw Errors.fromDecode(e, "describe of " + uri);
      } finally {
        reply.release();
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
