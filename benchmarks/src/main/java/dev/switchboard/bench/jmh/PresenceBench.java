package dev.switchboard.bench.jmh;

import dev.switchboard.core.internal.session.PresenceTracker;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.spi.PresenceUpdate;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Map;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Presence bookkeeping under join/leave churn: each operation is one connection leaving and a new one
 * taking its place ({@code SessionRegistry.remove} + {@code add}, which drive {@link PresenceTracker}),
 * with {@code connections} sessions held on one event loop by {@code connections / 2} users (two tabs each).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {EventLoopThreads.EXECUTOR, EventLoopThreads.CLASS})
public class PresenceBench {

    @Param({"1000", "10000"})
    public int connections;

    private PresenceTracker tracker;
    private SessionRegistry registry;
    private BenchChannel[] channels;
    private Session[] sessions;
    private EmbeddedChannel home;
    private int next;
    private long generation;

    @Setup
    public void setup() throws Exception {
        tracker = new PresenceTracker();
        registry = new SessionRegistry(tracker);
        home = new EmbeddedChannel();
        EventLoop loop = home.eventLoop();
        channels = new BenchChannel[connections];
        sessions = new Session[connections];
        for (int i = 0; i < connections; i++) {
            channels[i] = new BenchChannel(loop);
            sessions[i] = session(i);
            registry.add(sessions[i]);
        }
    }

    private Session session(int i) {
        return new Session(channels[i], "c-" + (generation++), "u" + (i >> 1), null, "127.0.0.1", Map.of(), 40);
    }

    @TearDown
    public void tearDown() {
        if (registry.size() != connections) {
            throw new IllegalStateException("size " + registry.size());
        }
        home.finishAndReleaseAll();
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    /** One leave and one join; the oldest connection leaves, so its slot is the farthest from the end. */
    @Benchmark
    public int leaveAndJoin() {
        int i = next;
        next = i + 1 == connections ? 0 : i + 1;
        registry.remove(sessions[i]);
        Session s = session(i);
        sessions[i] = s;
        registry.add(s);
        return registry.size();
    }

    /** The presence read a newcomer pays ({@code Gateway.presenceForNewcomer}). */
    @Benchmark
    public int[] localCounts() {
        return tracker.local();
    }

    /** The per-tick hand-over to the broker after churn (most ticks see a few changes). */
    @Benchmark
    public PresenceUpdate churnThenDrain() {
        leaveAndJoin();
        return tracker.drain();
    }
}
