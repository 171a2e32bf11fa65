// Rewrites a table's rows, shuffled, into files written with parquet-java's default writer
// (1 MiB pages, 128 MiB row groups, dictionaries, page index, no bloom filter, unsorted keys): the
// layout most lakes hold, for measuring `needle check` and `needle prepare` (BENCHMARKS.md).
// The rows are shuffled in memory: size -Xmx for the table.
//
//   java -cp "cli/target/needle-cli-0.1.0-SNAPSHOT.jar:cli/target/lib/*" scripts/ParquetJavaDefaults.java \
//       SRC_DIR DST_DIR FILES [SEED]
import io.needle.bench.ParquetListing;
import io.needle.bench.baseline.ParquetReadOptionsFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

public class ParquetJavaDefaults {
  public static void main(String[] args) throws Exception {
    Path src = Path.of(args[0]);
    Path dst = Path.of(args[1]);
    int files = Integer.parseInt(args[2]);
    long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
    MessageType schema = null;
    List<Group> rows = new ArrayList<>();
    for (Path f : ParquetListing.list(src, "SRC_DIR")) {
      try (ParquetFileReader reader = ParquetReadOptionsFactory.open(f)) {
        schema = reader.getFooter().getFileMetaData().getSchema();
        var io = new ColumnIOFactory().getColumnIO(schema);
        for (PageReadStore pages = reader.readNextRowGroup(); pages != null; pages = reader.readNextRowGroup()) {
          RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(schema));
          for (long r = 0; r < pages.getRowCount(); r++) {
            rows.add(records.read());
          }
        }
      }
    }
    Collections.shuffle(rows, new Random(seed));
    Files.createDirectories(dst);
    for (int f = 0; f < files; f++) {
      Path path = dst.resolve(String.format("data-%05d.parquet", f));
      try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(path))
          .withConf(new PlainParquetConfiguration()).withType(schema)
          .withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
        for (long i = (long) rows.size() * f / files; i < (long) rows.size() * (f + 1) / files; i++) {
          writer.write(rows.get((int) i));
        }
      }
    }
    System.err.printf("wrote %d rows, shuffled, in %d parquet-java-default files to %s%n", rows.size(), files, dst);
  }
}
