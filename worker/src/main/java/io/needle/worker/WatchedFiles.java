package io.needle.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A value built from a few small files and built again when their contents change: the TLS
 * certificate and key ({@link ServerTls}) and the auth policy ({@link ServerAuth}).
 *
 * <p>A daemon thread reads the files every interval and compares SHA-256 digests of their
 * contents, not modification times, which a rotation may keep; files are read through symlinks
 * (Kubernetes swaps a link to a new directory). A changed set that does not build (a key written
 * before its certificate, a policy file half written or invalid) keeps the old value, is logged
 * once per change, and is tried again at the next check: a bad edit never takes the port down.
 * Readers see the old value or the new one, never a mix ({@link #current} is one volatile read).
 *
 * @param <T> what the files build
 */
final class WatchedFiles<T> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WatchedFiles.class);

  private final String what;
  private final List<Path> files;
  private final long maxBytes;
  private final Supplier<T> build;
  private final ScheduledExecutorService reloader;
  private final AtomicLong reloads = new AtomicLong();
  private final AtomicLong refusals = new AtomicLong();
  private volatile T current;
  private List<String> stamps; // reloader thread only, after the constructor
  private List<String> failedStamps = List.of();

  /**
   * Builds the value once (its exception propagates) and starts watching.
   *
   * @param what names the files in log lines ("TLS files", "auth policy /etc/needle/policy.yaml")
   * @param files the files {@code build} reads (none null)
   * @param maxBytes a file larger than this is not read (not what the value is built from)
   * @param build reads the files; throws {@link IllegalArgumentException} saying what is wrong
   * @throws IllegalArgumentException when a file cannot be read or the value does not build
   */
  WatchedFiles(String what, List<Path> files, long maxBytes, Duration interval, Supplier<T> build, String threadName) {
    this.what = what;
    this.files = List.copyOf(files);
    this.maxBytes = maxBytes;
    this.build = build;
    try {
      this.stamps = stamps();
    } catch (IOException e) {
      throw new IllegalArgumentException(what + ": cannot read " + e.getMessage(), e);
    }
    this.current = build.get();
    this.reloader = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
    long every = interval.toNanos();
    reloader.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.NANOSECONDS);
  }

  /** The value of the files as they were at the last check that built. */
  T current() {
    return current;
  }

  /** Times the value was built again after a change. */
  long reloads() {
    return reloads.get();
  }

  /** Changes that did not build (the old value was kept), each counted once. */
  long refusals() {
    return refusals.get();
  }

  @Override
  public void close() {
    reloader.shutdownNow();
  }

  private void reloadIfChanged() {
    List<String> now;
    try {
      now = stamps();
    } catch (IOException e) {
      log.warn("{} unreadable, keeping the loaded one: {}", what, e.getMessage());
      return;
    }
    if (now.equals(stamps)) {
      return;
    }
    try {
      current = build.get();
      stamps = now;
      reloads.incrementAndGet();
      log.info("{} changed: reloaded", what);
    } catch (RuntimeException e) {
      if (!now.equals(failedStamps)) { // once per change, not at every check
        failedStamps = now;
        refusals.incrementAndGet();
        log.warn("{} changed but does not load, keeping the old one: {}", what, e.getMessage());
      }
    }
  }

  /** A digest of each file's contents. */
  private List<String> stamps() throws IOException {
    List<String> out = new ArrayList<>(files.size());
    for (Path p : files) {
      try {
        if (Files.size(p) > maxBytes) {
          throw new IOException("larger than " + maxBytes + " bytes");
        }
        out.add(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
      } catch (IOException e) {
        throw new IOException(p + ": " + e.getMessage(), e);
      } catch (NoSuchAlgorithmException e) {
        throw new AssertionError("every JDK has SHA-256", e);
      }
    }
    return out;
  }
}
