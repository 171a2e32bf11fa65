package io.needle.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A worker's {@link AuthConfig}, fixed or kept current with its policy file: the lookup port and
 * the HTTP ports check every request against {@link #config} as it is when the request arrives.
 *
 * <p>A watched file is {@link WatchedFiles}, as the TLS certificate is: its contents are checked
 * every interval; a change that loads replaces the policy at once for every request admitted
 * after it, on open connections too (a revoked token or grant does not live on in a long-lived
 * connection); a change that does not load (invalid YAML, an unknown key, a grant for an
 * undefined token, a file being written) is logged once and refused, and the old policy stays.
 * A request already admitted finishes under the policy that admitted it.
 */
public final class ServerAuth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerAuth.class);

  private final WatchedFiles<Loaded> watched; // null for a fixed policy
  private final Loaded fixed;

  /** One policy and its compiled checks, swapped together. */
  private record Loaded(AuthConfig config, AccessGate gate) {
    static Loaded of(AuthConfig config) {
      return new Loaded(config, new AccessGate(config));
    }
  }

  private ServerAuth(WatchedFiles<Loaded> watched, Loaded fixed) {
    this.watched = watched;
    this.fixed = fixed;
  }

  /** A policy that never changes. */
  public static ServerAuth of(AuthConfig config) {
    return new ServerAuth(null, Loaded.of(requireNonNull(config, "config is null")));
  }

  /**
   * Loads {@code file} ({@link AuthConfig#load}) and reloads it whenever its contents change,
   * checked every {@code interval}; close to stop watching.
   *
   * @throws IllegalArgumentException when the file does not load now, naming what is wrong
   */
  public static ServerAuth watch(Path file, Duration interval) {
    requireNonNull(file, "file is null");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("auth policy reload interval must be positive: " + interval);
    }
    ServerAuth auth = new ServerAuth(new WatchedFiles<>("auth policy " + file, List.of(file), AuthConfig.MAX_FILE_BYTES,
        interval, () -> load(file), "needle-auth-reload"), null);
    log.debug("auth policy {} is checked for changes every {}", file, interval);
    return auth;
  }

  private static Loaded load(Path file) {
    try {
      return Loaded.of(AuthConfig.load(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** The policy in force now. */
  public AuthConfig config() {
    return loaded().config();
  }

  /** Times the file was loaded again after a change (0 for a fixed policy). */
  public long reloads() {
    return watched == null ? 0 : watched.reloads();
  }

  /** Changes of the file that did not load, so the old policy stayed (0 for a fixed policy). */
  public long refusedReloads() {
    return watched == null ? 0 : watched.refusals();
  }

  AccessGate gate() {
    return loaded().gate();
  }

  private Loaded loaded() {
    return watched == null ? fixed : watched.current();
  }

  @Override
  public void close() {
    if (watched != null) {
      watched.close();
    }
  }
}
