package io.needle.metadata;

/**
 * @param capacityBytes bound on the estimated heap bytes of cached metadata
 * @param footerTailBytes bytes read from a file's end in one go, in the hope that the footer fits
 */
public record MetadataCacheConfig(long capacityBytes, int footerTailBytes) {
  public MetadataCacheConfig {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes must be positive: " + capacityBytes);
    }
    if (footerTailBytes < 8) {
      throw new IllegalArgumentException("footerTailBytes must be at least 8: " + footerTailBytes);
    }
  }

  public static MetadataCacheConfig defaults() {
    return new MetadataCacheConfig(256L << 20, 64 << 10);
  }
}
