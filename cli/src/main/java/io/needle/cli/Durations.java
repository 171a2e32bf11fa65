package io.needle.cli;

import java.time.Duration;

/** Parses {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT2S}). */
final class Durations {
  private Durations() {}

  static Duration parse(String text) {
    String t = text.trim();
    try {
      if (t.startsWith("P") || t.startsWith("p")) {
        return Duration.parse(t);
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new IllegalArgumentException();
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a duration (try 500ms, 2s, 5m): " + text);
    }
  }
}
