package io.needle.metadata;

/**
 * What {@code Describe} reports of one file.
 *
 * @param keyMin smallest key over the file, in the form lookups carry keys (INT32 values, unsigned
 *     ones too, sign-extended from their 32 bits; INT64 values as their 64 bits); null when unknown
 *     (no key column asked, no statistics, or no order Needle trusts)
 * @param keyMax largest key over the file, like {@code keyMin}
 * @param keyOrder the order {@code keyMin} and {@code keyMax} compare in; {@link StatsOrder#UNKNOWN}
 *     exactly when they are null
 */
public record FileSummary(FileVersion version, SchemaInfo schema, long rowCount, Keys keyMin, Keys keyMax,
    StatsOrder keyOrder) {}
