package io.needle.metadata;

/**
 * What {@code Describe} reports of one file.
 *
 * @param keyMin smallest key over the file, null when unknown (no key column asked, no stats)
 * @param keyMax largest key over the file, null when unknown
 */
public record FileSummary(FileVersion version, SchemaInfo schema, long rowCount, Keys keyMin, Keys keyMax) {}
