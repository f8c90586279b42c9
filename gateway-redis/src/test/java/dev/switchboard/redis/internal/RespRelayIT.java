package dev.switchboard.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.Transport;
import dev.switchboard.redis.RedisOptions;
import dev.switchboard.redis.testing.RedisServer;
import dev.switchboard.redis.testing.Resp;
import io.netty.channel.EventLoopGroup;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The direct relay against a real Redis: what it publishes arrives in order and each publish is answered; a
 * message over the size limit is skipped; a password is sent; and the faults it claims to survive, injected:
 * Redis frozen (its pending publishes stay bounded and are reported, never lost silently) and Redis restarted
 * (it subscribes again by itself). Where no real Redis can be made to misbehave, a server socket of the test's
 * stands in: one that never answers, and a fake that answers the set-up and then sends an error.
 */
class RespRelayIT {

    static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final RedisServer redis = RedisServer.local();

    static EventLoopGroup loops;

    @BeforeAll
    static void loops() {
        loops = Transport.best().newGroup(2, "relay-it");
    }

    @AfterAll
    static void closeLoops() {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Records what the relay reports. */
    static final class Events implements RespRelay.Listener {
        final ConcurrentLinkedQueue<String> messages = new ConcurrentLinkedQueue<>();
        final AtomicLong published = new AtomicLong();
        final AtomicLong refusedByRedis = new AtomicLong();
        final AtomicLong unconfirmed = new AtomicLong();
        final AtomicInteger oversized = new AtomicInteger();
        final AtomicInteger resubscribed = new AtomicInteger();

        @Override
        public void onMessage(int index, byte[] payload) {
            messages.add(index + ":" + new String(payload, StandardCharsets.UTF_8));
        }

        @Override
        public void onOversized() {
            oversized.incrementAndGet();
        }

        @Override
        public void onPublished(boolean relayed) {
            (relayed ? published : refusedByRedis).incrementAndGet();
        }

        @Override
        public void onUnconfirmed(int n) {
            unconfirmed.addAndGet(n);
        }

        @Override
        public void onResubscribed() {
            resubscribed.incrementAndGet();
        }
    }

    static RespRelay start(RedisOptions o, Events events) {
        RespRelay r = new RespRelay(o, List.of(o.publishChannel(), "app"), o.publishChannel(), loops, Transport.best(),
                events);
        r.start();
        return r;
    }

    @Test
    void whatItPublishesArrivesInOrderAndRedisAnswersEach() throws Exception {
        RedisOptions o = redis.options().maxPendingPublishes(20_000).build();
        Events events = new Events();
        RespRelay relay = start(o, events);
        try (Resp app = redis.resp()) {
            await().atMost(WAIT).until(relay::healthy);
            for (int i = 0; i < 20_000; i++) {
                assertThat(relay.publish(("m" + i).getBytes(StandardCharsets.UTF_8))).isTrue();
            }
            // Answered means relayed: the application's message on another connection comes after all of them.
            await().atMost(WAIT).until(() -> events.published.get() == 20_000);
            app.call("PUBLISH", "app", "{\"from\":\"php\"}");
            await().atMost(WAIT).until(() -> events.messages.size() == 20_001);
            List<String> got = List.copyOf(events.messages);
            for (int i = 0; i < 20_000; i++) {
                assertThat(got.get(i)).isEqualTo("0:m" + i);
            }
            assertThat(got.get(20_000)).isEqualTo("1:{\"from\":\"php\"}");
            assertThat(events.unconfirmed.get() + events.refusedByRedis.get()).isZero();
            // Named connections, for CLIENT LIST on a shared Redis.
            assertThat((String) text(app.call("CLIENT", "LIST")))
                    .contains("name=switchboard-publisher").contains("name=switchboard-subscriber");
        } finally {
            relay.stop();
        }
    }

    @Test
    void aMessageOverTheLimitIsSkippedAndCountedAndTheNextOneArrives() throws Exception {
        RedisOptions o = redis.options().maxMessageSize(1024).build();
        Events events = new Events();
        RespRelay relay = start(o, events);
        try (Resp app = redis.resp()) {
            await().atMost(WAIT).until(relay::healthy);
            app.call("PUBLISH", "app", "x".repeat(300_000));
            app.call("PUBLISH", "app", "y".repeat(1024));
            await().atMost(WAIT).until(() -> events.messages.size() == 1);
            assertThat(events.messages.peek()).isEqualTo("1:" + "y".repeat(1024));
            assertThat(events.oversized.get()).isEqualTo(1);
            assertThat(relay.healthy()).isTrue();
        } finally {
            relay.stop();
        }
    }

    @Test
    void itAuthenticatesAndAWrongPasswordKeepsItDownAndRefusingPublishes() throws Exception {
        try (Resp admin = redis.resp()) {
            // No +ping: the relay's PINGs are refused, which must not be taken for a dead connection.
            admin.call("ACL", "SETUSER", "gateway", "on", ">s3cret", "&*", "+publish", "+subscribe", "+client");
            // A host name, resolved by Netty's asynchronous resolver (/etc/hosts), not on the loop.
            String byName = "redis://localhost:" + URI.create(redis.url()).getPort();
            Events good = new Events();
            Events bad = new Events();
            RespRelay right = start(redis.options().url(byName).username("gateway").password("s3cret")
                    .pingInterval(Duration.ofMillis(50)).build(), good);
            RespRelay wrong = start(redis.options().username("gateway").password("nope").build(), bad);
            try {
                await().atMost(WAIT).until(right::healthy);
                Thread.sleep(400); // several PINGs refused
                assertThat(right.healthy()).isTrue();
                assertThat(good.resubscribed.get()).isZero();
                assertThat(right.publish("hi".getBytes(StandardCharsets.UTF_8))).isTrue();
                await().atMost(WAIT).until(() -> good.messages.contains("0:hi"));
                await().atMost(WAIT).until(() -> good.published.get() == 1);
                assertThat(wrong.healthy()).isFalse();
                assertThat(wrong.publish("lost".getBytes(StandardCharsets.UTF_8))).isFalse();
                assertThat(bad.messages).isEmpty();
            } finally {
                right.stop();
                wrong.stop();
                admin.call("ACL", "DELUSER", "gateway");
            }
        }
    }

    @Test
    void whileRedisIsFrozenPendingPublishesStayBoundedAndAreReportedNotLostSilently() throws Exception {
        RedisOptions o = redis.options().maxPendingPublishes(100).timeout(Duration.ofMillis(400)).build();
        Events events = new Events();
        RespRelay relay = start(o, events);
        try (Resp admin = redis.resp()) {
            await().atMost(WAIT).until(relay::healthy);
            admin.call("CLIENT", "PAUSE", "2500", "ALL");
            int accepted = 0;
            for (int i = 0; i < 300; i++) {
                accepted += relay.publish(("p" + i).getBytes(StandardCharsets.UTF_8)) ? 1 : 0;
            }
            assertThat(accepted).as("accepted while Redis answers nothing").isEqualTo(100);
            // No answer within the timeout: the publisher is closed and its 100 reported unconfirmed.
            await().atMost(Duration.ofSeconds(2)).until(() -> !relay.healthy());
            long total = accepted;
            await().atMost(WAIT).until(() -> events.published.get() + events.unconfirmed.get() == total);
            assertThat(events.unconfirmed.get()).isEqualTo(100);
            // Redis thaws: the relay reopens and publishing works again, with room for 100 again.
            await().atMost(WAIT).until(relay::healthy);
            for (int i = 0; i < 100; i++) {
                assertThat(relay.publish(("after" + i).getBytes(StandardCharsets.UTF_8))).isTrue();
            }
            await().atMost(WAIT).until(() -> events.messages.contains("0:after99"));
            await().atMost(WAIT).until(() -> events.published.get() + events.unconfirmed.get() == 200);
            assertThat(events.unconfirmed.get()).isEqualTo(100);
        } finally {
            relay.stop();
        }
    }

    @Test
    void aConnectionSilentForAPingIntervalIsPingedAndClosedWhenRedisDoesNotAnswer() throws Exception {
        // Nothing published, nothing received: only the PINGs can notice that Redis stopped answering.
        RedisOptions o = redis.options().pingInterval(Duration.ofMillis(100)).timeout(Duration.ofSeconds(1)).build();
        Events events = new Events();
        RespRelay relay = start(o, events);
        try (Resp admin = redis.resp()) {
            await().atMost(WAIT).until(relay::healthy);
            Thread.sleep(500); // pinged and answered a few times: healthy connections stay open
            assertThat(relay.healthy()).isTrue();
            assertThat(events.resubscribed.get()).isZero();
            long paused = System.nanoTime();
            admin.call("CLIENT", "PAUSE", "5000", "ALL");
            // Found within pingInterval + timeout (1.1 s) of the last read; 3 s leaves room for a busy machine.
            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10)).until(() -> !relay.healthy());
            assertThat(Duration.ofNanos(System.nanoTime() - paused)).isLessThan(Duration.ofSeconds(3));
            await().atMost(WAIT).until(() -> relay.healthy() && events.resubscribed.get() >= 1);
            admin.call("PUBLISH", "app", "still here");
            await().atMost(WAIT).until(() -> events.messages.contains("1:still here"));
        } finally {
            relay.stop();
        }
    }

    @Test
    void afterRedisRestartsItSubscribesAgainByItself() throws Exception {
        RedisOptions o = redis.options().build();
        Events events = new Events();
        RespRelay relay = start(o, events);
        try {
            await().atMost(WAIT).until(relay::healthy);
            redis.stop();
            await().atMost(WAIT).until(() -> !relay.healthy());
            assertThat(relay.publish("down".getBytes(StandardCharsets.UTF_8))).isFalse();
            redis.start();
            await().atMost(WAIT).until(relay::healthy);
            assertThat(events.resubscribed.get()).isEqualTo(1);
            try (Resp app = redis.resp()) {
                app.call("PUBLISH", "app", "back");
                await().atMost(WAIT).until(() -> events.messages.contains("1:back"));
            }
        } finally {
            relay.stop();
        }
    }

    @Test
    void aServerThatNeverAnswersTheSetUpIsLeftAfterTheTimeoutAndTriedAgain() throws Exception {
        // Accepts and says nothing: each connection gives up after `timeout` and a new one is opened.
        try (ServerSocket mute = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            RedisOptions o = redis.options().url("redis://127.0.0.1:" + mute.getLocalPort())
                    .timeout(Duration.ofMillis(200)).build();
            RespRelay relay = start(o, new Events());
            List<Socket> accepted = new java.util.ArrayList<>();
            try {
                mute.setSoTimeout(10_000);
                for (int i = 0; i < 2; i++) {
                    accepted.add(mute.accept()); // the publisher's and the subscriber's first connections
                }
                for (Socket first : accepted) {
                    first.setSoTimeout(5_000);
                    InputStream in = first.getInputStream();
                    while (in.read() != -1) {
                        // its set-up commands, then the relay's close
                    }
                }
                accepted.add(mute.accept()); // and a new attempt
                assertThat(relay.healthy()).isFalse();
                assertThat(relay.publish("nobody".getBytes(StandardCharsets.UTF_8))).isFalse();
            } finally {
                relay.stop();
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aPublishRedisRefusesIsReportedAsNotRelayed() throws Exception {
        try (Resp admin = redis.resp()) {
            // May subscribe and name its connections, may not publish: Redis answers each PUBLISH with -NOPERM.
            admin.call("ACL", "SETUSER", "listener", "on", ">s3cret", "&*", "+subscribe", "+client", "+ping");
            Events events = new Events();
            RespRelay relay = start(redis.options().username("listener").password("s3cret").build(), events);
            try {
                await().atMost(WAIT).until(relay::healthy);
                for (int i = 0; i < 3; i++) {
                    assertThat(relay.publish(("no" + i).getBytes(StandardCharsets.UTF_8))).isTrue();
                }
                await().atMost(WAIT).until(() -> events.refusedByRedis.get() == 3);
                assertThat(events.published.get()).isZero();
                assertThat(events.messages).isEmpty();
                assertThat(relay.healthy()).as("a refused publish is not a broken connection").isTrue();
            } finally {
                relay.stop();
                admin.call("ACL", "DELUSER", "listener");
            }
        }
    }

    @Test
    void stopClosesBothConnectionsEvenOnesRedisNeverAnswered() throws Exception {
        // A server that accepts and says nothing: both connections wait in their set-up.
        try (ServerSocket mute = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            RedisOptions o = redis.options().url("redis://127.0.0.1:" + mute.getLocalPort()).timeout(Duration.ofSeconds(30))
                    .build();
            RespRelay relay = start(o, new Events());
            mute.setSoTimeout(5_000);
            Socket a = mute.accept();
            Socket b = mute.accept();
            assertThat(relay.healthy()).isFalse();
            relay.stop();
            for (Socket s : List.of(a, b)) {
                try (s) {
                    s.setSoTimeout(5_000);
                    InputStream in = s.getInputStream();
                    while (in.read() != -1) {
                        // CLIENT SETNAME, SUBSCRIBE: then the close
                    }
                }
            }
            assertThat(relay.publish("late".getBytes(StandardCharsets.UTF_8))).isFalse();
        }
        // And against Redis: no connection of the relay's is left.
        RespRelay relay = start(redis.options().build(), new Events());
        await().atMost(WAIT).until(relay::healthy);
        relay.stop();
        try (Resp admin = redis.resp()) {
            await().atMost(WAIT).until(() -> !((String) text(admin.call("CLIENT", "LIST"))).contains("name=switchboard-"));
        }
    }

    @Test
    void anErrorOnTheSubscribedConnectionClosesItAndItSubscribesAgain() throws Exception {
        // A Redis of our own that answers the set-up, then sends an error on the subscribed connection: no
        // real Redis does so unprompted, but one behind a proxy, or a future version, may.
        try (ServerSocket fake = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            fake.setSoTimeout(10_000);
            Events events = new Events();
            // No PING within the test: the fake answers the set-up only.
            RespRelay relay = start(redis.options().url("redis://127.0.0.1:" + fake.getLocalPort())
                    .pingInterval(Duration.ofMinutes(5)).build(), events);
            List<Socket> accepted = new java.util.ArrayList<>();
            try {
                Socket subscriber = FakeRedis.acceptBoth(fake, accepted);
                assertThat(subscriber).as("one of the two connections subscribed").isNotNull();
                await().atMost(WAIT).until(relay::healthy);

                subscriber.getOutputStream().write("-ERR injected\r\n".getBytes(StandardCharsets.US_ASCII));
                subscriber.setSoTimeout(5_000);
                assertThat(subscriber.getInputStream().read()).as("the relay closes that connection").isEqualTo(-1);
                Socket again = fake.accept();
                accepted.add(again);
                assertThat(FakeRedis.answerSetUp(again)).as("the new connection subscribes").isTrue();
                await().atMost(WAIT).until(() -> relay.healthy() && events.resubscribed.get() == 1);

                again.getOutputStream().write("*3\r\n$7\r\nmessage\r\n$3\r\napp\r\n$4\r\nback\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                await().atMost(WAIT).until(() -> events.messages.contains("1:back"));
            } finally {
                relay.stop();
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aPingRedisRefusesStopsThePingingAndTheConnectionsStayUp() throws Exception {
        // An ACL user without +ping: Redis answers PING with an error. The relay takes that for an answer (the
        // connection is alive), stops pinging, and neither closes the connection nor resubscribes.
        try (ServerSocket fake = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            fake.setSoTimeout(10_000);
            Events events = new Events();
            RespRelay relay = start(redis.options().url("redis://127.0.0.1:" + fake.getLocalPort())
                    .pingInterval(Duration.ofMillis(100)).timeout(Duration.ofSeconds(1)).build(), events);
            List<Socket> accepted = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicInteger pings = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> readers = new java.util.ArrayList<>();
            try {
                Socket subscriber = FakeRedis.acceptBoth(fake, accepted);
                assertThat(subscriber).isNotNull();
                for (Socket s : accepted) {
                    s.setSoTimeout(0);
                    Thread t = new Thread(() -> {
                        try {
                            while (true) {
                                List<String> cmd = FakeRedis.command(s.getInputStream());
                                if (cmd.get(0).equalsIgnoreCase("PING")) {
                                    pings.incrementAndGet();
                                    synchronized (s) {
                                        s.getOutputStream().write(("-NOPERM this user has no permissions to run the"
                                                + " 'ping' command\r\n").getBytes(StandardCharsets.US_ASCII));
                                    }
                                }
                            }
                        } catch (Exception e) {
                            // closed at the end of the test
                        }
                    }, "fake-redis-reader");
                    t.setDaemon(true);
                    t.start();
                    readers.add(t);
                }
                await().atMost(WAIT).until(relay::healthy);
                await().atMost(WAIT).until(() -> pings.get() >= 1);
                // Fifteen ping intervals, five times the PING timeout's worth of silence on a connection that
                // was still being pinged: no more PINGs than the one each connection may have had on its way.
                Thread.sleep(1_500);
                assertThat(pings.get()).as("PINGs after the refusal").isLessThanOrEqualTo(2);
                assertThat(relay.healthy()).isTrue();
                assertThat(events.resubscribed.get()).as("no connection was closed and set up again").isZero();
                synchronized (subscriber) {
                    subscriber.getOutputStream().write("*3\r\n$7\r\nmessage\r\n$3\r\napp\r\n$5\r\nstill\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                }
                await().atMost(WAIT).until(() -> events.messages.contains("1:still"));
            } finally {
                relay.stop();
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    /** Just enough of Redis's side of RESP for the relay's set-up. */
    static final class FakeRedis {

        /**
         * Accepts the relay's two connections (added to {@code accepted}), answers their set-up and returns the
         * one that subscribed, or {@code null}.
         */
        static Socket acceptBoth(ServerSocket fake, List<Socket> accepted) throws Exception {
            Socket subscriber = null;
            for (int i = 0; i < 2; i++) {
                Socket s = fake.accept();
                accepted.add(s);
                if (answerSetUp(s)) {
                    subscriber = s;
                }
            }
            return subscriber;
        }

        /**
         * Reads one connection's set-up commands and answers them as Redis would; returns whether it subscribed.
         */
        static boolean answerSetUp(Socket s) throws Exception {
            s.setSoTimeout(5_000);
            InputStream in = s.getInputStream();
            var out = s.getOutputStream();
            while (true) {
                List<String> cmd = command(in);
                String name = cmd.get(0).toUpperCase(java.util.Locale.ROOT);
                if (name.equals("SUBSCRIBE")) {
                    StringBuilder b = new StringBuilder();
                    for (int i = 1; i < cmd.size(); i++) {
                        String ch = cmd.get(i);
                        b.append("*3\r\n$9\r\nsubscribe\r\n$").append(ch.length()).append("\r\n").append(ch)
                                .append("\r\n:").append(i).append("\r\n");
                    }
                    out.write(b.toString().getBytes(StandardCharsets.US_ASCII));
                    return true;
                }
                if (!name.equals("CLIENT") && !name.equals("AUTH")) {
                    throw new AssertionError("the fake knows no set-up command " + cmd);
                }
                out.write("+OK\r\n".getBytes(StandardCharsets.US_ASCII));
                if (name.equals("CLIENT") && cmd.get(2).equals("switchboard-publisher")) {
                    return false;
                }
            }
        }

        /** One command: an array of bulk strings. */
        static List<String> command(InputStream in) throws Exception {
            String head = line(in);
            assertThat(head).startsWith("*");
            int n = Integer.parseInt(head.substring(1));
            List<String> args = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                int len = Integer.parseInt(line(in).substring(1));
                args.add(new String(in.readNBytes(len), StandardCharsets.UTF_8));
                line(in);
            }
            return args;
        }

        static String line(InputStream in) throws Exception {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c == -1) {
                    throw new java.io.EOFException("closed");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }
    }

    private static Object text(Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : reply;
    }
}
