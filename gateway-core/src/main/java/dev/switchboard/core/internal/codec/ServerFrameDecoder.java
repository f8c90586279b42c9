package dev.switchboard.core.internal.codec;

import dev.switchboard.core.internal.session.Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import java.util.List;

/**
 * Decodes the frames a client sends (RFC 6455 §5.2) as Netty's {@code WebSocket13FrameDecoder} does with the
 * gateway's settings (masked frames required, no extensions, a maximum payload, close on a protocol
 * violation), with the same frames out, the same checks in the same order and the same close codes and
 * reasons: a differential test ({@code ServerFrameDecoderTest}) holds it to that. One difference is deliberate:
 * a close frame's reason that ends inside a UTF-8 sequence is refused (1007), as RFC 6455 §8.1 wants; Netty
 * checks the reason without finishing the check and lets it through. It replaces Netty's decoder once the
 * handshake has put that in front of {@code HttpServerCodec}, where no byte can have reached it yet (behind a
 * separate {@code HttpRequestDecoder}, Netty's decoder is kept: it takes over what that decoder held).
 *
 * <p>The difference is where the payload goes. Netty copies every payload into a buffer of its own and unmasks
 * it there. Here a complete message in one frame (the usual request) is unmasked where it lies, in the buffer
 * the socket was read into, and passed on as a slice of it: no allocation and no copy. The slice lives while the
 * pipeline handles the frame ({@code jsonCodec} releases it once the request is dispatched), and the read buffer
 * is freed with the last slice (while one is out, the cumulator only appends past it and never discards read
 * bytes). A handler a host puts between {@code wsProtocol} and {@code jsonCodec} that keeps frames would keep
 * their read buffers (up to {@code max-frame-size} each) with them. The parts of a fragmented message are
 * copied, as Netty does, since they are kept until the message is complete and a slice would keep each part's
 * whole read buffer. A buffer that is read-only or held elsewhere too ({@code refCnt() > 1}) is not written to:
 * its frames are copied.
 *
 * <p>Per connection.
 */
public final class ServerFrameDecoder extends ByteToMessageDecoder implements WebSocketFrameDecoder {

    private static final int OPCODE_CONT = 0x0;
    private static final int OPCODE_TEXT = 0x1;
    private static final int OPCODE_BINARY = 0x2;
    private static final int OPCODE_CLOSE = 0x8;
    private static final int OPCODE_PING = 0x9;
    private static final int OPCODE_PONG = 0xA;

    private final long maxFramePayloadLength;
    /** Data frames of the message being received, 0 between messages. */
    private int fragments;
    private boolean receivedClose;
    private boolean corrupt;

    /** The connection's session, put on its text frames ({@link SessionTextFrame}); {@code null} outside the gateway. */
    private final Session session;
    /** The clock at the start of the current socket read (only with a session). */
    private long readAt;

    public ServerFrameDecoder(long maxFramePayloadLength) {
        this(maxFramePayloadLength, null);
    }

    public ServerFrameDecoder(long maxFramePayloadLength, Session session) {
        this.maxFramePayloadLength = maxFramePayloadLength;
        this.session = session;
    }

