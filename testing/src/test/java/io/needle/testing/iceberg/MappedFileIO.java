package io.needle.testing.iceberg;

import org.apache.iceberg.Files;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The FileIO the tests' Iceberg writers use, without Hadoop: local files, and locations under
 * a mapped prefix (an {@code s3://} location) written to a local folder that the test then
 * uploads as it is, so the table's metadata names the S3 paths the worker will read.
 */
public final class MappedFileIO implements FileIO {
  public static final String PREFIX = "needle.test.mapped-prefix";
  public static final String DIR = "needle.test.mapped-dir";
  private static final long serialVersionUID = 1L;

  private String prefix = "";
  private String dir = "";

  @Override
  public void initialize(Map<String, String> properties) {
    prefix = properties.getOrDefault(PREFIX, "");
    dir = properties.getOrDefault(DIR, "");
  }

  private String local(String location) {
    if (!prefix.isEmpty() && location.startsWith(prefix)) {
      String rest = location.substring(prefix.length());
      return Path.of(dir).resolve(rest.startsWith("/") ? rest.substring(1) : rest).toString();
    }
    return location.startsWith("file:") ? Path.of(java.net.URI.create(location)).toString() : location;
  }

  @Override
  public InputFile newInputFile(String path) {
    InputFile file = Files.localInput(local(path));
    return new InputFile() {
      @Override
      public long getLength() {
        return file.getLength();
      }

      @Override
      public org.apache.iceberg.io.SeekableInputStream newStream() {
        return file.newStream();
      }

      @Override
      public String location() {
        return path;
      }

      @Override
      public boolean exists() {
        return file.exists();
      }
    };
  }

  @Override
  public OutputFile newOutputFile(String path) {
    java.io.File target = new java.io.File(local(path));
    target.getParentFile().mkdirs();
    OutputFile file = Files.localOutput(target);
    return new OutputFile() {
      @Override
      public org.apache.iceberg.io.PositionOutputStream create() {
        return file.create();
      }

      @Override
      public org.apache.iceberg.io.PositionOutputStream createOrOverwrite() {
        return file.createOrOverwrite();
      }

      @Override
      public String location() {
        return path;
      }

      @Override
      public InputFile toInputFile() {
        return newInputFile(path);
      }
    };
  }

  @Override
  public void deleteFile(String path) {
    try {
      java.nio.file.Files.deleteIfExists(Path.of(local(path)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
