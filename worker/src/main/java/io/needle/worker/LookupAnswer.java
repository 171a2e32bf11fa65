package io.needle.worker;

import io.needle.protocol.proto.Response;

import java.util.List;

/**
 * A response header and the page spans that follow it on the wire. Owns one reference per span:
 * either hand every span to the transport or call {@link #release()}.
 */
record LookupAnswer(Response header, List<PageSpan> spans, long payloadBytes) {
  static LookupAnswer headerOnly(Response header) {
    return new LookupAnswer(header, List.of(), 0);
  }

  void release() {
    for (PageSpan span : spans) {
      span.file().release();
    }
  }
}
