package io.needle.worker;

import io.needle.metadata.FileSource;
import io.needle.metadata.FileVersion;
import io.needle.protocol.proto.ErrorCode;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Ranged reads of exactly one S3 object version: every GET carries {@code If-Match} with the
 * listed ETag, and the object's total size in {@code Content-Range} must equal the listed size,
 * so bytes of another version are never returned (a mismatch is {@link S3ReadException} with
 * {@code objectChanged}).
 *
 * <p>Metadata economy: Parquet writers put every column index, offset index and bloom filter
 * between the last row group and the footer. The tail read is kept; the first metadata read
 * below it parses the footer from the kept tail, finds the lowest index or bloom filter offset,
 * and fetches everything from there up to the tail in one GET. Every later metadata read of this
 * version is then served from memory, so a cold file costs the tail GET and at most one more for
 * its metadata. The kept bytes are bounded by {@link #MAX_KEPT_BYTES}; beyond it reads fall back
 * to one GET each. Reads elsewhere (pages) are plain ranged GETs.
 *
 * <p>Deadlines: a page read for a request is bounded by that request's deadline as well as by
 * the configured call timeout: the SDK's retries stop when the request's time is up, not at a
 * fixed per-call timeout, so a stalled or throttling origin cannot hold a connection (and a slot
 * of the origin concurrency cap) for a caller who gave up long ago; and no GET starts for a
 * request whose deadline has passed. Metadata reads are shared single-flight loads that fill the
 * cache for every later request, so they keep the call timeout alone.
 *
 * <p>Threading: {@link #readFully} blocks and is called on the loader executor only (metadata
 * loads); pages use {@link #readAsync}, which holds no thread while the GET is in flight. Safe for
 * concurrent readers.
 */
final class S3ObjectSource implements FileSource {
  /** Metadata bytes kept per object version, at most. */
  static final int MAX_KEPT_BYTES = 8 << 20;

  private final S3AsyncClient client;
  private final String bucket;
  private final String key;
  private final String etag;
  private final FileVersion version;
  private final S3RequestCounter counter;
  private final Duration callTimeout;

  private final Object lock = new Object();
  private byte[] kept; // bytes [keptStart, size) of the object, or null
  private long keptStart;
  private long metadataStart = -1; // lowest index/bloom offset, once the footer was parsed; -2: unknown

  S3ObjectSource(S3AsyncClient client, String bucket, String key, String etag, FileVersion version,
      S3RequestCounter counter, Duration callTimeout) {
    this.client = client;
    this.callTimeout = callTimeout;
    this.bucket = bucket;
    this.key = key;
    this.etag = etag;
    this.version = version;
    this.counter = counter;
  }

  @Override
  public FileVersion version() {
    return version;
  }

  @Override
  public void readFully(long position, ByteBuffer dst) throws IOException {
    int length = dst.remaining();
    long size = version.sizeBytes();
    if (position < 0 || position + length > size) {
      throw new EOFException("read of " + length + " bytes at " + position + " past the end of "
          + TableScope.printable(version.path()) + " (" + size + " bytes)");
    }
    if (length == 0) {
      return;
    }
    long end = position + length;
    synchronized (lock) {
      if (kept != null && position >= keptStart) {
        dst.put(kept, (int) (position - keptStart), length);
        return;
      }
      if (end == size && length <= MAX_KEPT_BYTES) { // the tail: keep it for the metadata reads that follow
        byte[] tail = get(position, length);
        kept = tail;
        keptStart = position;
        dst.put(tail);
        return;
      }
      if (kept != null && end <= size) {
        long from = extensionStart(position, end);
        if (from >= 0) {
          byte[] below = get(from, (int) (keptStart - from));
          byte[] joined = new byte[below.length + kept.length];
          System.arraycopy(below, 0, joined, 0, below.length);
          System.arraycopy(kept, 0, joined, below.length, kept.length);
          kept = joined;
          keptStart = from;
          dst.put(kept, (int) (position - keptStart), length);
          return;
        }
      }
    }
    dst.put(get(position, length));
  }

  /**
   * Makes sure every index and bloom filter of the file is held (one GET at most), after the
   * footer was read: the metadata prefetch calls it so that a first lookup pays for pages only.
   */
  void loadMetadataRegion() throws S3ReadException {
    synchronized (lock) {
      if (kept == null) {
        return;
      }
      if (metadataStart < 0) {
        metadataStart = parseMetadataStart();
      }
      if (metadataStart >= 0 && metadataStart < keptStart && keptStart - metadataStart <= MAX_KEPT_BYTES - kept.length) {
        byte[] below = get(metadataStart, (int) (keptStart - metadataStart));
        byte[] joined = new byte[below.length + kept.length];
        System.arraycopy(below, 0, joined, 0, below.length);
        System.arraycopy(kept, 0, joined, below.length, kept.length);
        kept = joined;
        keptStart = metadataStart;
      }
    }
  }

  /** Where to extend the kept tail down to so that it covers [position, end), or -1 to read directly. */
  private long extensionStart(long position, long end) {
    if (metadataStart < 0) {
      metadataStart = parseMetadataStart(); // again after the footer's rest arrived
    }
    long room = MAX_KEPT_BYTES - kept.length;
    if (metadataStart >= 0 && position >= metadataStart && keptStart - metadataStart <= room) {
      return metadataStart; // indexes and bloom filters: all of them in one GET
    }
    if (metadataStart < 0 && end >= keptStart && keptStart - position <= room) {
      return position; // contiguous with the tail while the footer is incomplete (a footer larger than the tail)
    }
    return -1;
  }

  /** The lowest offset of any column index, offset index or bloom filter, from the kept footer; -2 if unknown. */
  private long parseMetadataStart() {
    long size = version.sizeBytes();
    if (keptStart > size - 8) {
      return -2;
    }
    int at = (int) (size - 8 - keptStart);
    int footerLength = (kept[at] & 0xff) | (kept[at + 1] & 0xff) << 8 | (kept[at + 2] & 0xff) << 16
        | (kept[at + 3] & 0xff) << 24;
    long footerStart = size - 8 - (footerLength & 0xffffffffL);
    if (footerLength <= 0 || footerStart < keptStart) {
      return -2;
    }
    FileMetaData fmd;
    try {
      fmd = Util.readFileMetaData(new ByteArrayInputStream(kept, (int) (footerStart - keptStart), footerLength));
    } catch (IOException | RuntimeException e) {
      return -2; // the metadata reader will report the corruption itself
    }
    long lowest = Long.MAX_VALUE;
    if (fmd.isSetRow_groups()) {
      for (RowGroup rg : fmd.getRow_groups()) {
        for (ColumnChunk c : rg.getColumns()) {
          if (c.isSetColumn_index_offset()) {
            lowest = Math.min(lowest, c.getColumn_index_offset());
          }
          if (c.isSetOffset_index_offset()) {
            lowest = Math.min(lowest, c.getOffset_index_offset());
          }
          ColumnMetaData m = c.getMeta_data();
          if (m != null && m.isSetBloom_filter_offset()) {
            lowest = Math.min(lowest, m.getBloom_filter_offset());
          }
        }
      }
    }
    return lowest == Long.MAX_VALUE || lowest < 0 || lowest >= keptStart ? -2 : lowest;
  }

  /**
   * The bytes [position, position + length) without blocking: from the kept tail when it holds
   * them (a small file's pages come with its tail), else one ranged GET, retried within the call
   * timeout and {@code deadline}, whichever ends first. Fails with {@link S3ReadException}, or
   * with DEADLINE_EXCEEDED ({@link ServiceException}) when the deadline ended it or had passed
   * before it began.
   */
  CompletableFuture<byte[]> readAsync(long position, int length, Deadline deadline) {
    if (position < 0 || length < 0 || position + length > version.sizeBytes()) {
      return CompletableFuture.failedFuture(new EOFException("read of " + length + " bytes at " + position
          + " past the end of " + TableScope.printable(version.path()) + " (" + version.sizeBytes() + " bytes)"));
    }
    synchronized (lock) {
      if (kept != null && position >= keptStart) {
        int at = (int) (position - keptStart);
        return CompletableFuture.completedFuture(java.util.Arrays.copyOfRange(kept, at, at + length));
      }
    }
    try {
      deadline.check(); // no origin fetch for a request nobody waits for
    } catch (CompletionException e) {
      return CompletableFuture.failedFuture(e.getCause());
    }
    if (!deadline.bounded() || deadline.remainingNanos() >= callTimeout.toNanos()) {
      return getAsync(position, length, null);
    }
    return getAsync(position, length, deadline).exceptionally(error -> {
      Throwable cause = TableService.unwrap(error);
      if (deadline.expired() && cause instanceof S3ReadException e && e.reason() == S3ReadException.Reason.TIMEOUT) {
        throw new CompletionException(new ServiceException(ErrorCode.DEADLINE_EXCEEDED,
            "deadline passed while reading from S3: " + e.getMessage()));
      }
      throw error instanceof CompletionException c ? c : new CompletionException(cause);
    });
  }

  /** One ranged GET with If-Match; the bytes [position, position + length) of exactly this version. */
  byte[] get(long position, int length) throws S3ReadException {
    try {
      return getAsync(position, length, null).join();
    } catch (CompletionException e) {
      throw S3Failures.classify(e, what(position, length));
    }
  }

  private String what(long position, int length) {
    return "GET " + TableScope.printable(version.path()) + " bytes " + position + "+" + length;
  }

  /** @param deadline null, or a deadline that ends before the call timeout would: it bounds the call and its retries */
  private CompletableFuture<byte[]> getAsync(long position, int length, Deadline deadline) {
    GetObjectRequest.Builder builder = GetObjectRequest.builder()
        .bucket(bucket)
        .key(key)
        .ifMatch(etag)
        .range("bytes=" + position + "-" + (position + length - 1));
    if (deadline != null) {
      Duration left = Duration.ofNanos(Math.max(1_000_000, deadline.remainingNanos()));
      builder.overrideConfiguration(AwsRequestOverrideConfiguration.builder().apiCallTimeout(left).build());
    }
    GetObjectRequest request = builder.build();
    counter.recordGet(length);
    long started = System.nanoTime();
    CompletableFuture<ResponseBytes<GetObjectResponse>> call;
    try {
      call = client.getObject(request, AsyncResponseTransformer.toBytes());
    } catch (RuntimeException e) {
      S3ReadException failure = S3Failures.classify(e, what(position, length));
      counter.getDone(started, failure);
      return CompletableFuture.failedFuture(failure);
    }
    return call.handle((response, error) -> {
      if (error != null) {
        S3ReadException failure = S3Failures.classify(error, what(position, length));
        counter.getDone(started, failure);
        throw new CompletionException(failure);
      }
      counter.getDone(started, null);
      String range = response.response().contentRange();
      long total = totalOf(range);
      if (total >= 0 && total != version.sizeBytes()) {
        throw new CompletionException(new S3ReadException(ErrorCode.UNAVAILABLE, true, TableScope.printable(version.path())
            + " is now " + total + " bytes, listed as " + version.sizeBytes() + ": the object changed", null));
      }
      byte[] bytes = response.asByteArrayUnsafe();
      if (bytes.length != length) {
        throw new CompletionException(new S3ReadException(ErrorCode.UNAVAILABLE, true, what(position, length)
            + " returned " + bytes.length + " bytes (range " + range + ")", null));
      }
      return bytes;
    });
  }

  /** The total in {@code bytes a-b/total}, or -1 when absent or unknown. */
  private static long totalOf(String contentRange) {
    if (contentRange == null) {
      return -1;
    }
    int slash = contentRange.lastIndexOf('/');
    if (slash < 0 || contentRange.endsWith("*")) {
      return -1;
    }
    try {
      return Long.parseLong(contentRange.substring(slash + 1).trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
