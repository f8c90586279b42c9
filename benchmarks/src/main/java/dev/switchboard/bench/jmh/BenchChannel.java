package dev.switchboard.bench.jmh;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * An {@link EmbeddedChannel} whose writes and flushes go straight to the pipeline, as a socket channel's do
 * ({@code AbstractChannel}): EmbeddedChannel would also run its pending and scheduled tasks after each one,
 * a cost no real connection pays. Optionally reports a loop shared with its siblings, so that a registry
 * sees one event loop holding many sessions (EmbeddedChannels otherwise have one loop each).
 */
public final class BenchChannel extends EmbeddedChannel {

    private final EventLoop shared;

    /** A registered channel on its own loop. */
    public BenchChannel() {
        this(null);
    }

    /** A registered channel that reports {@code shared} as its loop ({@code null}: its own). */
    public BenchChannel(EventLoop shared) {
        super(false, false);
        this.shared = shared;
        try {
            register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public EventLoop eventLoop() {
        return shared != null ? shared : super.eventLoop();
    }

    @Override
    public ChannelFuture write(Object msg) {
        return pipeline().write(msg);
    }

    @Override
    public ChannelFuture write(Object msg, ChannelPromise promise) {
        return pipeline().write(msg, promise);
    }

    @Override
    public ChannelFuture writeAndFlush(Object msg) {
        return pipeline().writeAndFlush(msg);
    }

    @Override
    public ChannelFuture writeAndFlush(Object msg, ChannelPromise promise) {
        return pipeline().writeAndFlush(msg, promise);
    }

    @Override
    public Channel flush() {
        pipeline().flush();
        return this;
    }
}
