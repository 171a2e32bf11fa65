package io.needle.worker.http;

/**
 * One path of the HTTP port: turns a request body into a JSON answer. Runs on a lookup thread,
 * never on an event loop, so it may wait for the cluster.
 */
interface Endpoint {
  /**
   * @param access the caller's rights: checked for every table before anything of it is read
   * @throws RuntimeException any failure; {@link #error} turns it into the answer
   */
  HttpAnswer answer(byte[] body, TableAccess access);

  /** The answer for a failure, in this endpoint's error format. */
  HttpAnswer error(Throwable failure);
}
