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

/**
 * The Parquet files of a local table as the worker lists it: the file itself, or every
 * {@code .parquet} file under the directory, recursively, skipping names that start with
 * {@code .} or {@code _} (files and directories); sorted by path.
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

  private static boolean hidden(Path p) {
    String name = p.getFileName().toString();
    return name.startsWith(".") || name.startsWith("_");
  }
}
