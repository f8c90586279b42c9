package dev.switchboard.core.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ServerFrameDecoder} against Netty's {@link WebSocket13FrameDecoder} with the gateway's settings: the
 * same bytes, cut at random places, must give the same frames, the same close frame and the same error, over
 * valid conversations and thousands of damaged ones.
 */
class ServerFrameDecoderTest {

    private static final int MAX = 70_000;

    /** What a decoder made of a byte stream: frames (kind, flags, payload), what it wrote, how it failed. */
    record Outcome(List<String> frames, List<String> written, String error, boolean open) {
    }

    /**
     * Buffers without leak tracking, for the thousands of streams below: the suite's paranoid leak detection
     * records each access, and unmasking eight bytes at a time makes that minutes. {@link #TRACKED} runs keep it.
     */
    private static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(true, true);
    private static final ByteBufAllocator TRACKED = ByteBufAllocator.DEFAULT;

    private static Outcome run(ChannelHandler decoder, byte[] stream, long seed, boolean readOnly) {
        return run(decoder, stream, seed, readOnly, UNTRACKED);
    }

    /**
     * Feeds {@code stream} in random cuts. The frames are kept until the end, so that later reads append to and
     * discard from the decoder's buffer while earlier frames still hold slices of it; then their contents are
     * read and every input buffer must have been released.
     */
    private static Outcome run(ChannelHandler decoder, byte[] stream, long seed, boolean readOnly, ByteBufAllocator alloc) {
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.config().setAllocator(alloc);
        List<WebSocketFrame> held = new ArrayList<>();
        List<ByteBuf> chunks = new ArrayList<>();
        String error = null;
        Random cuts = new Random(seed);
        int at = 0;
        while (at < stream.length && error == null) {
            int n = Math.min(stream.length - at, 1 + cuts.nextInt(cuts.nextInt(4) == 0 ? 8 : 2_000));
            ByteBuf chunk = alloc.directBuffer(n).writeBytes(stream, at, n);
            chunks.add(chunk);
            at += n;
            try {
                ch.writeInbound(readOnly ? chunk.asReadOnly() : chunk);
            } catch (CorruptedWebSocketFrameException e) {
                error = e.closeStatus().code() + " " + e.getMessage();
            }
            for (Object m; (m = ch.readInbound()) != null; ) {
                held.add((WebSocketFrame) m);
            }
        }
        List<String> frames = new ArrayList<>();
        for (WebSocketFrame f : held) {
            frames.add(f.getClass().getSimpleName() + " fin=" + f.isFinalFragment() + " rsv=" + f.rsv() + " "
                    + ByteBufUtil.hexDump(ByteBufUtil.getBytes(f.content()))); // one read: leak records per call
            f.release();
        }
        List<String> written = new ArrayList<>();
        for (Object m; (m = ch.readOutbound()) != null; ) {
            if (m instanceof CloseWebSocketFrame c) {
                written.add("close " + c.statusCode() + " " + c.reasonText());
            } else {
                written.add(m.getClass().getSimpleName() + " " + ((ByteBuf) m).readableBytes());
            }
            io.netty.util.ReferenceCountUtil.release(m);
        }
        boolean open = ch.isOpen();
        ch.finishAndReleaseAll();
        for (ByteBuf chunk : chunks) {
            assertThat(chunk.refCnt()).as("every input released, seed %d", seed).isZero();
        }
        return new Outcome(frames, written, error, open);
    }

