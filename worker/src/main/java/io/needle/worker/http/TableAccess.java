package io.needle.worker.http;

import io.needle.client.NeedleException;
import io.needle.worker.HttpAuth;

/** What the caller of one HTTP request may read. */
@FunctionalInterface
interface TableAccess {
  /** Every table: a worker that authenticates no one. */
  TableAccess ANYONE = tableUri -> {};

  /** @throws HttpError 403 when the caller may not look up rows of {@code tableUri} (the message names no table) */
  void check(String tableUri);

  static TableAccess of(HttpAuth.Caller caller) {
    return tableUri -> {
      if (!caller.mayLookup(tableUri)) {
        throw new HttpError(403, NeedleException.Code.PERMISSION_DENIED, caller.principal()
            + " may not read this table");
      }
    };
  }
}
