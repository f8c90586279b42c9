package dev.switchboard.bench.jmh;

import dev.switchboard.core.internal.delivery.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Envelope encode: {@code {"channel":..,"message":..}} as one complete WebSocket text frame in a pooled
 * direct buffer ({@link Frames#envelope}), the one encode a broadcast pays (DESIGN §6).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {EventLoopThreads.EXECUTOR, EventLoopThreads.CLASS})
public class FramesBench {

    /** Size of the application's JSON message in bytes. */
    @Param({"100", "1000"})
    public int size;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private byte[] channel;
    private byte[] id;
    private byte[] message;

    @Setup
    public void setup() {
        channel = Frames.jsonString("live_streams");
        id = "17".getBytes(StandardCharsets.UTF_8);
        message = jsonOfSize(size);
    }

    /** Returns a JSON object {@code {"p":"xxx…"}} of exactly {@code n} bytes (n ≥ 8). */
    static byte[] jsonOfSize(int n) {
        char[] pad = new char[Math.max(0, n - 8)];
        Arrays.fill(pad, 'x');
        return ("{\"p\":\"" + new String(pad) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public int envelope() {
        ByteBuf frame = Frames.envelope(alloc, channel, null, message);
        int n = frame.readableBytes();
        frame.release();
        return n;
    }

    @Benchmark
    public int envelopeWithId() {
        ByteBuf frame = Frames.envelope(alloc, channel, id, message);
        int n = frame.readableBytes();
        frame.release();
        return n;
    }

    /** The channel name quoting that {@code Fanout.deliver(Delivery)} pays per message, on top of the envelope. */
    @Benchmark
    public int envelopeQuotingChannel() {
        ByteBuf frame = Frames.envelope(alloc, Frames.jsonString("live_streams"), null, message);
        int n = frame.readableBytes();
        frame.release();
        return n;
    }
}
