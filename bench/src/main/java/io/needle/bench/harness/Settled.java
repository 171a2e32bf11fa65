package io.needle.bench.harness;

/**
 * The background work a worker did after a table's first touch, until lookups started no more:
 * key index builds and re-paging. Means over the samples.
 *
 * @param seconds from the first lookup until the worker had nothing left to build (lookups kept
 *     coming meanwhile, as they would in service)
 * @param sourceGets object requests to the source in that time, first lookup included
 * @param sourceBytes object bytes read from the source in that time, first lookup included
 * @param keyIndexes key indexes built
 * @param indexBytesPerRow page-store bytes of the key indexes per indexed row (NaN without one)
 * @param chunksRepaged column chunks re-paged
 * @param repagedBytes page-store bytes of the re-paged pages
 */
public record Settled(double seconds, double sourceGets, double sourceBytes, double keyIndexes,
    double indexBytesPerRow, double chunksRepaged, double repagedBytes) {}
