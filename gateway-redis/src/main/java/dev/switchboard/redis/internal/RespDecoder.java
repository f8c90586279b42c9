package dev.switchboard.redis.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes the RESP2 replies a pub/sub relay receives: simple strings ({@link String}), errors
 * ({@link Error}), integers ({@link Long}), bulk strings ({@code byte[]}; a null bulk is {@link #NULL}) and
 * flat arrays of those ({@code Object[]}; a null array is {@link #NULL}).
 *
 * <p>A bulk string that ends its reply (the payload of a {@code message} push) and is longer than
 * {@code maxBulk} is never buffered: it is skipped as it streams in and stands as {@link #OVERSIZED} in its
 * place, so a message of any size costs at most one read buffer. The elements before it (message kind, channel
 * name) may be up to {@value #MAX_LINE} bytes whatever {@code maxBulk} is; longer, the connection is out of
 * step with what a relay asked for and decoding fails. So do nested arrays, arrays longer than
 * {@value #MAX_ARRAY} and lines longer than {@value #MAX_LINE} bytes: a subscriber never gets them.
 *
 * <p>One value is parsed only once it is complete in the cumulation (a partial one is parsed again when more
 * arrives; the values here are small or skipped, so that costs nothing that matters).
 */
final class RespDecoder extends ByteToMessageDecoder {

    /** A null bulk string or array. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "NULL";
        }
    };
    /** A bulk string longer than the limit, skipped. */
    static final Object OVERSIZED = new Object() {
        @Override
        public String toString() {
            return "OVERSIZED";
        }
    };

    /** An error reply: {@code -ERR ...}, {@code -NOAUTH ...}. */
    record Error(String message) {
    }

    static final int MAX_ARRAY = 16;
    static final int MAX_LINE = 64 * 1024;
    private static final Object INCOMPLETE = new Object();

    private final int maxBulk;
    /** Bytes of an oversized bulk string (and its CRLF) still to skip. */
    private long skipping;
    /** A value could not be decoded: the rest of the stream is discarded. */
    private boolean failed;

    /** @param maxBulk the longest bulk string kept; longer ones become {@link #OVERSIZED} */
    RespDecoder(int maxBulk) {
        if (maxBulk < 0) {
            throw new IllegalArgumentException("maxBulk: " + maxBulk + " (expected: >= 0)");
        }
        this.maxBulk = maxBulk;
    }

    /** Returns the bytes held until more arrive (tests: an oversized payload is never among them). */
    int buffered() {
        return actualReadableBytes();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes()); // out of step: nothing after can be trusted (the channel closes)
            return;
        }
        try {
            decodeAll(in, out);
        } catch (DecoderException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private void decodeAll(ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (skipping > 0) {
                int n = (int) Math.min(skipping, in.readableBytes());
                in.skipBytes(n);
                skipping -= n;
                continue;
            }
            int start = in.readerIndex();
            Object v = value(in, false, true);
            if (v == INCOMPLETE) {
                in.readerIndex(start);
                return;
            }
            out.add(v);
        }
    }

    /**
     * Parses one value at the reader index; {@link #INCOMPLETE} when more bytes are needed. Only a value that
     * ends its reply ({@code last}) may be a bulk string over the limit, skipped; one before it (a channel
     * name, a message kind) may be up to {@value #MAX_LINE} bytes, whatever the limit.
     */
    private Object value(ByteBuf in, boolean inArray, boolean last) {
        if (!in.isReadable()) {
            return INCOMPLETE;
        }
        byte type = in.readByte();
        int eol = lineEnd(in);
        if (eol < 0) {
            return INCOMPLETE;
        }
        switch (type) {
            case '+':
                return line(in, eol);
            case '-':
                return new Error(line(in, eol));
            case ':':
                return number(in, eol);
            case '$':
                return bulk(in, number(in, eol), last);
            case '*':
                if (inArray) {
                    throw new DecoderException("nested array in a pub/sub reply");
                }
                return array(in, number(in, eol));
            default:
                throw new DecoderException("not RESP2: type byte 0x" + Integer.toHexString(type & 0xff));
        }
    }

    private Object bulk(ByteBuf in, long length, boolean last) {
        if (length == -1) {
            return NULL;
        }
        if (length < 0) {
            throw new DecoderException("bulk length " + length);
        }
        if (last && length > maxBulk) {
            skipping = length + 2; // decode() skips it
            return OVERSIZED;
        }
        if (!last && length > MAX_LINE) {
            throw new DecoderException("bulk string of " + length + " bytes before the end of an array");
        }
        if (in.readableBytes() < length + 2) {
            return INCOMPLETE;
        }
        byte[] b = new byte[(int) length];
        in.readBytes(b);
        crlf(in);
        return b;
    }

    private Object array(ByteBuf in, long length) {
        if (length == -1) {
            return NULL;
        }
        if (length < 0 || length > MAX_ARRAY) {
            throw new DecoderException("array length " + length + " (expected: -1 to " + MAX_ARRAY + ")");
        }
        Object[] a = new Object[(int) length];
        for (int i = 0; i < a.length; i++) {
            Object v = value(in, true, i == a.length - 1);
            if (v == INCOMPLETE) {
                return INCOMPLETE;
            }
            a[i] = v;
        }
        return a;
    }

    /** Returns the index of the line's CR, with the reader index just past the type byte; -1 when incomplete. */
    private static int lineEnd(ByteBuf in) {
        int from = in.readerIndex();
        int to = Math.min(in.writerIndex(), from + MAX_LINE + 2);
        int lf = in.indexOf(from, to, (byte) '\n');
        if (lf < 0) {
            if (to - from > MAX_LINE) {
                throw new TooLongFrameException("RESP line longer than " + MAX_LINE + " bytes");
            }
            return -1;
        }
        if (lf == from || in.getByte(lf - 1) != '\r') {
            throw new DecoderException("RESP line not ended by CRLF");
        }
        return lf - 1;
    }

    private static String line(ByteBuf in, int cr) {
        String s = in.toString(in.readerIndex(), cr - in.readerIndex(), StandardCharsets.UTF_8);
        in.readerIndex(cr + 2);
        return s;
    }

    private static long number(ByteBuf in, int cr) {
        int i = in.readerIndex();
        boolean negative = i < cr && in.getByte(i) == '-';
        if (negative) {
            i++;
        }
        if (i == cr || cr - i > 18) {
            throw new DecoderException("RESP number of " + (cr - in.readerIndex()) + " characters");
        }
        long n = 0;
        for (; i < cr; i++) {
            byte d = in.getByte(i);
            if (d < '0' || d > '9') {
                throw new DecoderException("RESP number with 0x" + Integer.toHexString(d & 0xff));
            }
            n = n * 10 + (d - '0');
        }
        in.readerIndex(cr + 2);
        return negative ? -n : n;
    }

    private static void crlf(ByteBuf in) {
        if (in.readByte() != '\r' || in.readByte() != '\n') {
            throw new DecoderException("bulk string not ended by CRLF");
        }
    }
}
