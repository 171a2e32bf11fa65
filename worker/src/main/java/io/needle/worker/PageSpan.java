package io.needle.worker;

/**
 * Contiguous bytes of one open file that go to the socket as one zero-copy write; adjacent pages
 * of a column chunk are merged into one span. Holds one reference to {@code file}.
 */
record PageSpan(OpenFile file, long offset, long length) {}
