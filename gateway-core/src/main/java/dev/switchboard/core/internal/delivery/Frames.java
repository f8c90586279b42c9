package dev.switchboard.core.internal.delivery;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Builds complete server-to-client WebSocket text frames ({@code FIN}, opcode 1, unmasked, RFC 6455 §5.2)
 * holding {@code {"channel":<name>,"id":<id>,"message":<json>}}. The frame is built once and written to every
 * recipient as a retained duplicate, so Netty's frame encoder (which would allocate a header per write and
 * copy small payloads) is bypassed: a raw {@code ByteBuf} passes through it untouched.
 */
public final class Frames {

    private static final byte[] CHANNEL = bytes("{\"channel\":");
    private static final byte[] ID = bytes(",\"id\":");
    private static final byte[] MESSAGE = bytes(",\"message\":");

    private Frames() {
    }

    /** Returns {@code s} as a JSON string literal, quotes included, UTF-8. */
    public static byte[] jsonString(String s) {
        byte[] inner = JsonStringEncoder.getInstance().quoteAsUTF8(s);
        byte[] out = new byte[inner.length + 2];
        out[0] = '"';
        System.arraycopy(inner, 0, out, 1, inner.length);
        out[out.length - 1] = '"';
        return out;
    }

    /**
     * Returns a new frame; the caller owns it and releases it (or writes it, which releases it).
     *
     * @param channel the channel name as a JSON string literal ({@link #jsonString})
     * @param id the request id as JSON, or {@code null}
     * @param message one JSON value
     */
    public static ByteBuf envelope(ByteBufAllocator alloc, byte[] channel, byte[] id, byte[] message) {
        return writeEnvelope(alloc.directBuffer(envelopeSize(channel, id, message)), channel, id, message);
    }

    /** The size of the frame {@link #envelope(ByteBufAllocator, byte[], byte[], byte[])} builds, header included. */
    public static int envelopeSize(byte[] channel, byte[] id, byte[] message) {
        return frameSize(CHANNEL.length + channel.length + (id == null ? 0 : ID.length + id.length)
                + MESSAGE.length + message.length + 1);
    }

    /**
     * Appends the frame {@link #envelope(ByteBufAllocator, byte[], byte[], byte[])} builds to {@code out}, which has
     * room for {@link #envelopeSize} more bytes; returns {@code out}.
     */
    public static ByteBuf writeEnvelope(ByteBuf out, byte[] channel, byte[] id, byte[] message) {
        writeHeader(out, CHANNEL.length + channel.length + (id == null ? 0 : ID.length + id.length)
                + MESSAGE.length + message.length + 1);
        out.writeBytes(CHANNEL).writeBytes(channel);
        if (id != null) {
            out.writeBytes(ID).writeBytes(id);
        }
        return out.writeBytes(MESSAGE).writeBytes(message).writeByte('}');
    }

    /** As {@link #envelope(ByteBufAllocator, byte[], byte[], byte[])}, with an integer id written in decimal. */
    public static ByteBuf envelope(ByteBufAllocator alloc, byte[] channel, long id, byte[] message) {
        return writeEnvelope(alloc.directBuffer(envelopeSize(channel, id, message)), channel, id, message);
    }

    /** The size of the frame {@link #envelope(ByteBufAllocator, byte[], long, byte[])} builds, header included. */
    public static int envelopeSize(byte[] channel, long id, byte[] message) {
        return frameSize(CHANNEL.length + channel.length + ID.length + decimalLength(id) + MESSAGE.length
                + message.length + 1);
    }

    /** As {@link #writeEnvelope(ByteBuf, byte[], byte[], byte[])}, with an integer id written in decimal. */
    public static ByteBuf writeEnvelope(ByteBuf out, byte[] channel, long id, byte[] message) {
        writeHeader(out, CHANNEL.length + channel.length + ID.length + decimalLength(id) + MESSAGE.length
                + message.length + 1);
        out.writeBytes(CHANNEL).writeBytes(channel).writeBytes(ID);
        writeDecimal(out, id);
        return out.writeBytes(MESSAGE).writeBytes(message).writeByte('}');
    }

    /** Returns {@code {"channel":<channel>,"id":}, the start of a frame with an id, for {@link #joined}. */
    public static byte[] headWithId(byte[] channel) {
        return concat(CHANNEL, channel, ID);
    }

    /** Returns {@code ,"message":<message>}}, the end of a frame, for {@link #joined}. */
    public static byte[] messageTail(byte[] message) {
        return concat(MESSAGE, message, new byte[] {'}'});
    }

    /**
     * As {@link #envelope(ByteBufAllocator, byte[], long, byte[])} from parts joined beforehand (a constant
     * answer such as {@code pong}): two copies and the id's digits instead of six copies.
     *
     * @param head {@link #headWithId} of the channel name
     * @param tail {@link #messageTail} of the message
     */
    public static ByteBuf joined(ByteBufAllocator alloc, byte[] head, long id, byte[] tail) {
        return writeJoined(alloc.directBuffer(joinedSize(head, id, tail)), head, id, tail);
    }

    /** The size of the frame {@link #joined} builds, header included. */
    public static int joinedSize(byte[] head, long id, byte[] tail) {
        return frameSize(head.length + decimalLength(id) + tail.length);
    }

