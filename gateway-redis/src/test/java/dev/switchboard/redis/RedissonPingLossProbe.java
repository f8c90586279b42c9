package dev.switchboard.redis;

import org.redisson.Redisson;
import org.redisson.api.*;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.Config;
import java.util.concurrent.atomic.*;

/**
 * Not a test: a probe that shows Redisson losing pub/sub messages when it pings the subscribed connection
 * ({@code pingConnectionInterval}; {@code ClientConfig.ConnectionHook} now keeps the ping off subscription
 * connections and {@code SubscriptionPingIT} checks it). One client subscribes with the given
 * ping interval; another publishes 100-byte messages, 256 in flight, for the given seconds; it prints how many
 * PUBLISHes Redis acknowledged and how many the listener got. On 2026-11-27 against redis-server 7 on loopback
 * (Redisson 4.7.0, 20 s, ~850,000 messages a run): ping 200 ms lost 3; 1 s lost 1 and 0; 5 s lost 0 and 1;
 * ping off lost 0 in 5 runs; a 10 s run with a 10 ms ping lost 516 of 186,536, and 0 with the ping off. Run with a redis-server on PORT:
 * <pre>
 * java -cp gateway-server/target/switchboard.jar:gateway-redis/target/test-classes \
 *   dev.switchboard.redis.RedissonPingLossProbe PORT PING_MS SECONDS
 * </pre>
 */
public final class RedissonPingLossProbe {

    private RedissonPingLossProbe() {
    }

    public static void main(String[] a) throws Exception {
        int port = Integer.parseInt(a[0]);
        int ping = Integer.parseInt(a[1]);
        int seconds = Integer.parseInt(a[2]);
        Config sub = new Config();
        sub.useSingleServer().setAddress("redis://127.0.0.1:" + port).setPingConnectionInterval(ping).setRetryAttempts(0);
        Config pub = new Config();
        pub.useSingleServer().setAddress("redis://127.0.0.1:" + port).setPingConnectionInterval(0);
        RedissonClient s = Redisson.create(sub), p = Redisson.create(pub);
        AtomicLong got = new AtomicLong();
        s.getTopic("t", ByteArrayCodec.INSTANCE).addListener(byte[].class, (ch, m) -> got.incrementAndGet());
        RTopic t = p.getTopic("t", ByteArrayCodec.INSTANCE);
        byte[] msg = new byte[100];
        long sent = 0, end = System.nanoTime() + seconds * 1_000_000_000L;
        java.util.concurrent.Semaphore inflight = new java.util.concurrent.Semaphore(256);
        AtomicLong acked = new AtomicLong();
        while (System.nanoTime() < end) {
            inflight.acquire();
            t.publishAsync(msg).whenComplete((n, e) -> { inflight.release(); if (e == null) acked.incrementAndGet(); });
            sent++;
        }
        inflight.acquire(256);
        Thread.sleep(2000);
        System.out.println("ping=" + ping + " sent=" + sent + " acked=" + acked.get() + " received=" + got.get() + " lost=" + (acked.get() - got.get()));
        s.shutdown(); p.shutdown();
    }
}
