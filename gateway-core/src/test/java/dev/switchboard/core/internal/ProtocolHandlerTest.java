package dev.switchboard.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.internal.session.Session;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtocolHandlerTest {

    static final int MAX = 32;

    static EmbeddedChannel channelWithSession() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProtocolHandler(
                WebSocketServerProtocolConfig.newBuilder().websocketPath("/").dropPongFrames(true).sendCloseFrame(null).build(), MAX));
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
    void aWholeTextFrameIsPassedOnAsItIsAndAJoinedMessageCarriesTheSession() {
        EmbeddedChannel ch = channelWithSession();
        Session s = Session.of(ch);
        ((TextWebSocketFrame) passOne(ch, new TextWebSocketFrame("{}"))).release(); // the first one finds the session

        s.idleSweep();
        int[] retains = {0};
        TextWebSocketFrame whole = new TextWebSocketFrame("{\"handler\":\"ping\"}") {
            @Override
            public TextWebSocketFrame retain() {
                retains[0]++;
                return super.retain();
            }
        };
        Object passed = passOne(ch, whole);
        assertThat(passed).isSameAs(whole);
        assertThat(retains[0]).as("not retained and released on the way (Netty's decode path does both)").isZero();
        assertThat(whole.refCnt()).isEqualTo(1);
        assertThat(s.idleSweep()).as("still a sign of life").isZero();
        whole.release();

        ch.writeInbound(new TextWebSocketFrame(false, 0, "{\"handler\""));
        Object joined = passOne(ch, new ContinuationWebSocketFrame(true, 0, ":\"ping\"}"));
        assertThat(joined).isInstanceOf(dev.switchboard.core.internal.codec.SessionTextFrame.class);
        assertThat(((dev.switchboard.core.internal.codec.SessionTextFrame) joined).session()).isSameAs(s);
        assertThat(((TextWebSocketFrame) joined).text()).isEqualTo("{\"handler\":\"ping\"}");
        ((TextWebSocketFrame) joined).release();
        assertThat((Object) ch.readInbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void aCloseFrameWrittenThroughItMarksTheSessionClosingAndCutsTheConnectionAfterTheGrace() {
        EmbeddedChannel ch = channelWithSession();
        ch.freezeTime();
        ((TextWebSocketFrame) passOne(ch, new TextWebSocketFrame("{}"))).release(); // the session is found
        ch.writeOutbound(new CloseWebSocketFrame(1001, "going away")); // as a host's handler might, with no listener
        assertThat(Session.of(ch).isClosing()).as("replies and fan-out, written below it, stop").isTrue();
        ch.advanceTimeBy(dev.switchboard.core.internal.delivery.Closer.GRACE_MILLIS - 1, java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("the client has the grace to answer").isTrue();
        ch.advanceTimeBy(1, java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).as("a closing session gets no keepalive: the grace ends it").isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void theClientsAnswerToOurCloseFrameClosesTheConnectionWithoutASecondCloseFrame() {
        EmbeddedChannel ch = channelWithSession();
        // Netty's handshaker, as after a real upgrade: it is what would answer a client's close frame.
        ch.attr(io.netty.util.AttributeKey.<io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker>valueOf(
                io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker.class, "HANDSHAKER"))
                .set(new io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13("ws://localhost/", null, false, MAX));
        ((TextWebSocketFrame) passOne(ch, new TextWebSocketFrame("{}"))).release();
        ch.writeOutbound(new CloseWebSocketFrame(1008, "rate limit exceeded"));
        CloseWebSocketFrame ours = ch.readOutbound();
        assertThat(ours.statusCode()).isEqualTo(1008);
        ours.release();

        ch.writeInbound(new CloseWebSocketFrame(1008, "")); // the client's answer
        ch.runPendingTasks();
        assertThat(ch.isOpen()).as("the closing handshake is done").isFalse();
        Object more;
        while ((more = ch.readOutbound()) != null) {
            assertThat(more).as("no second close frame").isNotInstanceOf(CloseWebSocketFrame.class);
            ReferenceCountUtil.release(more);
        }
        ch.finishAndReleaseAll();
    }

    private static Object passOne(EmbeddedChannel ch, WebSocketFrame f) {
        ch.writeInbound(f);
        return ch.readInbound();
    }

    @Test
    void everyKindOfFrameIsASignOfLifeAndPongsGoNoFurther() {
        EmbeddedChannel ch = channelWithSession(); // configured as the gateway does: pongs dropped
        Session s = Session.of(ch);
        s.idleSweep(); // the upgrade's sign of life, used up
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
        assertThat(data).isEqualTo(1); // the text frame joined with its continuation; the ping was answered here
        ch.finishAndReleaseAll();
    }

    @Test
    void fragmentsAreJoinedIntoOneMessageUpToTheLimit() {
        EmbeddedChannel ch = channelWithSession();
        List<Throwable> errors = new ArrayList<>();
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                errors.add(cause);
            }
        });
        ch.writeInbound(new TextWebSocketFrame(false, 0, "{\"a\":"));
        ch.writeInbound(new ContinuationWebSocketFrame(false, 0, "12345"));
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(new ContinuationWebSocketFrame(true, 0, "}"));
        TextWebSocketFrame joined = ch.readInbound();
        assertThat(joined.text()).isEqualTo("{\"a\":12345}");
        assertThat(joined.isFinalFragment()).isTrue();
        joined.release();

        // Exactly the limit passes; one byte more is refused, and the rest of that message is dropped.
        ch.writeInbound(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[MAX - 1])));
        ch.writeInbound(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[1])));
        BinaryWebSocketFrame full = ch.readInbound();
        assertThat(full.content().readableBytes()).isEqualTo(MAX);
        full.release();
        ch.writeInbound(new TextWebSocketFrame(false, 0, "x".repeat(MAX)));
        ch.writeInbound(new ContinuationWebSocketFrame(false, 0, "y"));
        assertThat(errors).singleElement().isInstanceOf(TooLongFrameException.class);
        ch.writeInbound(new ContinuationWebSocketFrame(false, 0, "more"));
        ch.writeInbound(new ContinuationWebSocketFrame(true, 0, "end"));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(errors).hasSize(1);

        // The next message is whole again; an unfinished one is released when the connection goes.
        ch.writeInbound(new TextWebSocketFrame("{}"));
        TextWebSocketFrame next = ch.readInbound();
        assertThat(next.text()).isEqualTo("{}");
        next.release();
        ch.writeInbound(new TextWebSocketFrame(false, 0, "{\"half"));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
