/**
 * The wire protocol: protobuf messages ({@code io.needle.protocol.proto}) and the frame codec
 * ({@code io.needle.protocol}), shared by the client and the worker. Every package is API: both
 * sides build and read these types.
 */
module io.needle.protocol {
  requires transitive com.google.protobuf;
  requires transitive io.netty.buffer;
  requires transitive io.netty.common;
  requires transitive io.netty.transport;
  requires transitive io.netty.codec;

  exports io.needle.protocol;
  exports io.needle.protocol.proto;
}
