package dev.switchboard.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.switchboard.core.testing.FrameReader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ResourceLeakTracker;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FramesTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 90, 125, 126, 127, 65535, 65536, 200_000})
    void envelopeIsAValidTextFrameAtEveryLengthBoundary(int padding) {
        String message = "\"" + "a".repeat(padding) + "\"";
        ByteBuf frame = Frames.envelope(UnpooledByteBufAllocator.DEFAULT, Frames.jsonString("ch\"1"), "7".getBytes(),
                message.getBytes(StandardCharsets.UTF_8));
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.writeOutbound(frame);
        assertThat(FrameReader.texts(ch)).containsExactly("{\"channel\":\"ch\\\"1\",\"id\":7,\"message\":" + message + "}");
        assertFalse(ch.finish());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 90, 125, 126, 127, 65535, 65536})
    void envelopeWithAnIntegerIdIsTheSameFrame(int padding) {
        byte[] message = ("\"" + "a".repeat(padding) + "\"").getBytes(StandardCharsets.UTF_8);
        for (long id : new long[] {0, 7, -7, 1_000_003, 99_999_999, 100_000_000, Long.MAX_VALUE, Long.MIN_VALUE}) {
            ByteBuf digits = Frames.envelope(UnpooledByteBufAllocator.DEFAULT, Frames.jsonString("reply"), id, message);
            ByteBuf bytes = Frames.envelope(UnpooledByteBufAllocator.DEFAULT, Frames.jsonString("reply"),
                    Long.toString(id).getBytes(StandardCharsets.US_ASCII), message);
            ByteBuf joined = Frames.joined(UnpooledByteBufAllocator.DEFAULT,
                    Frames.headWithId(Frames.jsonString("reply")), id, Frames.messageTail(message));
            assertThat(ByteBufUtil.hexDump(digits)).as("id %d", id).isEqualTo(ByteBufUtil.hexDump(bytes));
            assertThat(ByteBufUtil.hexDump(joined)).as("joined, id %d", id).isEqualTo(ByteBufUtil.hexDump(bytes));
            assertThat(digits.writableBytes()).as("sized exactly").isZero();
            assertThat(joined.writableBytes()).as("joined, sized exactly").isZero();
            digits.release();
            bytes.release();
            joined.release();
        }
    }

    @Test
    void decimalsAreWrittenAsLongToStringWritesThem() {
        java.util.List<Long> numbers = new java.util.ArrayList<>(java.util.List.of(1_234_567_890_123L, 12_345_678L,
                87_654_321L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1));
        for (long p = 1; p <= 1_000_000_000_000L; p *= 10) { // every digit count, at both ends
            for (long n : new long[] {p - 1, p, p + 1, 2 * p - 1}) {
                numbers.add(n);
                numbers.add(-n);
            }
        }
        for (long n : numbers) {
            // Tight: grown as it goes, digit by digit. Roomy: eight bytes stored at once, with a byte after.
            ByteBuf tight = Unpooled.buffer(1).writeByte('x');
            ByteBuf roomy = Unpooled.buffer(64).writeByte('x');
            roomy.setBytes(1, new byte[63]);
            Frames.writeDecimal(tight, n);
            Frames.writeDecimal(roomy, n);
            roomy.writeByte('}');
            assertThat(tight.toString(StandardCharsets.US_ASCII)).as("tight").isEqualTo("x" + n);
            assertThat(roomy.toString(StandardCharsets.US_ASCII)).as("roomy").isEqualTo("x" + n + "}");
            assertThat(Frames.decimalLength(n)).as("length of %d", n).isEqualTo(Long.toString(n).length());
            tight.release();
            roomy.release();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 125, 126, 65535, 65536})
    void headerLengthFollowsRfc6455(int payload) {
        int expected = payload < 126 ? 2 : payload <= 65535 ? 4 : 10;
        assertThat(Frames.headerLength(payload)).isEqualTo(expected);
    }

    /** A no-op tracker, to build the wrapper Netty puts around a buffer its SIMPLE leak detection sampled. */
    static final class NoTracker implements ResourceLeakTracker<ByteBuf> {
        @Override
        public void record() {
        }

        @Override
        public void record(Object hint) {
        }

        @Override
        public boolean close(ByteBuf trackedObject) {
            return true;
        }
    }

    static ByteBuf sampled(ByteBuf buf) throws Exception {
        Constructor<?> c = Class.forName("io.netty.buffer.SimpleLeakAwareByteBuf")
                .getDeclaredConstructor(ByteBuf.class, ResourceLeakTracker.class);
        c.setAccessible(true);
        return (ByteBuf) c.newInstance(buf, new NoTracker());
    }

    @Test
    void aFrameSampledByTheDefaultLeakDetectorIsCopiedSoItsDuplicatesAreNotTrackedOneByOne() throws Exception {
        UnpooledByteBufAllocator plain = new UnpooledByteBufAllocator(true, true); // no leak detector of its own
        ByteBuf original = Frames.text(plain, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        String expected = original.toString(StandardCharsets.UTF_8);
        ByteBuf sampled = sampled(original);
        ByteBuf frame = Frames.untracked(plain, sampled);
        assertThat(frame).isNotSameAs(sampled);
        assertThat(frame.getClass().getSimpleName()).doesNotContain("LeakAware");
        assertThat(frame.toString(StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(original.refCnt()).as("the sampled frame went back").isZero();
        frame.release();

        ByteBuf unsampled = Frames.text(plain, "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(Frames.untracked(plain, unsampled)).as("any other frame is kept as it is").isSameAs(unsampled);
        unsampled.release();
    }
}
