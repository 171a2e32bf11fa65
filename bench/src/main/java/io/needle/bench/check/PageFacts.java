package io.needle.bench.check;

/**
 * Data pages of some column chunks: how many, their compressed bytes, and the rows they hold
 * (values, for repeated columns of files without an offset index, where rows are not known).
 */
public record PageFacts(long pages, long bytes, long maxBytes, long rows, boolean rowsKnown) {
  static final PageFacts NONE = new PageFacts(0, 0, 0, 0, true);

  PageFacts plus(PageFacts o) {
    return new PageFacts(pages + o.pages, bytes + o.bytes, Math.max(maxBytes, o.maxBytes), rows + o.rows,
        rowsKnown && o.rowsKnown);
  }

  public long averageBytes() {
    return pages == 0 ? 0 : bytes / pages;
  }

  public long rowsPerPage() {
    return pages == 0 ? 0 : rows / pages;
  }
}
