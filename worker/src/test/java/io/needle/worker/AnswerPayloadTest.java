package io.needle.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.needle.metadata.FileVersion;
import io.needle.pagestore.EvictionPolicy;
import io.needle.pagestore.PageHandle;
import io.needle.pagestore.PageKey;
import io.needle.pagestore.PageStore;
import io.needle.pagestore.PageStoreConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.FileRegion;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An answer's payload against the file's own bytes: runs of small parts become one buffer each,
 * in order, a large span of a file becomes a sendfile region between them (a page of the page
 * store is copied whatever its length), and every file reference taken
 * for a part is given back exactly when its bytes no longer need the file.
 */
class AnswerPayloadTest {
  @TempDir
  Path dir;

  @Test
  void smallPartsShareBuffersAroundALargeRegionInOrder() throws Exception {
    byte[] bytes = new byte[400_000];
    new SplittableRandom(3).nextBytes(bytes);
    Path file = Files.write(dir.resolve("f.parquet"), bytes);
    OpenFile open = new OpenFile(new FileVersion(file.toString(), bytes.length, "t"), FileChannel.open(file));
    long[][] spans = {{100, 3_000}, {50_000, 8_000}, {200_000, 100_000}, {10, 20}, {390_000, 9_000}};
    List<PagePart> parts = new java.util.ArrayList<>();
    for (long[] s : spans) {
      open.retain();
      parts.add(new PagePart.FileSpan(open, s[0], s[1]));
    }
    parts.add(new PagePart.Fetched(new byte[] {7, 7, 7}));

    List<Object> messages = AnswerPayload.messages(UnpooledByteBufAllocator.DEFAULT, parts, false);

    assertThat(messages).hasSize(3);
    assertThat(messages.get(0)).isInstanceOf(ByteBuf.class);
    assertThat(messages.get(1)).isInstanceOf(FileRegion.class);
    assertThat(messages.get(2)).isInstanceOf(ByteBuf.class);
    ByteArrayOutputStream expectedFirst = new ByteArrayOutputStream();
    expectedFirst.write(bytes, 100, 3_000);
    expectedFirst.write(bytes, 50_000, 8_000);
    assertThat(readAll((ByteBuf) messages.get(0))).isEqualTo(expectedFirst.toByteArray());
    FileRegion region = (FileRegion) messages.get(1);
    assertThat(region.position()).isEqualTo(200_000);
    assertThat(region.count()).isEqualTo(100_000);
    ByteArrayOutputStream expectedLast = new ByteArrayOutputStream();
    expectedLast.write(bytes, 10, 20);
    expectedLast.write(bytes, 390_000, 9_000);
    expectedLast.write(new byte[] {7, 7, 7});
    assertThat(readAll((ByteBuf) messages.get(2))).isEqualTo(expectedLast.toByteArray());

    // The copied spans gave their references back; the region holds one until it is sent.
    assertThat(open.refCnt()).isEqualTo(2);
    messages.forEach(ReferenceCountUtil::release);
    assertThat(open.refCnt()).isEqualTo(1);
    open.release();
  }

  @Test
  void forTlsEveryPartIsCopiedInOrderAndNoRegionIsLeft() throws Exception {
    byte[] bytes = new byte[400_000];
    new SplittableRandom(5).nextBytes(bytes);
    Path file = Files.write(dir.resolve("tls.parquet"), bytes);
    OpenFile open = new OpenFile(new FileVersion(file.toString(), bytes.length, "t"), FileChannel.open(file));
    long[][] spans = {{100, 3_000}, {200_000, 100_000}, {10, 20}};
    List<PagePart> parts = new java.util.ArrayList<>();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (long[] s : spans) {
      open.retain();
      parts.add(new PagePart.FileSpan(open, s[0], s[1]));
      expected.write(bytes, (int) s[0], (int) s[1]);
    }

    List<Object> messages = AnswerPayload.messages(UnpooledByteBufAllocator.DEFAULT, parts, true);

    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    for (Object m : messages) {
      assertThat(m).isInstanceOf(ByteBuf.class); // SslHandler refuses FileRegions
      sent.write(readAll((ByteBuf) m));
    }
    assertThat(sent.toByteArray()).isEqualTo(expected.toByteArray());
    assertThat(open.refCnt()).isEqualTo(1); // every span gave its reference back once copied
    messages.forEach(ReferenceCountUtil::release);
    open.release();
  }

  @Test
  void aSpanThatCannotBeReadGoesZeroCopyAndSplitsTheRun() throws Exception {
    byte[] bytes = new byte[10_000];
    Path file = Files.write(dir.resolve("short.parquet"), bytes);
    // The version claims more bytes than the file has, as after a truncation under the worker.
    OpenFile open = new OpenFile(new FileVersion(file.toString(), 20_000, "t"), FileChannel.open(file));
    List<PagePart> parts = new java.util.ArrayList<>();
    for (long[] s : new long[][] {{0, 100}, {15_000, 1_000}, {200, 100}}) {
      open.retain();
      parts.add(new PagePart.FileSpan(open, s[0], s[1]));
    }
    List<Object> messages = AnswerPayload.messages(UnpooledByteBufAllocator.DEFAULT, parts, false);
    assertThat(messages).hasSize(3);
    assertThat(((ByteBuf) messages.get(0)).readableBytes()).isEqualTo(100);
    assertThat(messages.get(1)).isInstanceOf(FileRegion.class);
    assertThat(((ByteBuf) messages.get(2)).readableBytes()).isEqualTo(100);
    messages.forEach(ReferenceCountUtil::release);
    assertThat(open.refCnt()).isEqualTo(1);
    open.release();
  }

  /**
   * A page of the page store leaves in a buffer whatever its length, never by {@code sendfile}:
   * the kernel would send the region file's cached pages by reference after the pin ended, and a
   * reused region would change them in flight (issue #11; end to end in StoredPageSendTest).
   */
  @Test
  void aLargePageOfThePageStoreIsCopiedNotSentFromTheRegionFile() throws Exception {
    byte[] page = new byte[200_000];
    new SplittableRandom(11).nextBytes(page);
    PageStoreConfig config = new PageStoreConfig(dir.resolve("cache"), 3L << 20, 1 << 20, EvictionPolicy.FIFO, false,
        8192, "answer-payload-test", false, false);
    try (PageStore store = PageStore.open(config)) {
      PageKey key = PageKey.of("f.parquet|t", 4);
      assertThat(store.put(key, ByteBuffer.wrap(page))).isTrue();
      PageHandle handle = store.get(key);
      assertThat(handle).isNotNull();

      List<Object> messages = AnswerPayload.messages(UnpooledByteBufAllocator.DEFAULT,
          List.of(new PagePart.Stored(handle)), false);

      assertThat(messages).hasSize(1);
      assertThat(messages.get(0)).isInstanceOf(ByteBuf.class);
      assertThat(readAll((ByteBuf) messages.get(0))).isEqualTo(page);
      messages.forEach(ReferenceCountUtil::release);
    }
  }

  private static byte[] readAll(ByteBuf buffer) {
    byte[] out = new byte[buffer.readableBytes()];
    buffer.getBytes(buffer.readerIndex(), out);
    return out;
  }
}
