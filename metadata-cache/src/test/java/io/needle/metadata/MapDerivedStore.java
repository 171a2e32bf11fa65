package io.needle.metadata;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A derived store in memory, keyed by version and id (tests only). */
final class MapDerivedStore implements DerivedStore {
  final Map<String, byte[]> records = new ConcurrentHashMap<>();

  @Override
  public byte[] load(FileVersion version, long id) {
    byte[] bytes = records.get(version.wireToken() + "/" + id);
    return bytes == null ? null : bytes.clone();
  }

  @Override
  public void save(FileVersion version, long id, byte[] bytes) {
    records.put(version.wireToken() + "/" + id, bytes.clone());
  }

  /** Records whose id is at least {@code from}. */
  long countFrom(long from) {
    return records.keySet().stream().filter(k -> Long.parseLong(k.substring(k.lastIndexOf('/') + 1)) >= from).count();
  }
}
