package dev.switchboard.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.switchboard.core.testing.FrameReader;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.WrappedByteBuf;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;
import io.netty.channel.embedded.EmbeddedChannel;
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
    @ValueSource(ints = {0, 125, 126, 65535, 65536})
    void headerLengthFollowsRfc6455(int payload) {
        int expected = payload < 126 ? 2 : payload <= 65535 ? 4 : 10;
        assertThat(Frames.headerLength(payload)).isEqualTo(expected);
    }

    /** Hands out a leak-tracked (wrapped) buffer first, as Netty does for one allocation in 128, then plain ones. */
    static final class SampledFirst extends AbstractByteBufAllocator {
        // No leak detector of its own: the test decides which buffer is "sampled".
        final UnpooledByteBufAllocator plain = new UnpooledByteBufAllocator(true, true);
        final List<ByteBuf> handedOut = new ArrayList<>();

        SampledFirst() {
            super(true);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return plain.heapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf buf = plain.directBuffer(initialCapacity, maxCapacity);
            if (handedOut.isEmpty()) {
                buf = new WrappedByteBuf(buf) { };
            }
            handedOut.add(buf);
            return buf;
        }
    }

    @Test
    void aFrameSampledByTheDefaultLeakDetectorIsDrawnAgainSoItsDuplicatesAreNotTrackedOneByOne() {
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        try {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
            SampledFirst alloc = new SampledFirst();
            ByteBuf frame = Frames.text(alloc, "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(alloc.handedOut).hasSize(2);
            assertThat(frame).isSameAs(alloc.handedOut.get(1)).isNotInstanceOf(WrappedByteBuf.class);
            assertThat(alloc.handedOut.get(0).refCnt()).as("the sampled buffer went back").isZero();
            frame.release();

            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
            SampledFirst strict = new SampledFirst();
            ByteBuf tracked = Frames.text(strict, "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(strict.handedOut).as("stricter levels keep tracking every frame").hasSize(1);
            assertThat(tracked).isInstanceOf(WrappedByteBuf.class);
            tracked.release();
        } finally {
            ResourceLeakDetector.setLevel(before);
        }
    }
}
