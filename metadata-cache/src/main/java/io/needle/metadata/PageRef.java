package io.needle.metadata;

/**
 * A page's bytes in the file: its Parquet page header followed by its compressed body.
 *
 * @param firstRow row index within the row group of the page's first row; -1 for dictionary
 *     pages, and for a data page that directly continues the previous one when the file gives no
 *     way to know its first row without decoding (a repeated column with neither offset index nor
 *     v2 page headers)
 */
public record PageRef(long offset, int length, long firstRow) {}
