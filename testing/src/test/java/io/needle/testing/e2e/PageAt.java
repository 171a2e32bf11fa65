package io.needle.testing.e2e;

/** A page of a file: where it starts and its bytes (page header included). */
record PageAt(String path, long offset, int bytes) {}
