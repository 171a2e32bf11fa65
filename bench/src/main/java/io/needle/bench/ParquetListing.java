package io.needle.bench;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import io.needle.bench.prepare.IcebergPreparer;

/**
 * The Parquet files of a local table as the worker lists it: the file itself, or every
 * {@code .parquet} file under the directory, recursively, skipping names that start with
 * {@code .} or {@code _} (files and directories); sorted by path. The folder of a table format
 * (Iceberg, Delta Lake, Hudi) is refused: its files are not all live rows.
 */
public final class ParquetListing {
  private ParquetListing() {}

  /**
   * The table's files; {@code option} names the user's option in the errors (e.g. {@code --table}).
   *
   * @throws NoSuchFileException when {@code location} does not exist
   * @throws IllegalArgumentException when it holds no Parquet file
   */
  public static List<Path> list(Path location, String option) throws IOException {
    if (Files.isRegularFile(location)) {
      return List.of(location);
    }
    if (!Files.isDirectory(location)) {
      throw new NoSuchFileException(location.toString(), null, option + ": no such file or directory");
    }
    refuseTableFormats(location, option);
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(location, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        return !dir.equals(location) && hidden(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (attrs.isRegularFile() && !hidden(file)
            && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".parquet")) {
          files.add(file);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    if (files.isEmpty()) {
      throw new IllegalArgumentException(option + " " + location
          + ": no .parquet files in it (names starting with . or _ are skipped)");
    }
    files.sort(Path::compareTo);
    return List.copyOf(files);
  }

  /**
   * A table format's folder is not a directory table: its Parquet files include rows deleted or
   * replaced since (Iceberg, Delta Lake, Hudi), and delete files, which a listing would take for data.
   */
  private static void refuseTableFormats(Path location, String option) {
    if (IcebergPreparer.isIcebergTable(location)) {
      throw new IllegalArgumentException(option + " " + location + " is an Iceberg table, not a directory of "
          + "Parquet files (needle prepare takes it as an Iceberg table)");
    }
    if (Files.isDirectory(location.resolve("_delta_log"))) {
      throw new IllegalArgumentException(option + " " + location + " is a Delta Lake table (_delta_log/): its "
          + "Parquet files include removed rows; Needle does not read Delta tables");
    }
    if (Files.isDirectory(location.resolve(".hoodie"))) {
      throw new IllegalArgumentException(option + " " + location + " is an Apache Hudi table (.hoodie/): its "
          + "Parquet files include replaced rows; Needle does not read Hudi tables");
    }
  }

  private static boolean hidden(Path p) {
    String name = p.getFileName().toString();
    return name.startsWith(".") || name.startsWith("_");
  }
}
