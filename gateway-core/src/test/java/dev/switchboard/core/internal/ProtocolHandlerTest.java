package dev.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.internal.session.Session;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtocolHandlerTest {

    static EmbeddedChannel channelWithSession() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProtocolHandler(
                WebSocketServerProtocolConfig.newBuilder().websocketPath("/").build()));
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
}
