package io.needle.bench.check;

/**
 * What one lookup of a present key costs, averaged over sampled keys, as Needle's planner plans
 * it: the files the client asks (after pruning by file key range), the pages the worker sends
 * (each distinct page once), and what the client decodes.
 *
 * @param sampledKeys keys planned (a reservoir sample of the table's keys)
 * @param files files asked per lookup
 * @param pages pages sent per lookup (data and dictionary pages, all requested columns)
 * @param keyPages key-column pages sent (the client scans each for the key)
 * @param pagesDecoded pages the client decodes for a key with one row: the key pages, and per
 *     other requested leaf its dictionary and one data page
 * @param bytesSent page bytes sent per lookup; also the bytes read from the source on a cold page
 *     cache (the worker reads exactly the pages it sends)
 * @param maxBytesSent the largest lookup of the sample
 * @param metadataBytes bytes read once per file version to plan (footer, indexes, bloom filters,
 *     page headers of chunks without an offset index), over all files
 */
public record LookupCost(int sampledKeys, double files, double pages, double keyPages, double pagesDecoded,
    double bytesSent, long maxBytesSent, long metadataBytes) {}
