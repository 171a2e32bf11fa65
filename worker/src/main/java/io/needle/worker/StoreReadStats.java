package io.needle.worker;

/**
 * How the page store's hits were read while its disk was slow (RELIABILITY.md T05).
 *
 * @param slow whether hits are read off the event loop now (a read took over 50 ms)
 * @param slowEpisodes times the store was found slow
 * @param slowReads store reads over the 50 ms bound
 * @param copiedOffLoop hits copied off the event loop, within the bound, while the store was slow
 * @param toSource hits the source answered instead, because the store did not read them in time
 */
public record StoreReadStats(boolean slow, long slowEpisodes, long slowReads, long copiedOffLoop, long toSource) {}
