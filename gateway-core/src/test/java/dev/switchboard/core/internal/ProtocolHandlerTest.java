package dev.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.internal.session.Session;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtocolHandlerTest {

    static EmbeddedChannel channelWithSession() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProtocolHandler(
                WebSocketServerProtocolConfig.newBuilder().websocketPath("/").dropPongFrames(true).build()));
        ch.pipeline().removeFirst(); // Netty's handshake handler, which it adds in front; the upgrade is done
        ch.attr(Session.KEY).set(new Session(ch, "c-1", "u1", null, "127.0.0.1", Map.of(), 10));
        return ch;
    }

    @Test
    void theClientsCloseFrameMarksTheSessionClosingSoTheFanoutStops() {
        EmbeddedChannel ch = channelWithSession();
        ch.writeInbound(new TextWebSocketFrame("{}"));
        assertThat(Session.of(ch).isClosing()).as("a data frame changes nothing").isFalse();
        ((TextWebSocketFrame) ch.readInbound()).release();

        ch.writeInbound(new CloseWebSocketFrame(1000, "bye"));
        assertThat(Session.of(ch).isClosing()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void everyKindOfFrameIsASignOfLifeAndPongsGoNoFurther() {
        EmbeddedChannel ch = channelWithSession(); // configured as the gateway does: pongs dropped
        Session s = Session.of(ch);
        WebSocketFrame[] frames = {new PongWebSocketFrame(), new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1})),
                new TextWebSocketFrame(false, 0, "{\"handler\""), new ContinuationWebSocketFrame(true, 0, ":\"ping\"}")};
        for (WebSocketFrame f : frames) {
            assertThat(s.idleSweep()).isEqualTo(1); // silent since the last sweep
            ch.writeInbound(f);
            assertThat(s.idleSweep()).as(f.getClass().getSimpleName()).isZero();
        }
        Object passed;
        int data = 0;
        while ((passed = ch.readInbound()) != null) {
            assertThat(passed).isNotInstanceOf(PongWebSocketFrame.class);
            data++;
            ReferenceCountUtil.release(passed);
        }
        assertThat(data).isEqualTo(2); // the text frame and its continuation; the ping was answered here
        ch.finishAndReleaseAll();
    }
}
