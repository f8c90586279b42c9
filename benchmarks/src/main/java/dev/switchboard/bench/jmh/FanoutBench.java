package dev.switchboard.bench.jmh;

import com.codahale.metrics.MetricRegistry;
import dev.switchboard.core.GatewayPipeline;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.delivery.Fanout;
import dev.switchboard.core.internal.delivery.Frames;
import dev.switchboard.core.internal.session.PresenceTracker;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.spi.Delivery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fan-out of one message to {@value #RECIPIENTS} sessions through the real {@link Fanout} and
 * {@link SessionRegistry}. Scores are per recipient ({@code @OperationsPerInvocation}), and so is
 * {@code gc.alloc.rate.norm} under {@code -prof gc}.
 *
 * <p>Every channel is a {@link BenchChannel} that reports one shared event loop, so the registry holds one
 * loop with all sessions (as one I/O thread of a server would) and the fan-out runs inline on the benchmark
 * thread. Each channel's pipeline has the handlers a live connection has after the upgrade
 * ({@link LivePipeline}), with a {@link Discard} at the head instead of the socket: the score is the gateway's
 * and Netty's per-recipient work, not the kernel's {@code write(2)}. JMH runs it on a FastThreadLocalThread
 * ({@link EventLoopThreads}), as an event loop would.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {EventLoopThreads.EXECUTOR, EventLoopThreads.CLASS})
public class FanoutBench {

    public static final int RECIPIENTS = 10_000;

    /** Size of the application's JSON message in bytes. */
    @Param({"100"})
    public int size;

    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final Discard sink = new Discard();
    private Fanout fanout;
    private ByteBuf frame;
    private Delivery delivery;
    private EmbeddedChannel home;

    @Setup
    public void setup() throws Exception {
        GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
        SessionRegistry registry = new SessionRegistry(new PresenceTracker());
        fanout = new Fanout(registry, metrics, PooledByteBufAllocator.DEFAULT, 100);
        LivePipeline.Shared shared = new LivePipeline.Shared(metrics, registry);
        home = new EmbeddedChannel();
        channels.add(home);
        EventLoop loop = home.eventLoop();
        for (int i = 0; i < RECIPIENTS; i++) {
            BenchChannel ch = new BenchChannel(loop);
            Session s = new Session(ch, "c-" + i, "u" + i, null, "127.0.0.1", Map.of(), 40);
            ch.attr(Session.KEY).set(s); // before the handlers, as the handshake does
            LivePipeline.install(ch, sink, shared);
            s.attachWire(ch.pipeline().context(GatewayPipeline.FLUSH_CONSOLIDATION)); // as the Dispatcher does
            registry.add(s);
            channels.add(ch);
        }
        if (registry.loops().size() != 1) {
            throw new IllegalStateException("expected one loop, got " + registry.loops().size());
        }
        byte[] message = FramesBench.jsonOfSize(size);
        frame = Frames.envelope(PooledByteBufAllocator.DEFAULT, Frames.jsonString("live_streams"), null, message);
        delivery = Delivery.toAll("live_streams", message, "bench");
    }

    @TearDown
    public void tearDown() {
        if (sink.writes == 0 || sink.writes != sink.flushes) {
            throw new IllegalStateException("writes " + sink.writes + ", flushes " + sink.flushes);
        }
        frame.release();
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    /** Runs what the loop would (the broadcast's later steps, one per pass, and its flushes) until it is done. */
    private void runLoop(long writesBefore) {
        long want = writesBefore + RECIPIENTS;
        for (int i = 0; sink.writes < want || sink.flushes < sink.writes; i++) {
            if (i > 100_000) {
                throw new IllegalStateException("the fan-out did not finish: " + (sink.writes - writesBefore)
                        + " of " + RECIPIENTS + " written, " + sink.flushes + " flushes for " + sink.writes);
            }
            home.runPendingTasks();
            home.runScheduledPendingTasks();
        }
    }

    /** The frame is already built: the per-recipient walk, write and flush alone. */
    @Benchmark
    @OperationsPerInvocation(RECIPIENTS)
    public long prebuiltFrame() {
        long before = sink.writes;
        fanout.deliver(Delivery.Target.ALL, null, frame.retainedDuplicate());
        runLoop(before);
        return sink.writes;
    }

    /** {@code Fanout.deliver(Delivery)}: encode once, then the walk (what a publish costs locally). */
    @Benchmark
    @OperationsPerInvocation(RECIPIENTS)
    public long delivery() {
        long before = sink.writes;
        fanout.deliver(delivery);
        runLoop(before);
        return sink.writes;
    }
}
