package dev.switchboard.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Presence;
import dev.switchboard.core.Transport;
import dev.switchboard.redis.testing.RedisServer;
import dev.switchboard.redis.testing.Resp;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;

/** The presence script against a real Redis, instance by instance, without gateways. */
class PresenceStoreIT {

    @RegisterExtension
    static final RedisServer redis = RedisServer.any();

    static RedissonClient client;

    @BeforeAll
    static void connect() {
        client = Redisson.create(ClientConfig.of(redis.options().build(), null, Transport.NIO, null));
    }

    @AfterAll
    static void close() {
        client.shutdown();
    }

    static PresenceStore store(String prefix, String id, long staleMillis, int batch) {
        return new PresenceStore(client, prefix, id, staleMillis, batch);
    }

    static PresenceStore.Result run(PresenceStore s, PresenceStore.Mode mode, int conns, Set<String> joined,
                                    Set<String> left) throws Exception {
        return s.run(mode, conns, joined, left).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void identitiesHeldByTwoInstancesCountOnceAndChangesAreIdempotent() throws Exception {
        String p = "p1:";
        PresenceStore a = store(p, "a", 60_000, 100);
        PresenceStore b = store(p, "b", 60_000, 100);
        run(a, PresenceStore.Mode.REBUILD, 2, Set.of("x", "y"), Set.of());
        assertThat(run(b, PresenceStore.Mode.REBUILD, 3, Set.of("y", "z"), Set.of()).presence())
                .isEqualTo(new Presence(3, 5));
        // The same join twice, a leave of something never held: nothing counted twice.
        run(a, PresenceStore.Mode.DELTA, 2, Set.of("x"), Set.of("nobody"));
        assertThat(run(a, PresenceStore.Mode.DELTA, 1, Set.of(), Set.of("y")).presence()).isEqualTo(new Presence(3, 4));
        assertThat(run(b, PresenceStore.Mode.DELTA, 1, Set.of(), Set.of("y", "z")).presence()).isEqualTo(new Presence(1, 2));
        assertThat(run(a, PresenceStore.Mode.LEAVE, 0, Set.of(), Set.of()).presence()).isEqualTo(new Presence(0, 1));
    }

    @Test
    void anInstanceRedisDoesNotKnowIsToldToRebuild() throws Exception {
        PresenceStore a = store("p2:", "a", 60_000, 100);
        assertThat(run(a, PresenceStore.Mode.DELTA, 1, Set.of("x"), Set.of()).presence()).isNull();
        assertThat(run(a, PresenceStore.Mode.REBUILD, 1, Set.of("x"), Set.of()).presence()).isEqualTo(new Presence(1, 1));
        try (Resp r = redis.resp()) {
            r.call("FLUSHDB"); // Redis restarted empty
        }
        assertThat(run(a, PresenceStore.Mode.HEARTBEAT, 0, Set.of(), Set.of()).presence()).isNull();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSilentInstanceIsReapedExactlyOnceInBatches() throws Exception {
        String p = "p3:";
        PresenceStore dead = store(p, "dead", 300, 10);
        Set<String> many = Set.copyOf(IntStream.range(0, 25).mapToObj(i -> "id" + i).toList());
        run(dead, PresenceStore.Mode.REBUILD, 30, many, Set.of());
        PresenceStore a = store(p, "a", 300, 10);
        PresenceStore b = store(p, "b", 300, 10);
        run(a, PresenceStore.Mode.REBUILD, 1, Set.of("id0", "mine"), Set.of());
        run(b, PresenceStore.Mode.REBUILD, 1, Set.of("theirs"), Set.of());
        assertThat(run(a, PresenceStore.Mode.DELTA, 1, Set.of(), Set.of()).presence()).isEqualTo(new Presence(27, 32));
        Thread.sleep(400); // "dead" is silent past its stale time; a and b keep syncing below

        long reaped = 0;
        for (int i = 0; i < 3; i++) {
            // Both survivors reap at once: SPOP hands each identity to one of them only.
            CompletableFuture<PresenceStore.Result> ra = a.run(PresenceStore.Mode.DELTA, 1, Set.of(), Set.of()).toCompletableFuture();
            CompletableFuture<PresenceStore.Result> rb = b.run(PresenceStore.Mode.DELTA, 1, Set.of(), Set.of()).toCompletableFuture();
            reaped += ra.get(5, TimeUnit.SECONDS).reaped() + rb.get(5, TimeUnit.SECONDS).reaped();
        }
        assertThat(reaped).isEqualTo(1);
        // id0 is still held by a; mine, theirs.
        assertThat(run(a, PresenceStore.Mode.DELTA, 1, Set.of(), Set.of()).presence()).isEqualTo(new Presence(3, 2));
        try (Resp r = redis.resp()) {
            assertThat(r.call("EXISTS", p + "{presence}:instance:dead")).isEqualTo(0L);
            assertThat((List<Object>) r.call("ZRANGE", p + "{presence}:instances", "0", "-1")).containsExactlyInAnyOrder("a", "b");
        }
    }

    @Test
    void batchesBoundTheWorkOfOneSync() throws Exception {
        String p = "p4:";
        PresenceStore dead = store(p, "dead", 200, 10);
        run(dead, PresenceStore.Mode.REBUILD, 25, Set.copyOf(IntStream.range(0, 25).mapToObj(i -> "d" + i).toList()), Set.of());
        Thread.sleep(300);
        PresenceStore a = store(p, "a", 200, 10);
        assertThat(run(a, PresenceStore.Mode.REBUILD, 0, Set.of(), Set.of()).presence().numOnline()).isEqualTo(15);
        assertThat(run(a, PresenceStore.Mode.DELTA, 0, Set.of(), Set.of()).presence().numOnline()).isEqualTo(5);
        PresenceStore.Result last = run(a, PresenceStore.Mode.DELTA, 0, Set.of(), Set.of());
        assertThat(last.presence()).isEqualTo(new Presence(0, 0));
        assertThat(last.reaped()).isEqualTo(1);
    }
}
