package dev.switchboard.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/** Decodes what the server wrote to an {@code EmbeddedChannel} with Netty's own client-side frame decoder. */
public final class FrameReader {

    private FrameReader() {
    }

    /** Returns every outbound text frame's text; close frames become {@code close:<code>}, pings {@code ping}. Releases all. */
    public static List<String> texts(EmbeddedChannel server) {
        List<String> out = new ArrayList<>();
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(
                WebSocketDecoderConfig.newBuilder().expectMaskedFrames(false).maxFramePayloadLength(1 << 24).build()));
        Object msg;
        while ((msg = server.readOutbound()) != null) {
            if (msg instanceof ByteBuf buf) {
                client.writeInbound(buf);
            } else if (msg instanceof TextWebSocketFrame t) {
                out.add(t.text());
                t.release();
            } else if (msg instanceof CloseWebSocketFrame c) {
                out.add("close:" + c.statusCode());
                c.release();
            } else {
                out.add(msg.getClass().getSimpleName());
                ReferenceCountUtil.release(msg);
            }
            Object frame;
            while ((frame = client.readInbound()) != null) {
                if (frame instanceof TextWebSocketFrame t) {
                    out.add(t.text());
                } else if (frame instanceof PingWebSocketFrame) {
                    out.add("ping");
                }
                ReferenceCountUtil.release(frame);
            }
        }
        client.finishAndReleaseAll();
        return out;
    }
}
