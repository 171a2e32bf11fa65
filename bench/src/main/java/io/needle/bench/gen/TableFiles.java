package io.needle.bench.gen;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * How a generated table's rows split into files {@code part-00000.parquet}, …: file {@code f}
 * holds the contiguous table rows {@link #firstRow(int) firstRow(f)} .. {@code firstRow(f + 1) - 1},
 * as even a share as integer division gives. Also writes the files, in parallel.
 *
 * <p>Threading: {@link #writeAll} runs one writer per thread, at most one thread per core. The
 * instance itself is immutable.
 */
final class TableFiles {
  private final long rows;
  private final int files;

  TableFiles(long rows, int files) {
    if (rows < 1 || files < 1 || files > rows) {
      throw new IllegalArgumentException("need rows >= 1 and files in 1..rows: " + rows + ", " + files);
    }
    this.rows = rows;
    this.files = files;
  }

  /** Writes one file of the table and returns its path. */
  interface FileWriter {
    Path write(int file) throws IOException;
  }

  /** The first table row index held by file {@code file} ({@code file == files} gives {@code rows}). */
  long firstRow(int file) {
    if (file < 0 || file > files) {
      throw new IndexOutOfBoundsException("file must be in 0.." + files + ": " + file);
    }
    // rows * file can overflow a long for huge tables; this is a cold path.
    return BigInteger.valueOf(rows)
        .multiply(BigInteger.valueOf(file))
        .divide(BigInteger.valueOf(files))
        .longValueExact();
  }

  long rowCount(int file) {
    return firstRow(file + 1) - firstRow(file);
  }

  /** The file that holds table row {@code row} (0 <= row < rows). */
  int fileOfRow(long row) {
    if (row < 0 || row >= rows) {
      throw new IndexOutOfBoundsException("row must be in 0.." + (rows - 1) + ": " + row);
    }
    int lo = 0;
    int hi = files - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (firstRow(mid) <= row) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** {@code part-00003.parquet} for file 3. */
  static String fileName(int file) {
    return String.format("part-%05d.parquet", file);
  }

  /**
   * Creates {@code dir} if missing and writes every file with {@code writer}, in parallel;
   * returns the paths in file order.
   */
  List<Path> writeAll(Path dir, FileWriter writer) throws IOException {
    requireNonNull(dir, "dir is null");
    requireNonNull(writer, "writer is null");
    Files.createDirectories(dir);
    int threads = Math.min(files, Runtime.getRuntime().availableProcessors());
    List<Path> paths = new ArrayList<>();
    if (threads <= 1) {
      for (int f = 0; f < files; f++) {
        paths.add(writer.write(f));
      }
      return paths;
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "needle-gen");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Path>> futures = new ArrayList<>();
      for (int f = 0; f < files; f++) {
        int file = f;
        futures.add(pool.submit(() -> writer.write(file)));
      }
      for (Future<Path> future : futures) {
        paths.add(await(future, dir));
      }
      return paths;
    } finally {
      pool.shutdownNow();
    }
  }

  private static Path await(Future<Path> future, Path dir) throws IOException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while writing a table in " + dir, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof UncheckedIOException uio) {
        throw uio.getCause();
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException("writing a table in " + dir + " failed", cause);
    }
  }
}
