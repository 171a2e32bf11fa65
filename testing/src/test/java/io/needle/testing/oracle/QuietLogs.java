package io.needle.testing.oracle;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * parquet-java logs every page at DEBUG, logback's level without a config file; that made the
 * matrix test take ~35 s instead of a few. (A logback-test.xml in this module's test resources
 * would be the better home; that path belongs to the integrator.)
 */
final class QuietLogs {
  private QuietLogs() {}

  static void apply() {
    if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
      root.setLevel(Level.INFO);
    }
  }
}