    /** Appends the frame {@link #joined} builds to {@code out}, which has room for {@link #joinedSize} more bytes. */
    public static ByteBuf writeJoined(ByteBuf out, byte[] head, long id, byte[] tail) {
        writeHeader(out, head.length + decimalLength(id) + tail.length);
        out.writeBytes(head);
        writeDecimal(out, id);
        return out.writeBytes(tail);
    }

    private static int frameSize(int payloadLength) {
        return headerLength(payloadLength) + payloadLength;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /**
     * Writes {@code n} in decimal ASCII, as JSON writes an integer, without an intermediate string. Up to eight
     * digits (ids below 100,000,000, the usual case) are packed into one {@code long} with int arithmetic and
     * stored at once when the buffer has eight bytes of room (the bytes past the digits are written as zeros,
     * beyond the writer index, where the next write goes); otherwise the digits are written one by one.
     */
    public static void writeDecimal(ByteBuf b, long n) {
        if (n < 0) {
            if (n == Long.MIN_VALUE) {
                b.writeCharSequence(Long.toString(n), java.nio.charset.StandardCharsets.US_ASCII);
                return;
            }
            b.writeByte('-');
            n = -n;
        }
        if (n < 100_000_000L && b.writableBytes() >= Long.BYTES) {
            int v = (int) n;
            int digits = digitsOf(v);
            long packed = 0;
            for (int i = 0; i < digits; i++) {
                int q = v / 10;
                packed |= (long) ('0' + v - q * 10) << (i << 3);
                v = q;
            }
            int at = b.writerIndex();
            b.setLong(at, packed << ((Long.BYTES - digits) << 3)); // big-endian: the first digit first
            b.writerIndex(at + digits);
            return;
        }
        int digits = decimalLength(n);
        int at = b.writerIndex() + digits;
        b.ensureWritable(digits);
        for (int i = 1; i <= digits; i++) {
            b.setByte(at - i, (int) ('0' + n % 10));
            n /= 10;
        }
        b.writerIndex(at);
    }

    /** The digits of {@code 0 <= v < 100,000,000}. */
    private static int digitsOf(int v) {
        return v < 10_000 ? (v < 100 ? (v < 10 ? 1 : 2) : (v < 1_000 ? 3 : 4))
                : (v < 1_000_000 ? (v < 100_000 ? 5 : 6) : (v < 10_000_000 ? 7 : 8));
    }

    /** The number of characters {@link #writeDecimal} writes for {@code n}. */
    static int decimalLength(long n) {
        if (n == Long.MIN_VALUE) {
            return 20;
        }
        if (n >= 0 && n < 100_000_000L) {
            return digitsOf((int) n);
        }
        int length = n < 0 ? 2 : 1;
        for (long v = Math.abs(n); v >= 10; v /= 10) {
            length++;
        }
        return length;
    }

    /** Returns a text frame holding {@code payload} (UTF-8 JSON) as it is. */
    public static ByteBuf text(ByteBufAllocator alloc, byte[] payload) {
        ByteBuf frame = alloc.directBuffer(headerLength(payload.length) + payload.length);
        writeHeader(frame, payload.length);
        return frame.writeBytes(payload);
    }

    /** Netty's wrapper of a buffer sampled by {@code SIMPLE} leak detection (package-private, so by name). */
    private static final Class<?> SIMPLE_LEAK_AWARE = classNamed("io.netty.buffer.SimpleLeakAwareByteBuf");

    /**
     * Returns {@code frame}, or an untracked copy of it (releasing {@code frame}) when Netty's default leak
     * detection ({@code SIMPLE}) sampled it. Every {@code retainedDuplicate()} of a sampled buffer is tracked on
     * its own, with a stack trace ({@code SimpleLeakAwareByteBuf.unwrappedDerived}): one broadcast in 128 cost
     * about 4 µs and 1.5 KB more per recipient (40 ms for 10,000), measured with {@code FanoutBench}. Copying a
     * frame of a few hundred bytes once per broadcast is nothing beside that. The stricter levels, which the test
     * suite runs under, use another wrapper and keep tracking every frame.
     */
    public static ByteBuf untracked(ByteBufAllocator alloc, ByteBuf frame) {
        if (SIMPLE_LEAK_AWARE == null || frame.getClass() != SIMPLE_LEAK_AWARE) {
            return frame;
        }
        ByteBuf copy = alloc.directBuffer(frame.readableBytes());
        try {
            copy.writeBytes(frame, frame.readerIndex(), frame.readableBytes());
        } finally {
            frame.release();
        }
        return copy; // sampled again with odds of 1 in 128: tracked then, as Netty would anyway
    }

    private static Class<?> classNamed(String name) {
        try {
            return Class.forName(name, false, ByteBuf.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return null; // another Netty: nothing to avoid
        }
    }

    static int headerLength(int payloadLength) {
        return payloadLength < 126 ? 2 : payloadLength <= 0xFFFF ? 4 : 10;
    }

    private static void writeHeader(ByteBuf frame, int length) {
        frame.writeByte(0x81); // FIN + text
        if (length < 126) {
            frame.writeByte(length);
        } else if (length <= 0xFFFF) {
            frame.writeByte(126).writeShort(length);
        } else {
            frame.writeByte(127).writeLong(length);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
