package io.needle.worker;

/**
 * Which {@link TableSource} serves a table URI or a listed file: the one place that tells the
 * kinds apart. The choice is lexical (an {@code s3://} URI, else a path), so it runs on the
 * event loop; a worker without S3 roots hands {@code s3://} URIs to the local source, which
 * refuses their scheme.
 */
final class TableSources {
  private final LocalTables local;
  private final S3Tables s3;

  /** @param s3 tables on S3, or null when no S3 root is configured */
  TableSources(LocalTables local, S3Tables s3) {
    this.local = local;
    this.s3 = s3;
  }

  TableSource forTable(String tableUri) {
    return s3 != null && S3Location.isS3(tableUri) ? s3 : local;
  }

  /** The source that opens {@code file}: an S3 object has no local path. */
  TableSource forFile(TableFile file) {
    return file.realPath() == null ? s3 : local;
  }
}
