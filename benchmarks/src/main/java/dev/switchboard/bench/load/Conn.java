package dev.switchboard.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * One client connection: performs the upgrade, then hands every text frame to the scenario. Its mutable
 * fields belong to the connection's event loop.
 */
public final class Conn extends SimpleChannelInboundHandler<Object> {

    /** What a scenario does with connections; every method runs on the connection's event loop. */
    public interface Listener {
        void onOpen(Conn c);

        void onText(Conn c, ByteBuf content);

        /** The frames of one socket read have all been handed to {@link #onText}. */
        default void onReadComplete(Conn c) {
        }

        default void onFail(Conn c, String reason) {
        }

        default void onClose(Conn c) {
        }

        /** A listener that runs {@code onOpen}, ignores text and counts failures in {@code failed[0]}. */
        static Listener counting(int[] failed, java.util.function.Consumer<Conn> onOpen) {
            return new Listener() {
                @Override
                public void onOpen(Conn c) {
                    onOpen.accept(c);
                }

                @Override
                public void onText(Conn c, ByteBuf content) {
                }

                @Override
                public void onFail(Conn c, String reason) {
                    synchronized (failed) {
                        failed[0]++;
                    }
                }
            };
        }
    }

    public final int index;
    final WebSocketClientHandshaker handshaker;
    private final Listener listener;
    /** When connect() was called, System.nanoTime(). */
    public final long startedNanos;
    /** When the channel was registered on its loop (connect() is called right after), System.nanoTime(). */
    public volatile long registeredNanos;
    /** When the TCP connection was established (channelActive), System.nanoTime(). */
    public volatile long activeNanos;
    /** When the upgrade request had been written to the socket, System.nanoTime(). */
    public volatile long sentNanos;
    /** When the 101 response had been read, System.nanoTime(). */
    public volatile long openedNanos;
    public volatile boolean open;
    private boolean failed;
    Channel channel;

    // Scenario state, touched on the event loop only.
    public long received;
    public long[] ring;
    public int head;
    public int tail;
    public long nextId;
    /** Set once the connection may send requests (the request scenario). */
    public volatile boolean ready;
    /** Requests written since the last flush (the request scenario with {@code --flush=read}). */
    public boolean unflushed;

    Conn(int index, WebSocketClientHandshaker handshaker, Listener listener, long startedNanos) {
        this.index = index;
        this.handshaker = handshaker;
        this.listener = listener;
        this.startedNanos = startedNanos;
    }

    public Channel channel() {
        return channel;
    }

    /** Sends a text frame and flushes; any thread. */
    public void send(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text), channel.voidPromise());
    }

    public void send(ByteBuf text) {
        channel.writeAndFlush(new TextWebSocketFrame(text), channel.voidPromise());
    }

    /** Queues a text frame of UTF-8 bytes without flushing (pipelining); takes ownership; event loop only. */
    public void write(ByteBuf utf8) {
        channel.write(new TextWebSocketFrame(utf8), channel.voidPromise());
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
        registeredNanos = System.nanoTime();
        ctx.fireChannelRegistered();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        activeNanos = System.nanoTime();
        handshaker.handshake(channel).addListener(f -> {
            if (f.isSuccess()) {
                sentNanos = System.nanoTime();
            }
        });
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
        if (!handshaker.isHandshakeComplete()) {
            if (msg instanceof FullHttpResponse res) {
                try {
                    handshaker.finishHandshake(ctx.channel(), res);
                    openedNanos = System.nanoTime();
                    open = true;
                    listener.onOpen(this);
                } catch (RuntimeException e) {
                    fail("http " + res.status().code());
                    ctx.close();
                }
            }
            return;
        }
        if (msg instanceof TextWebSocketFrame text) {
            listener.onText(this, text.content());
        } else if (msg instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()), ctx.voidPromise());
        } else if (msg instanceof CloseWebSocketFrame) {
            ctx.close();
        } else if (!(msg instanceof WebSocketFrame)) {
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (open) {
            listener.onReadComplete(this);
        }
        ctx.fireChannelReadComplete();
    }

    void fail(String reason) {
        if (!failed && !open) {
            failed = true;
            listener.onFail(this, reason);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!open) {
            fail("closed before upgrade");
        } else {
            open = false;
            listener.onClose(this);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause.getClass().getSimpleName());
        ctx.close();
    }
}
