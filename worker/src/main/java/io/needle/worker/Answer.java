package io.needle.worker;

import io.needle.metadata.FileVersion;
import io.needle.protocol.proto.Response;

import java.util.List;

/**
 * A response header and the payload parts that follow it on the wire. Owns its parts: either
 * hand every part to the transport or call {@link #release()}.
 *
 * @param versions the file versions whose pages the answer carries (canonical paths), for
 *     {@link WorkerStatus#served}
 */
record Answer(AnswerHeader header, List<PagePart> parts, long payloadBytes, List<FileVersion> versions) {
  static Answer headerOnly(Response header) {
    return new Answer(AnswerHeader.of(header), List.of(), 0, List.of());
  }

  void release() {
    for (PagePart part : parts) {
      part.release();
    }
  }
}
