package io.needle.testing.iceberg;

import io.needle.testing.s3.S3Fixture;
import io.needle.worker.Worker;
import io.needle.worker.WorkerConfig;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where a test's Iceberg tables live, so one test runs over both: local files under the worker's
 * root, or S3 (S3Proxy on loopback) where Iceberg's writers write {@code s3://} locations into a
 * local folder that {@link #sync} uploads as it is (Iceberg files are immutable, so only new
 * files go). A worker started here reads the place as a user's would: local files, or S3 only.
 */
public final class IcebergPlace implements AutoCloseable {
  /** The two places. */
  public enum Kind { LOCAL, S3 }

  private static final String S3_PREFIX = "ice";

  private final Kind kind;
  private final Path dir;
  private final S3Fixture s3;
  private final Set<String> uploaded = new HashSet<>();

  private IcebergPlace(Kind kind, Path dir, S3Fixture s3) {
    this.kind = kind;
    this.dir = dir;
    this.s3 = s3;
  }

  /** The place; {@code dir} is the worker's local root (and, for S3, holds the folder mapped to S3). */
  public static IcebergPlace open(Kind kind, Path dir) throws Exception {
    return new IcebergPlace(kind, dir, kind == Kind.S3 ? S3Fixture.start() : null);
  }

  /** The tables' parent location: a local folder, or an {@code s3://} prefix. */
  public String warehouse() {
    return kind == Kind.S3 ? "s3://" + S3Fixture.BUCKET + "/" + S3_PREFIX : dir.resolve("warehouse").toString();
  }

  /** The local folder S3 locations are written to; null for local tables. */
  public Path mapped() {
    return kind == Kind.S3 ? dir.resolve("mapped") : null;
  }

  /** A new table {@code name} of format version {@code formatVersion} here. */
  public IcebergFixture create(String name, int formatVersion) {
    return IcebergFixture.create(warehouse(), mapped(), name, formatVersion);
  }

  /** A new table {@code name} of {@code schema} here. */
  public IcebergFixture create(String name, int formatVersion, org.apache.iceberg.Schema schema) {
    return IcebergFixture.create(warehouse(), mapped(), name, formatVersion, schema);
  }

  /** Uploads what the writers wrote since the last sync (S3; nothing to do for local tables). */
  public void sync() throws IOException {
    if (s3 == null || !Files.isDirectory(mapped())) {
      return;
    }
    try (Stream<Path> files = Files.walk(mapped())) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String key = S3_PREFIX + "/" + mapped().relativize(f).toString().replace('\\', '/');
        if (uploaded.add(key)) {
          s3.put(key, f);
        }
      }
    }
  }

  /** The local file holding the data a table names at {@code location}. */
  public Path localPath(String location) {
    if (kind == Kind.S3) {
      return mapped().resolve(location.substring(warehouse().length() + 1));
    }
    return location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
  }

  /** A worker reading this place, its listings kept for {@code manifestTtl}. */
  public Worker worker(Duration manifestTtl) throws Exception {
    WorkerConfig config = WorkerConfig.defaults("127.0.0.1", 0, List.of(dir)).withManifestTtl(manifestTtl);
    if (s3 == null) {
      return Worker.start(config);
    }
    return S3Fixture.worker(config, dir, s3.workerConfig());
  }

  @Override
  public void close() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  @Override
  public String toString() {
    return kind.toString();
  }
}
