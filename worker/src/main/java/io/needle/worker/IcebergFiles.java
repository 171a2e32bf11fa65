package io.needle.worker;

import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.SeekableInputStream;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Iceberg's {@link FileIO} over one listing of a table location: every metadata file Iceberg asks
 * for is looked up in the listing (so it lies inside the worker's roots and has a pinned
 * version) and read through the same {@link TableStorage} that serves the data files: the same
 * scope checks, the same S3 client, {@code If-Match} on the listed ETag. Read-only: Needle never
 * writes a table.
 *
 * <p>A metadata file (metadata.json, manifest list, manifest) is small and read whole, in one read
 * (one GET on S3), then served from memory to Iceberg's Avro and JSON readers. Blocking: loader
 * threads only.
 */
final class IcebergFiles implements FileIO {
  private static final long serialVersionUID = 1L;
  /** Metadata files larger than this are refused rather than held in memory whole. */
  static final int MAX_METADATA_FILE_BYTES = 64 << 20;

  private final transient TableStorage storage;
  private final String location;
  private final transient Map<String, TableFile> byRelativePath = new HashMap<>();

  /** @param location the table location every metadata path is relative to (any scheme spelling) */
  IcebergFiles(TableStorage storage, String location, TableListing listing) {
    this.storage = storage;
    this.location = normal(location);
    for (TableFile f : listing.metadataFiles()) {
      byRelativePath.put(f.relativePath(), f);
    }
  }

  /**
   * {@code path} relative to {@code location}, both in one spelling ({@code file:} and the
   * Hadoop {@code s3a:}/{@code s3n:} schemes removed or unified), or null when it lies elsewhere.
   */
  static String relativeTo(String location, String path) {
    String base = normal(location);
    String p = normal(path);
    if (!base.endsWith("/")) {
      base = base + "/";
    }
    return p.startsWith(base) && p.length() > base.length() ? p.substring(base.length()) : null;
  }

  private static String normal(String path) {
    if (path.startsWith("file://")) {
      return path.substring("file://".length());
    }
    if (path.startsWith("file:")) {
      return path.substring("file:".length());
    }
    if (path.startsWith("s3a://") || path.startsWith("s3n://")) {
      return "s3://" + path.substring("s3a://".length());
    }
    return path;
  }

  @Override
  public InputFile newInputFile(String path) {
    String relative = relativeTo(location, path);
    TableFile file = relative == null ? null : byRelativePath.get(relative);
    if (file == null) {
      throw new NotFoundException("Iceberg metadata file %s is not in the listing of the table location %s",
          TableScope.printable(path), TableScope.printable(location));
    }
    return new ListedInputFile(storage, file, path);
  }

  @Override
  public OutputFile newOutputFile(String path) {
    throw new UnsupportedOperationException("Needle reads Iceberg tables, it never writes them");
  }

  @Override
  public void deleteFile(String path) {
    throw new UnsupportedOperationException("Needle reads Iceberg tables, it never writes them");
  }

  /** One listed file version, read whole on first use. */
  static final class ListedInputFile implements InputFile {
    private final TableStorage storage;
    private final TableFile file;
    private final String location;

    ListedInputFile(TableStorage storage, TableFile file, String location) {
      this.storage = storage;
      this.file = file;
      this.location = location;
    }

    @Override
    public long getLength() {
      return file.version().sizeBytes();
    }

    @Override
    public SeekableInputStream newStream() {
      return new BytesStream(readAll());
    }

    private byte[] readAll() {
      long size = file.version().sizeBytes();
      if (size > MAX_METADATA_FILE_BYTES) {
        throw new UncheckedIOException(new IOException("Iceberg metadata file " + file.relativePath() + " has "
            + size + " bytes, over the limit of " + MAX_METADATA_FILE_BYTES));
      }
      OpenFile open;
      try {
        open = storage.open(file);
      } catch (ServiceException e) {
        throw new ServiceFailure(e);
      }
      try {
        ByteBuffer bytes = ByteBuffer.allocate((int) size);
        open.readFully(0, bytes);
        return bytes.array();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        open.release();
      }
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public boolean exists() {
      return true;
    }
  }

  /** A typed failure of the storage, carried through Iceberg's readers unchanged. */
  static final class ServiceFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ServiceFailure(ServiceException cause) {
      super(cause.getMessage(), cause);
    }

    ServiceException service() {
      return (ServiceException) getCause();
    }
  }

  /** A seekable stream over bytes held in memory. */
  private static final class BytesStream extends SeekableInputStream {
    private final byte[] bytes;
    private int pos;

    BytesStream(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void seek(long newPos) throws IOException {
      if (newPos < 0 || newPos > bytes.length) {
        throw new EOFException("seek to " + newPos + " outside a file of " + bytes.length + " bytes");
      }
      pos = (int) newPos;
    }

    @Override
    public int read() {
      return pos < bytes.length ? bytes[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (pos >= bytes.length) {
        return -1;
      }
      int n = Math.min(len, bytes.length - pos);
      System.arraycopy(bytes, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public long skip(long n) {
      long skipped = Math.max(0, Math.min(n, bytes.length - pos));
      pos += (int) skipped;
      return skipped;
    }

    @Override
    public int available() {
      return bytes.length - pos;
    }
  }
}
