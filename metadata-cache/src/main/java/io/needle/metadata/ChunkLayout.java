package io.needle.metadata;

import org.apache.parquet.format.CompressionCodec;

/**
 * Where one column chunk lies in its file and what it holds: what the worker needs to rewrite it
 * into small pages ({@link RepagedChunk}).
 *
 * @param schema the file's schema (the leaf's column descriptor comes from it)
 * @param leaf index of the leaf column in schema order
 * @param rowCount rows of the row group
 * @param start first byte of the chunk (its dictionary page if any, else its first data page)
 * @param end one past the chunk's last byte
 * @param codec the chunk's compression codec, as the Parquet footer names it
 * @param keyCandidate the leaf could serve as a lookup key (its pages' bounds are worth keeping)
 * @param maxPageRows rows of the chunk's longest data page, -1 when not known (no page table yet, or
 *     first rows unknown)
 */
public record ChunkLayout(FileVersion version, SchemaInfo schema, int rowGroup, int leaf, int leafCount, long rowCount,
    long start, long end, CompressionCodec codec, boolean keyCandidate, long maxPageRows) {}
