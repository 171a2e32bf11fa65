package io.needle.client;

import io.needle.decode.DecodeException;
import io.needle.protocol.proto.DescribeRequest;
import io.needle.protocol.proto.Request;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A table's latest Describe ({@link TableView}), kept for the describe TTL. A Describe goes to the
 * table's own rendezvous owner as a {@link RoutedCall}, with the same failover as lookups, inside
 * the deadline of the call that needs it.
 */
final class DescribedTable {
  private final CallContext context;
  private final String uri;
  private final String keyColumn;
  private volatile TableView view;

  DescribedTable(CallContext context, String uri, String keyColumn) {
    this.context = context;
    this.uri = uri;
    this.keyColumn = keyColumn;
  }

  String uri() {
    return uri;
  }

  String keyColumn() {
    return keyColumn;
  }

  /** The cached view while fresh (unless {@code again}), else a new Describe within {@code deadlineNanos}. */
  CompletableFuture<TableView> view(boolean again, long deadlineNanos) {
    TableView v = view;
    long now = System.nanoTime();
    if (!again && v != null && v.isFresh(now, context.describeTtlNanos())) {
      return CompletableFuture.completedFuture(v);
    }
    RoutedCall<String> describe = new RoutedCall<>(context.workers(), context.policy(), Rendezvous::hash,
        items -> Request.newBuilder().setDescribe(DescribeRequest.newBuilder().setTableUri(uri).setKeyColumn(keyColumn)),
        deadlineNanos, false);
    return describe.start(List.of(uri)).thenApply(replies -> {
      try {
        TableView fresh = TableView.of(replies.get(0).response().getDescribe(), keyColumn, now);
        view = fresh;
        return fresh;
      } catch (DecodeException e) {
        throw Errors.fromDecode(e, "describe of " + uri);
      } finally {
        replies.forEach(Reply::release);
      }
    });
  }

  /** The next call describes the table again. */
  void forget() {
    view = null;
  }
}
