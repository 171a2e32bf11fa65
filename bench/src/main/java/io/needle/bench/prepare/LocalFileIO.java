package io.needle.bench.prepare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import org.apache.iceberg.Files;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;

/**
 * Iceberg's file access for {@code needle prepare} on a local table, without Hadoop: locations are
 * local paths or {@code file:} URIs, and each file keeps the location it was asked by (metadata
 * names files exactly as the table's location spells them).
 */
final class LocalFileIO implements FileIO {
  private static final long serialVersionUID = 1L;

  static Path path(String location) {
    return location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
  }

  @Override
  public InputFile newInputFile(String location) {
    InputFile file = Files.localInput(path(location).toFile());
    return new InputFile() {
      @Override
      public long getLength() {
        return file.getLength();
      }

      @Override
      public SeekableInputStream newStream() {
        return file.newStream();
      }

      @Override
      public String location() {
        return location;
      }

      @Override
      public boolean exists() {
        return file.exists();
      }
    };
  }

  @Override
  public OutputFile newOutputFile(String location) {
    java.io.File target = path(location).toFile();
    target.getParentFile().mkdirs(); // data and metadata folders of a new table
    OutputFile file = Files.localOutput(target);
    return new OutputFile() {
      @Override
      public PositionOutputStream create() {
        return file.create();
      }

      @Override
      public PositionOutputStream createOrOverwrite() {
        return file.createOrOverwrite();
      }

      @Override
      public String location() {
        return location;
      }

      @Override
      public InputFile toInputFile() {
        return newInputFile(location);
      }
    };
  }

  @Override
  public void deleteFile(String location) {
    try {
      java.nio.file.Files.deleteIfExists(path(location));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
