package dev.switchboard.bench.jmh;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

/**
 * Stands in for the socket at the head of a benchmark pipeline: releases every written message (the socket
 * would, once written) and swallows flushes, so a benchmark measures the gateway's code and not the kernel.
 * Counts what it saw so a benchmark can check it did the work.
 */
@Sharable
final class Discard extends ChannelOutboundHandlerAdapter {

    long writes;
    long flushes;
    long bytes;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        writes++;
        if (msg instanceof io.netty.buffer.ByteBuf b) {
            bytes += b.readableBytes();
        }
        ReferenceCountUtil.release(msg);
        promise.trySuccess();
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        flushes++;
    }
}