    private static WebSocket13FrameDecoder netty() {
        return new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(MAX)
                .allowExtensions(false)
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                .closeOnProtocolViolation(true)
                .build());
    }

    private static Outcome sameAsNetty(byte[] stream, long seed) {
        if (seed < 50) { // a few with leak tracking: every slice and copy released
            assertThat(run(new ServerFrameDecoder(MAX), stream, seed, false, TRACKED))
                    .isEqualTo(strictCloseReason(run(netty(), stream, seed, false, TRACKED)));
        }
        Outcome expected = strictCloseReason(run(netty(), stream, seed, false));
        Outcome actual = run(new ServerFrameDecoder(MAX), stream, seed, false);
        assertThat(actual).as("seed %d, stream %s", seed, ByteBufUtil.hexDump(stream)).isEqualTo(expected);
        Outcome readOnly = run(new ServerFrameDecoder(MAX), stream, seed, true);
        assertThat(readOnly).as("read-only input, seed %d", seed).isEqualTo(expected);
        return actual;
    }

    /**
     * The one deliberate difference: Netty checks a close frame's reason without finishing the check, so a reason
     * that ends inside a UTF-8 sequence passes. RFC 6455 §8.1 and §7.1.6 want it refused; the gateway refuses it
     * (1007, as Netty refuses any other reason that is not UTF-8: after the client's close frame, no close frame
     * of its own, and the connection closed). Netty's outcome, so corrected.
     */
    static Outcome strictCloseReason(Outcome netty) {
        if (netty.frames().isEmpty()) {
            return netty;
        }
        String last = netty.frames().get(netty.frames().size() - 1);
        if (!last.startsWith("CloseWebSocketFrame ")) {
            return netty;
        }
        byte[] body = ByteBufUtil.decodeHexDump(last.substring(last.lastIndexOf(' ') + 1));
        if (body.length <= 2 || RequestParser.isUtf8(body, 2, body.length)) {
            return netty;
        }
        assertThat(netty.error()).isNull();
        return new Outcome(netty.frames().subList(0, netty.frames().size() - 1), List.of("EmptyByteBuf 0"),
                "1007 bytes are not UTF-8", false);
    }

    /** One client frame: the header as given, the payload masked with a random key. */
    static byte[] frame(Random r, int b0, byte[] payload, boolean masked, int lengthForm) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b0);
        int m = masked ? 0x80 : 0;
        int n = payload.length;
        if (lengthForm == 7 || (lengthForm == 0 && n < 126)) {
            out.write(m | Math.min(n, 125));
        } else if (lengthForm == 16 || (lengthForm == 0 && n <= 0xFFFF)) {
            out.write(m | 126);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(m | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) n >>> shift));
            }
        }
        byte[] key = new byte[4];
        r.nextBytes(key);
        if (masked) {
            out.write(key, 0, 4);
        }
        for (int i = 0; i < n; i++) {
            out.write(masked ? payload[i] ^ key[i & 3] : payload[i]);
        }
        return out.toByteArray();
    }

    private static byte[] randomPayload(Random r, int n) {
        byte[] p = new byte[n];
        if (r.nextBoolean()) {
            r.nextBytes(p);
        } else {
            for (int i = 0; i < n; i++) {
                p[i] = (byte) ('a' + r.nextInt(26));
            }
        }
        return p;
    }

    /**
     * Mostly small, as requests are; some with a 16-bit length and a few with a 64-bit one. (The suite runs with
     * paranoid leak detection, which records every access to a buffer: large payloads are slow to unmask there.)
     */
    private static int size(Random r) {
        int k = r.nextInt(100);
        return k < 10 ? 0 : k < 80 ? 1 + r.nextInt(125) : k < 97 ? 126 + r.nextInt(400)
                : k < 99 ? 1_000 + r.nextInt(2_000) : 65_536 + r.nextInt(100);
    }

    /** A conversation a well-behaved client might have: messages, some fragmented, pings, pongs, a close. */
    private static byte[] conversation(Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int messages = 1 + r.nextInt(8);
        for (int k = 0; k < messages; k++) {
            int opcode = r.nextBoolean() ? 1 : 2;
            int parts = r.nextInt(4) == 0 ? 2 + r.nextInt(3) : 1;
            for (int p = 0; p < parts; p++) {
                boolean fin = p == parts - 1;
                out.writeBytes(frame(r, (fin ? 0x80 : 0) | (p == 0 ? opcode : 0), randomPayload(r, size(r)), true, 0));
                if (r.nextInt(5) == 0) {
                    out.writeBytes(frame(r, 0x80 | (r.nextBoolean() ? 9 : 10), randomPayload(r, r.nextInt(126)), true, 0));
                }
            }
        }
        if (r.nextBoolean()) {
            byte[] reason = "bye \u00e9".getBytes(StandardCharsets.UTF_8);
            byte[] body = r.nextBoolean() ? new byte[0] : new byte[2 + reason.length];
            if (body.length > 0) {
                int code = new int[] {1000, 1001, 1008, 3000, 4999}[r.nextInt(5)];
                body[0] = (byte) (code >>> 8);
                body[1] = (byte) code;
                System.arraycopy(reason, 0, body, 2, reason.length);
            }
            out.writeBytes(frame(r, 0x88, body, true, 0));
            out.writeBytes(frame(r, 0x81, randomPayload(r, 5), true, 0)); // after the close: ignored
        }
        return out.toByteArray();
    }

    @Test
    void validConversationsGiveTheSameFrames() {
        for (long seed = 0; seed < 400; seed++) {
            Random r = new Random(seed);
            sameAsNetty(conversation(r), seed);
        }
    }

    @Test
    void damagedConversationsFailTheSameWay() {
        java.util.Set<String> errors = new java.util.TreeSet<>();
        for (long seed = 0; seed < 10_000; seed++) {
            Random r = new Random(seed);
            byte[] stream = conversation(r);
            int flips = 1 + r.nextInt(3);
            for (int i = 0; i < flips; i++) {
                // Mostly in the first bytes of a frame (its header), sometimes anywhere.
                int at = r.nextInt(4) == 0 ? r.nextInt(stream.length) : r.nextInt(Math.min(stream.length, 16));
                stream[at] ^= (byte) (1 << r.nextInt(8));
            }
            Outcome o = sameAsNetty(stream, seed);
            if (o.error() != null) {
                errors.add(o.error().replaceAll("[0-9]+$", "N"));
            }
        }
        // The damage reached every kind of check, not just one.
        assertThat(errors).contains("1002 received a frame that is not masked as expected",
                "1002 RSV != 0 and no extension negotiated, RSV:N", "1002 data frame using reserved opcode N",
                "1002 control frame using reserved opcode N", "1002 fragmented control frame",
                "1002 received continuation data frame outside fragmented message",
                "1002 received non-continuation data frame while inside fragmented message",
                "1002 invalid data frame length (not using minimal length encoding)");
    }

    @Test
    void everyRuleOfTheFramingIsCheckedAsNettyChecksIt() {
        Random r = new Random(7);
        byte[] text = "{\"handler\":\"ping\"}".getBytes(StandardCharsets.US_ASCII);
        List<byte[]> cases = List.of(
                frame(r, 0x81, text, false, 0),                        // not masked
                frame(r, 0xC1, text, true, 0),                         // RSV1 without an extension
                frame(r, 0x83, text, true, 0),                         // reserved data opcode
                frame(r, 0x8B, new byte[0], true, 0),                  // reserved control opcode
                frame(r, 0x09, new byte[0], true, 0),                  // fragmented ping
                frame(r, 0x89, new byte[126], true, 16),               // control frame over 125 bytes
                frame(r, 0x88, new byte[1], true, 0),                  // close with a one-byte body
                frame(r, 0x88, new byte[] {0x03, (byte) 0xEC}, true, 0), // close code 1004 (reserved)
                frame(r, 0x88, new byte[] {0x03, (byte) 0xE8, (byte) 0xC3, 0x28}, true, 0), // reason not UTF-8
                frame(r, 0x88, new byte[] {0x03, (byte) 0xE8, 'o', 'k', (byte) 0xE3, (byte) 0xA9}, true, 0), // ends mid-character
                frame(r, 0x80, text, true, 0),                         // continuation with nothing to continue
                concat(frame(r, 0x01, text, true, 0), frame(r, 0x81, text, true, 0)), // new message mid-message
                frame(r, 0x81, new byte[100], true, 16),               // 16-bit length for 100 bytes
                frame(r, 0x81, new byte[1000], true, 64),              // 64-bit length for 1,000 bytes
                frame(r, 0x82, new byte[MAX + 1], true, 0),            // past the maximum
                concat(frame(r, 0x88, new byte[0], true, 0), frame(r, 0x81, text, true, 0)), // data after close
                concat(frame(r, 0x81, text, true, 0), new byte[] {(byte) 0x81, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0}));
        for (int i = 0; i < cases.size(); i++) {
            for (long seed = 0; seed < 20; seed++) {
                sameAsNetty(cases.get(i), i * 100 + seed);
            }
        }
        Outcome truncated = run(new ServerFrameDecoder(MAX), cases.get(9), 0, false);
        assertThat(truncated.error()).isEqualTo("1007 bytes are not UTF-8");
        assertThat(run(netty(), cases.get(9), 0, false).error()).as("Netty lets it through").isNull();
        Outcome unmasked = run(new ServerFrameDecoder(MAX), cases.get(0), 0, false);
        assertThat(unmasked.error()).isEqualTo("1002 received a frame that is not masked as expected");
        assertThat(unmasked.written()).containsExactly("close 1002 received a frame that is not masked as expected");
        assertThat(unmasked.open()).isFalse();
    }

    @Test
    void aOneFrameMessageIsPassedOnWithoutACopyAndFragmentsAreCopied() {
        Random r = new Random(1);
        byte[] text = "{\"handler\":\"ping\",\"id\":1234567}".getBytes(StandardCharsets.US_ASCII);
        byte[] wire = concat(frame(r, 0x81, text, true, 0), frame(r, 0x01, text, true, 0), frame(r, 0x80, text, true, 0));
        ByteBuf in = Unpooled.directBuffer().writeBytes(wire);
        EmbeddedChannel ch = new EmbeddedChannel(new ServerFrameDecoder(MAX));
        ch.writeInbound(in);
        TextWebSocketFrame whole = ch.readInbound();
        WebSocketFrame first = ch.readInbound();
        WebSocketFrame last = ch.readInbound();
        String plain = new String(text, StandardCharsets.US_ASCII);
        assertThat(whole.text()).isEqualTo(plain);
        assertThat(first.content().toString(StandardCharsets.US_ASCII) + last.content().toString(StandardCharsets.US_ASCII))
                .isEqualTo(plain.repeat(2));
        assertThat(in.refCnt()).as("the decoder is done with it; the slice holds it").isEqualTo(1);
        assertThat(in.toString(6, text.length, StandardCharsets.US_ASCII)).as("unmasked where it lies").isEqualTo(plain);
        int second = 6 + text.length + 6;
        in.setByte(6, 'X');
        in.setByte(second, 'Y');
        in.setByte(second + text.length + 6, 'Z');
        assertThat(whole.content().getByte(0)).as("the read buffer's bytes, not a copy").isEqualTo((byte) 'X');
        assertThat(first.content().getByte(0)).as("a fragment: copied").isEqualTo((byte) '{');
        assertThat(last.content().getByte(0)).as("a fragment: copied").isEqualTo((byte) '{');
        first.release();
        last.release();
        whole.release();
        assertThat(in.refCnt()).as("freed with the last slice").isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void onAGatewayConnectionTextFramesCarryTheSessionAndOthersDoNot() {
        Random r = new Random(4);
        byte[] text = "{\"handler\":\"ping\"}".getBytes(StandardCharsets.US_ASCII);
        EmbeddedChannel ch = new EmbeddedChannel();
        dev.switchboard.core.internal.session.Session s = new dev.switchboard.core.internal.session.Session(
                ch, "c-1", null, null, "127.0.0.1", java.util.Map.of(), 10);
        ch.pipeline().addLast(new ServerFrameDecoder(MAX, s));
        ch.writeInbound(Unpooled.wrappedBuffer(concat(frame(r, 0x81, text, true, 0), frame(r, 0x82, text, true, 0),
                frame(r, 0x01, text, true, 0))));
        TextWebSocketFrame whole = ch.readInbound();
        WebSocketFrame binary = ch.readInbound();
        TextWebSocketFrame firstFragment = ch.readInbound();
        assertThat(whole).isInstanceOf(SessionTextFrame.class);
        assertThat(((SessionTextFrame) whole).session()).isSameAs(s);
        assertThat(whole.text()).isEqualTo(new String(text, StandardCharsets.US_ASCII));
        assertThat(binary).isNotInstanceOf(TextWebSocketFrame.class);
        assertThat(firstFragment).isInstanceOf(SessionTextFrame.class); // the protocol handler joins it
        whole.release();
        binary.release();
        firstFragment.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void theTextFramesOfOneReadShareOneClockReadingAndTheNextReadTakesANewOne() throws Exception {
        Random r = new Random(5);
        byte[] text = "{\"handler\":\"ping\"}".getBytes(StandardCharsets.US_ASCII);
        EmbeddedChannel ch = new EmbeddedChannel();
        dev.switchboard.core.internal.session.Session s = new dev.switchboard.core.internal.session.Session(
                ch, "c-2", null, null, "127.0.0.1", java.util.Map.of(), 10);
        ch.pipeline().addLast(new ServerFrameDecoder(MAX, s));
        byte[] third = frame(r, 0x81, text, true, 0);
        long before = System.nanoTime();
        // Two whole frames and the first half of a third in one read; the rest of the third in the next.
        ch.writeInbound(Unpooled.wrappedBuffer(concat(frame(r, 0x81, text, true, 0), frame(r, 0x81, text, true, 0),
                java.util.Arrays.copyOf(third, 10))));
        long between = System.nanoTime();
        Thread.sleep(2);
        ch.writeInbound(Unpooled.wrappedBuffer(java.util.Arrays.copyOfRange(third, 10, third.length)));
        long after = System.nanoTime();
        SessionTextFrame a = ch.readInbound();
        SessionTextFrame b = ch.readInbound();
        SessionTextFrame c = ch.readInbound();
        assertThat(a.receivedAt()).isBetween(before, between).isEqualTo(b.receivedAt());
        assertThat(c.receivedAt()).as("complete in the second read").isBetween(between + 2_000_000, after);
        a.release();
        b.release();
        c.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void aBufferSomeoneElseHoldsIsNotWrittenTo() {
        Random r = new Random(2);
        byte[] text = "{\"handler\":\"ping\"}".getBytes(StandardCharsets.US_ASCII);
        byte[] wire = frame(r, 0x81, text, true, 0);
        ByteBuf in = Unpooled.directBuffer().writeBytes(wire);
        EmbeddedChannel ch = new EmbeddedChannel(new ServerFrameDecoder(MAX));
        ch.writeInbound(in.retain()); // a host handler in front keeps it too
        TextWebSocketFrame f = ch.readInbound();
        assertThat(f.text()).isEqualTo(new String(text, StandardCharsets.US_ASCII));
        assertThat(ByteBufUtil.getBytes(in, 0, wire.length)).as("still as it came").isEqualTo(wire);
        f.release();
        assertThat(in.release()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void unmaskingMatchesTheKeyByteByByteAtEveryLength() {
        Random r = new Random(3);
        for (int n = 0; n < 40; n++) {
            byte[] plain = randomPayload(r, n);
            int mask = r.nextInt();
            ByteBuf b = Unpooled.buffer().writeBytes(new byte[3]);
            for (int i = 0; i < n; i++) {
                b.writeByte(plain[i] ^ (mask >>> (24 - 8 * (i % 4))));
            }
            ServerFrameDecoder.unmask(b, 3, n, mask);
            byte[] back = new byte[n];
            b.getBytes(3, back);
            assertThat(back).as("length %d", n).isEqualTo(plain);
            b.release();
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
