package io.needle.metadata;

/**
 * Where the metadata cache keeps state it derived from a file version at some cost (page row
 * ranges walked from page headers), so that a restarted process finds it instead of reading the
 * source again. The worker keeps it in its page store, under the file version: a new version
 * never sees it and dropping the version drops it. Called on the loader executor only.
 *
 * <p>The store owes nothing: a load may miss at any time (evicted), and what it returns is
 * validated before use; anything that does not validate is derived again.
 */
public interface DerivedStore {
  /** Keeps nothing. */
  DerivedStore NONE = new DerivedStore() {
    @Override
    public byte[] load(FileVersion version, long id) {
      return null;
    }

    @Override
    public void save(FileVersion version, long id, byte[] bytes) {}
  };

  /** Ids the metadata cache uses are below this bound. */
  long MAX_ID = 1L << 40;

  /** The bytes saved under {@code id} for {@code version}, or null. */
  byte[] load(FileVersion version, long id);

  /** Saves {@code bytes} under {@code id}; best effort. */
  void save(FileVersion version, long id, byte[] bytes);
}
