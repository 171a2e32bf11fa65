package io.needle.cli;

import java.util.Locale;

/** Parses byte sizes: {@code 4096}, {@code 512k}, {@code 64m}, {@code 20g}, {@code 1t} (powers of 1024). */
public final class Sizes {
  private Sizes() {}

  public static long parseBytes(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.endsWith("b")) {
      t = t.substring(0, t.length() - 1);
    }
    int shift = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      case 't' -> 40;
      default -> 0;
    };
    try {
      long n = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1));
      if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
        throw new IllegalArgumentException();
      }
      return n << shift;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a positive size (try 512m, 20g): " + text);
    }
  }
}
