package io.needle.bench.prepare;

import io.needle.bench.baseline.ParquetReadOptionsFactory;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/**
 * The rows of one Parquet file, in file order, as parquet-java's generic {@link Group}s (every
 * type round-trips: INT96, decimals, lists, maps, structs). One row group's pages are in memory at
 * a time. Not thread-safe.
 */
final class GroupFile implements AutoCloseable {
  private final Path path;
  private final ParquetFileReader reader;
  private final MessageType schema;
  private final MessageColumnIO io;
  private RecordReader<Group> records;
  private long leftInRowGroup;

  private GroupFile(Path path, ParquetFileReader reader) {
    this.path = path;
    this.reader = reader;
    this.schema = reader.getFooter().getFileMetaData().getSchema();
    this.io = new ColumnIOFactory(reader.getFooter().getFileMetaData().getCreatedBy()).getColumnIO(schema);
  }

  static GroupFile open(Path path) throws IOException {
    return new GroupFile(path, ParquetReadOptionsFactory.open(path));
  }

  Path path() {
    return path;
  }

  MessageType schema() {
    return schema;
  }

  long rowCount() {
    return reader.getRecordCount();
  }

  /** The next row, or null after the last. */
  Group next() throws IOException {
    while (leftInRowGroup == 0) {
      PageReadStore pages = reader.readNextRowGroup();
      if (pages == null) {
        return null;
      }
      leftInRowGroup = pages.getRowCount();
      records = io.getRecordReader(pages, new GroupRecordConverter(schema));
    }
    leftInRowGroup--;
    return records.read();
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
