package dev.switchboard.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.switchboard.core.testing.FrameReader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
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
}
