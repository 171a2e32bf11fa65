package io.needle.testing.iceberg;

import org.apache.iceberg.LocationProviders;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableMetadataParser;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;

/**
 * The tests' Iceberg table operations: each commit writes {@code metadata/v<N>.metadata.json}
 * in the table location, as file-system tables do, through the tests' FileIO (no Hadoop, no
 * catalog service). Single writer: a commit on a stale base fails.
 */
final class FileTableOperations implements TableOperations {
  private final FileIO io;
  private TableMetadata current;
  private int version;

  FileTableOperations(FileIO io) {
    this.io = io;
  }

  @Override
  public TableMetadata current() {
    return current;
  }

  @Override
  public TableMetadata refresh() {
    return current;
  }

  @Override
  public synchronized void commit(TableMetadata base, TableMetadata metadata) {
    if (base != current) {
      throw new CommitFailedException("stale base: the table changed since it was read");
    }
    String location = metadataFileLocation("v" + (version + 1) + ".metadata.json");
    TableMetadataParser.overwrite(metadata, io.newOutputFile(location));
    current = TableMetadataParser.read(io, location);
    version++;
  }

  @Override
  public FileIO io() {
    return io;
  }

  @Override
  public String metadataFileLocation(String fileName) {
    String location = current != null ? current.location() : pendingLocation;
    return location + "/metadata/" + fileName;
  }

  private String pendingLocation;

  /** Creates the table: its first metadata file. */
  void create(TableMetadata metadata) {
    pendingLocation = metadata.location();
    commit(null, metadata);
  }

  @Override
  public LocationProvider locationProvider() {
    return LocationProviders.locationsFor(current.location(), current.properties());
  }
}
