package io.needle.metadata;

import java.util.List;

/**
 * Where the keys of a lookup may be in one file: the pages to send, grouped by row group.
 * {@code rowGroups} is empty when statistics or bloom filters rule every row group out.
 */
public record FilePlan(FileVersion version, SchemaInfo schema, List<RowGroupPlan> rowGroups) {}