    /**
     * Around each socket read on a gateway connection: reads the clock once, for the text frames decoded from it
     * ({@link SessionTextFrame#receivedAt}: the rate limit and the dispatch timer need a reading per request, and
     * a read brings several when a client sends them in a burst), and gathers the replies to its requests into
     * one buffer, written when the read has been handled ({@link Session#startBatch}).
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        Session s = session;
        if (s == null) {
            super.channelRead(ctx, msg);
            return;
        }
        readAt = System.nanoTime();
        s.startBatch();
        try {
            super.channelRead(ctx, msg);
        } finally {
            s.endBatch();
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (receivedClose || corrupt) {
            in.skipBytes(in.readableBytes()); // nothing after a close frame or a violation is read
            return;
        }
        int readable = in.readableBytes();
        if (readable < 2) {
            return;
        }
        int start = in.readerIndex();
        int b0 = in.getByte(start);
        int b1 = in.getByte(start + 1);
        boolean fin = (b0 & 0x80) != 0;
        int rsv = (b0 & 0x70) >> 4;
        int opcode = b0 & 0x0F;
        int length1 = b1 & 0x7F;
        if (rsv != 0) {
            violation(ctx, in, "RSV != 0 and no extension negotiated, RSV:" + rsv);
        }
        if ((b1 & 0x80) == 0) {
            violation(ctx, in, "received a frame that is not masked as expected");
        }
        if (opcode > 7) {
            if (!fin) {
                violation(ctx, in, "fragmented control frame");
            }
            if (length1 > 125) {
                violation(ctx, in, "control frame with payload length > 125 octets");
            }
            if (opcode != OPCODE_CLOSE && opcode != OPCODE_PING && opcode != OPCODE_PONG) {
                violation(ctx, in, "control frame using reserved opcode " + opcode);
            }
            if (opcode == OPCODE_CLOSE && length1 == 1) {
                violation(ctx, in, "received close control frame with payload len 1");
            }
        } else {
            if (opcode != OPCODE_CONT && opcode != OPCODE_TEXT && opcode != OPCODE_BINARY) {
                violation(ctx, in, "data frame using reserved opcode " + opcode);
            }
            if (fragments == 0 && opcode == OPCODE_CONT) {
                violation(ctx, in, "received continuation data frame outside fragmented message");
            }
            if (fragments != 0 && opcode != OPCODE_CONT) {
                violation(ctx, in, "received non-continuation data frame while inside fragmented message");
            }
        }
        int header = 2;
        long length;
        if (length1 == 126) {
            if (readable < 4) {
                return;
            }
            length = in.getUnsignedShort(start + 2);
            if (length < 126) {
                violation(ctx, in, "invalid data frame length (not using minimal length encoding)");
            }
            header += 2;
        } else if (length1 == 127) {
            if (readable < 10) {
                return;
            }
            length = in.getLong(start + 2);
            if (length < 0) {
                violation(ctx, in, "invalid data frame length (negative length)");
            }
            if (length < 65536) {
                violation(ctx, in, "invalid data frame length (not using minimal length encoding)");
            }
            header += 8;
        } else {
            length = length1;
        }
        if (length > maxFramePayloadLength) {
            violation(ctx, in, WebSocketCloseStatus.MESSAGE_TOO_BIG,
                    "Max frame length of " + maxFramePayloadLength + " has been exceeded.");
        }
        header += 4; // the masking key
        if (readable - header < length) {
            return; // wait for the whole frame
        }
        int n = (int) length;
        int mask = in.getInt(start + header - 4);
        int at = start + header;
        in.readerIndex(at + n);
        ByteBuf payload;
        if (n == 0) {
            payload = Unpooled.EMPTY_BUFFER;
        } else if (fin && opcode != OPCODE_CONT && in.refCnt() == 1 && !in.isReadOnly()) {
            unmask(in, at, n, mask);
            payload = in.retainedSlice(at, n);
        } else {
            payload = ctx.alloc().buffer(n);
            payload.writeBytes(in, at, n);
            unmask(payload, payload.readerIndex(), n, mask);
        }
        switch (opcode) {
            case OPCODE_PING -> out.add(new PingWebSocketFrame(true, 0, payload));
            case OPCODE_PONG -> out.add(new PongWebSocketFrame(true, 0, payload));
            case OPCODE_CLOSE -> {
                receivedClose = true;
                checkCloseBody(ctx, payload);
                out.add(new CloseWebSocketFrame(true, 0, payload));
            }
            default -> {
                fragments = fin ? 0 : fragments + 1;
                out.add(opcode == OPCODE_TEXT ? textFrame(fin, payload)
                        : opcode == OPCODE_BINARY ? new BinaryWebSocketFrame(fin, 0, payload)
                        : new ContinuationWebSocketFrame(fin, 0, payload));
            }
        }
    }

    private TextWebSocketFrame textFrame(boolean fin, ByteBuf payload) {
        return session != null ? new SessionTextFrame(fin, 0, payload, session, readAt)
                : new TextWebSocketFrame(fin, 0, payload);
    }

    /** XORs {@code b[from, from + n)} with the masking key, eight bytes at a time (RFC 6455 §5.3). */
    static void unmask(ByteBuf b, int from, int n, int mask) {
        long mask8 = ((long) mask << 32) | (mask & 0xFFFFFFFFL);
        int i = 0;
        for (; i + Long.BYTES <= n; i += Long.BYTES) {
            b.setLong(from + i, b.getLong(from + i) ^ mask8);
        }
        for (; i < n; i++) {
            b.setByte(from + i, b.getByte(from + i) ^ (mask >>> (24 - ((i & 3) << 3))));
        }
    }

    /** A close frame's body: empty, or a valid status code and a UTF-8 reason (Netty's checks and codes). */
    private void checkCloseBody(ChannelHandlerContext ctx, ByteBuf payload) {
        if (!payload.isReadable()) {
            return;
        }
        int code = payload.getShort(payload.readerIndex()); // signed, as Netty reads it
        if (!WebSocketCloseStatus.isValidStatusCode(code)) {
            payload.release();
            violation(ctx, Unpooled.EMPTY_BUFFER, "Invalid close frame getStatus code: " + code);
        }
        int reason = payload.readableBytes() - 2;
        if (reason > 0) {
            byte[] bytes = new byte[reason];
            payload.getBytes(payload.readerIndex() + 2, bytes);
            if (!RequestParser.isUtf8(bytes, 0, reason)) {
                payload.release();
                violation(ctx, Unpooled.EMPTY_BUFFER, WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "bytes are not UTF-8");
            }
        }
    }

    private void violation(ChannelHandlerContext ctx, ByteBuf in, String reason) {
        violation(ctx, in, WebSocketCloseStatus.PROTOCOL_ERROR, reason);
    }

    /**
     * Drops everything the client sends from here on, answers with a close frame carrying {@code status} (none
     * after the client's own close frame), closes the connection once that is written and throws, as Netty's
     * decoder does.
     */
    private void violation(ChannelHandlerContext ctx, ByteBuf in, WebSocketCloseStatus status, String reason) {
        corrupt = true;
        in.skipBytes(in.readableBytes());
        if (session != null) {
            session.writeBatch(); // the replies to the frames before this one go first
            session.markClosing(); // no reply or fan-out frame after the close frame below
        }
        if (ctx.channel().isActive()) {
            Object close = receivedClose ? Unpooled.EMPTY_BUFFER : new CloseWebSocketFrame(status, reason);
            ctx.writeAndFlush(close).addListener(ChannelFutureListener.CLOSE);
        }
        throw new CorruptedWebSocketFrameException(status, reason);
    }
}
