package io.needle.bench.prepare;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.LocationProviders;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableMetadataParser;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;

/**
 * A local Iceberg table kept as file-system tables keep it: {@code metadata/*.metadata.json} in the
 * table location, the newest number being the table ({@code v12.metadata.json}, or
 * {@code 00012-<uuid>.metadata.json} as catalogs name them: the rule the worker reads tables by).
 * A commit writes the next number in the same style, created without replacing (a hard link of a
 * finished file), so a concurrent writer's commit of the same number makes ours fail rather than
 * vanish; a Hadoop table's {@code version-hint.text} is updated after. No Hadoop, no catalog.
 *
 * <p>Not for tables a catalog service owns: a catalog would not see this commit.
 */
final class LocalIcebergTable implements TableOperations {
  private static final Pattern METADATA_NUMBER = Pattern.compile("^(?:v(\\d{1,18})|(\\d{1,18})-[^/]*)\\.metadata\\.json$");
  private static final String VERSION_HINT = "version-hint.text";

  private final Path metadataDir;
  private final FileIO io = new LocalFileIO();
  private final String pinned;
  private TableMetadata current;
  private String pendingLocation;

  private LocalIcebergTable(Path metadataDir, String pinned) {
    this.metadataDir = metadataDir;
    this.pinned = pinned;
  }

  /** True when {@code location} is an Iceberg table's location or one of its metadata files. */
  static boolean isIceberg(Path location) {
    if (Files.isRegularFile(location)) {
      return METADATA_NUMBER.matcher(location.getFileName().toString()).matches();
    }
    return newest(location.resolve("metadata")).isPresent();
  }

  /** The table at {@code location} (its folder: the newest metadata; a metadata file: that commit). */
  static Table open(Path location) {
    LocalIcebergTable ops = Files.isRegularFile(location)
        ? new LocalIcebergTable(location.getParent(), location.toString())
        : new LocalIcebergTable(location.resolve("metadata"), null);
    if (ops.refresh() == null) {
      throw new IllegalArgumentException(location + ": no Iceberg metadata file in " + ops.metadataDir);
    }
    return new BaseTable(ops, location.toString());
  }

  /** Creates a table whose first metadata file is {@code metadata} (its location a local folder). */
  static Table create(TableMetadata metadata) {
    Path dir = LocalFileIO.path(metadata.location()).resolve("metadata");
    LocalIcebergTable ops = new LocalIcebergTable(dir, null);
    ops.pendingLocation = metadata.location();
    ops.commit(null, metadata);
    return new BaseTable(ops, metadata.location());
  }

  @Override
  public TableMetadata current() {
    return current;
  }

  @Override
  public TableMetadata refresh() {
    String file = pinned != null ? pinned : newest(metadataDir).map(Path::toString).orElse(null);
    current = file == null ? null : TableMetadataParser.read(io, file);
    return current;
  }

  @Override
  public void commit(TableMetadata base, TableMetadata metadata) {
    if (pinned != null) {
      throw new CommitFailedException("the table was opened at one metadata file (" + pinned
          + "); open its location to commit");
    }
    TableMetadata now = refresh();
    if (base != now && (base == null || now == null
        || !base.metadataFileLocation().equals(now.metadataFileLocation()))) {
      throw new CommitFailedException("the table changed since it was read: its newest metadata is "
          + (now == null ? "none" : now.metadataFileLocation()));
    }
    Path next = metadataDir.resolve(nextName(now == null ? null : LocalFileIO.path(now.metadataFileLocation())));
    Path tmp = metadataDir.resolve("." + UUID.randomUUID() + ".metadata.json.tmp");
    try {
      Files.createDirectories(metadataDir);
      TableMetadataParser.overwrite(metadata, io.newOutputFile(tmp.toString()));
      try {
        Files.createLink(next, tmp);
      } catch (FileAlreadyExistsException e) {
        throw new CommitFailedException(e, "another writer committed %s first", next);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("committing " + next, e);
    }
    updateHint(next);
    refresh();
  }

  /**
   * Points a Hadoop table's {@code version-hint.text} at the new commit. Best effort: the commit
   * has landed, and readers of a stale hint look for newer metadata files anyway.
   */
  private void updateHint(Path committed) {
    Path hint = metadataDir.resolve(VERSION_HINT);
    if (Files.exists(hint)) {
      try {
        Files.writeString(hint, Long.toString(number(committed.getFileName().toString())), StandardCharsets.UTF_8);
      } catch (IOException e) {
        // the commit stands; see above
      }
    }
  }

  @Override
  public FileIO io() {
    return io;
  }

  @Override
  public String metadataFileLocation(String fileName) {
    return metadataDir.resolve(fileName).toString();
  }

  @Override
  public LocationProvider locationProvider() {
    TableMetadata m = requireNonNull(current, "no table yet");
    return LocationProviders.locationsFor(m.location(), m.properties());
  }

  private static String nextName(Path previous) {
    if (previous == null) {
      return "v1.metadata.json";
    }
    String name = previous.getFileName().toString();
    long n = number(name) + 1;
    return name.startsWith("v") ? "v" + n + ".metadata.json" : String.format("%05d-%s.metadata.json", n, UUID.randomUUID());
  }

  private static long number(String name) {
    Matcher m = METADATA_NUMBER.matcher(name);
    if (!m.matches()) {
      return -1;
    }
    return Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2));
  }

  private static Optional<Path> newest(Path metadataDir) {
    if (!Files.isDirectory(metadataDir)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(metadataDir)) {
      return files.filter(p -> number(p.getFileName().toString()) >= 0)
          .max(Comparator.comparingLong(p -> number(p.getFileName().toString())));
    } catch (IOException e) {
      throw new UncheckedIOException("listing " + metadataDir, e);
    }
  }
}
