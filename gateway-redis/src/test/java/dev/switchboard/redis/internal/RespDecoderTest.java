package dev.switchboard.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RespDecoderTest {

    static final String REPLIES = "+OK\r\n-NOAUTH Authentication required.\r\n:42\r\n:-1\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n"
            + "*3\r\n$9\r\nsubscribe\r\n$4\r\nchan\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$11\r\n{\"a\":\"\r\nb\"}\r\n*-1\r\n*0\r\n";

    @Test
    void decodesEveryReplyAPubSubRelayGetsWhateverTheReadBoundaries() {
        for (int chunk = 1; chunk <= REPLIES.length(); chunk++) {
            List<Object> got = decode(new RespDecoder(1024), REPLIES, chunk);
            assertThat(got).as("read in chunks of %d bytes", chunk).hasSize(11);
            assertThat(got.get(0)).isEqualTo("OK");
            assertThat(got.get(1)).isEqualTo(new RespDecoder.Error("NOAUTH Authentication required."));
            assertThat(got.get(2)).isEqualTo(42L);
            assertThat(got.get(3)).isEqualTo(-1L);
            assertThat(text(got.get(4))).isEqualTo("hello");
            assertThat(text(got.get(5))).isEmpty();
            assertThat(got.get(6)).isSameAs(RespDecoder.NULL);
            Object[] sub = (Object[]) got.get(7);
            assertThat(text(sub[0])).isEqualTo("subscribe");
            assertThat(text(sub[1])).isEqualTo("chan");
            assertThat(sub[2]).isEqualTo(1L);
            Object[] msg = (Object[]) got.get(8);
            assertThat(text(msg[0])).isEqualTo("message");
            assertThat(text(msg[2])).as("CRLF inside a bulk string is content").isEqualTo("{\"a\":\"\r\nb\"}");
            assertThat(got.get(9)).isSameAs(RespDecoder.NULL);
            assertThat((Object[]) got.get(10)).isEmpty();
        }
    }

    @Test
    void anOversizedPayloadIsSkippedAsItStreamsAndTheNextMessageIsIntact() {
        String big = "x".repeat(5000);
        String in = "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$5000\r\n" + big + "\r\n*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nok\r\n";
        for (int chunk : new int[] {1, 7, 100, 1000, in.length()}) {
            EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(100));
            List<Object> got = new ArrayList<>();
            int most = 0;
            for (int i = 0; i < in.length(); i += chunk) {
                ch.writeInbound(bytes(in.substring(i, Math.min(in.length(), i + chunk))));
                drain(ch, got);
                // Never more than one read's bytes held: the 5000 are not buffered.
                most = Math.max(most, cumulated(ch));
            }
            assertThat(got).as("chunks of %d", chunk).hasSize(2);
            assertThat(((Object[]) got.get(0))[2]).isSameAs(RespDecoder.OVERSIZED);
            assertThat(text(((Object[]) got.get(1))[2])).isEqualTo("ok");
            assertThat(most).as("bytes buffered at most, chunks of %d", chunk).isLessThanOrEqualTo(Math.max(chunk, 40));
            assertFalse(ch.finish());
        }
    }

    @Test
    void theLimitAppliesToThePayloadOnlyNotToTheKindOrChannelBeforeIt() {
        // A limit smaller than the channel's name still lets messages through, and skips only long payloads.
        String name = "switchboard:publish";
        String in = "*3\r\n$9\r\nsubscribe\r\n$19\r\n" + name + "\r\n:1\r\n"
                + "*3\r\n$7\r\nmessage\r\n$19\r\n" + name + "\r\n$4\r\nfits\r\n"
                + "*3\r\n$7\r\nmessage\r\n$19\r\n" + name + "\r\n$9\r\ntoo long!\r\n";
        List<Object> got = decode(new RespDecoder(4), in, 3);
        assertThat(got).hasSize(3);
        assertThat(text(((Object[]) got.get(0))[1])).isEqualTo(name);
        assertThat(text(((Object[]) got.get(1))[2])).isEqualTo("fits");
        assertThat(((Object[]) got.get(2))[2]).isSameAs(RespDecoder.OVERSIZED);
    }

    @Test
    void aStreamOutOfStepWithPubSubFailsInsteadOfBeingGuessedAt() {
        assertFails("*2\r\n*1\r\n:1\r\n:2\r\n", DecoderException.class, "nested array");
        assertFails("*17\r\n", DecoderException.class, "array length 17");
        assertFails("*2\r\n$70000\r\n", DecoderException.class, "bulk string of 70000 bytes before the end of an array");
        assertFails("%2\r\n", DecoderException.class, "not RESP2: type byte 0x25");
        assertFails(":12x\r\n", DecoderException.class, "RESP number with 0x78");
        assertFails("$3\r\nabcde\r\n", DecoderException.class, "not ended by CRLF");
        assertFails("+OK\n", DecoderException.class, "not ended by CRLF");
        assertFails("+" + "a".repeat(RespDecoder.MAX_LINE + 10), TooLongFrameException.class, "longer than");
    }

    private static void assertFails(String in, Class<? extends Throwable> type, String message) {
        EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(100));
        assertThatThrownBy(() -> ch.writeInbound(bytes(in))).as(in.substring(0, Math.min(20, in.length())))
                .isInstanceOf(type).hasMessageContaining(message);
        // Out of step: the rest is discarded, not parsed as if it were the start of a reply.
        ch.writeInbound(bytes(":1\r\n"));
        assertFalse(ch.finish());
    }

    private static List<Object> decode(RespDecoder decoder, String in, int chunk) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        List<Object> got = new ArrayList<>();
        for (int i = 0; i < in.length(); i += chunk) {
            ch.writeInbound(bytes(in.substring(i, Math.min(in.length(), i + chunk))));
            drain(ch, got);
        }
        assertFalse(ch.finish());
        return got;
    }

    private static void drain(EmbeddedChannel ch, List<Object> into) {
        Object o;
        while ((o = ch.readInbound()) != null) {
            into.add(o);
        }
    }

    /** Bytes the decoder holds between reads. */
    private static int cumulated(EmbeddedChannel ch) {
        RespDecoder d = ch.pipeline().get(RespDecoder.class);
        return d == null ? 0 : d.buffered();
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static String text(Object bulk) {
        return new String((byte[]) bulk, StandardCharsets.UTF_8);
    }
}
