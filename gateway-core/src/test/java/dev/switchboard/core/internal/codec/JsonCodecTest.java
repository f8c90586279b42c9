package dev.switchboard.core.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.testing.FrameReader;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

    final GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());

    @Test
    void textFrameBecomesARequest() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(metrics));
        ch.writeInbound(new TextWebSocketFrame("{\"handler\":\"ping\",\"id\":1}"));
        ObjectNode request = ch.readInbound();
        assertThat(request.path("handler").asText()).isEqualTo("ping");
        assertThat(metrics.messagesIn.getCount()).isEqualTo(1);
        assertFalse(ch.finish());
    }

    @Test
    void badJsonIsAnsweredAndNothingGoesOn() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(metrics));
        ch.writeInbound(new TextWebSocketFrame("{\"handler\":"));
        ch.writeInbound(new TextWebSocketFrame("{\"no\":\"handler\"}"));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(FrameReader.texts(ch)).hasSize(2).allSatisfy(t -> assertThat(t).contains("\"code\":\"bad_request\""));
        assertThat(ch.isActive()).isTrue();
        assertFalse(ch.finish());
    }

    @Test
    void binaryFrameCloses1003AndPongsAreSwallowed() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(metrics));
        ch.writeInbound(new PongWebSocketFrame());
        ch.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1})));
        assertThat(FrameReader.texts(ch)).containsExactly("close:1003");
        ch.runPendingTasks();
        assertFalse(ch.finish());
    }

    @Test
    void tooLongFragmentedMessageCloses1009() {
        EmbeddedChannel ch = new EmbeddedChannel(new JsonCodec(metrics));
        ch.pipeline().fireExceptionCaught(new TooLongFrameException("too long"));
        assertThat(FrameReader.texts(ch)).containsExactly("close:1009");
        assertFalse(ch.finish());
    }
}
