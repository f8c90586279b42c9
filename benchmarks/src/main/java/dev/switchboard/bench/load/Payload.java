package dev.switchboard.bench.load;

import io.netty.buffer.ByteBuf;

/**
 * The broadcast payload: {@code {"s":<seq>,"t":<nanoTime>,"p":"xxx…"}} padded to the requested size; the
 * receiver finds {@code "s":} and {@code "t":} by scanning bytes, so decoding costs the load generator little.
 */
public final class Payload {

    private Payload() {
    }

    public static String json(long seq, long nanos, int size) {
        StringBuilder sb = new StringBuilder(size + 16).append("{\"s\":").append(seq).append(",\"t\":").append(nanos)
                .append(",\"p\":\"");
        int pad = size - sb.length() - 2;
        for (int i = 0; i < pad; i++) {
            sb.append('x');
        }
        return sb.append("\"}").toString();
    }

    /** Returns the non-negative integer after {@code "<key>":} in {@code b}, or -1. */
    public static long field(ByteBuf b, char key) {
        int end = b.writerIndex() - 4;
        for (int i = b.readerIndex(); i < end; i++) {
            if (b.getByte(i) == '"' && b.getByte(i + 1) == key && b.getByte(i + 2) == '"' && b.getByte(i + 3) == ':') {
                long v = 0;
                int j = i + 4;
                int digits = 0;
                for (; j < b.writerIndex(); j++) {
                    byte d = b.getByte(j);
                    if (d < '0' || d > '9') {
                        break;
                    }
                    v = v * 10 + (d - '0');
                    digits++;
                }
                return digits == 0 ? -1 : v;
            }
        }
        return -1;
    }
}
