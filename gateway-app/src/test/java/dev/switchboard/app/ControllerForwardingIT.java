package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.app.testing.LeakWatch;
import dev.switchboard.app.testing.Php;
import dev.switchboard.app.testing.TestBackend;
import dev.switchboard.app.testing.TestBackend.Answer;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.auth.JwtAuthenticator;
import dev.switchboard.core.testing.RunningGateway;
import dev.switchboard.core.testing.Tokens;
import dev.switchboard.core.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Controller forwarding against a real HTTP application and a real gateway. */
class ControllerForwardingIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private TestBackend app;
    private AppClient client;
    private RunningGateway gw;

    @BeforeEach
    void setUp() throws Exception {
        app = new TestBackend();
        // An echo module: answers what it got, plus the path it was called on.
        app.route("/", r -> {
            JsonNode in = MAPPER.readTree(r.body());
            Map<String, Object> out = new HashMap<>();
            out.put("path", r.path());
            out.put("got", in);
            return Answer.json(200, MAPPER.writeValueAsString(out));
        });
    }

    @AfterEach
    void tearDown() throws Exception {
        if (gw != null) {
            gw.close();
        }
        if (client != null) {
            client.close();
        }
        app.close();
    }

    @AfterAll
    static void noLeaks() throws Exception {
        LeakWatch.assertNoLeaks();
    }

    private void start(String backend, Consumer<AppClient.Builder> clientOptions,
                       Consumer<ControllerForwarder.Builder> options) throws Exception {
        AppClient.Builder cb = AppClient.builder().secret(TestBackend.SECRET).responseTimeout(Duration.ofSeconds(3));
        clientOptions.accept(cb);
        client = cb.build();
        ControllerForwarder.Builder fb = ControllerForwarder.builder(client, backend);
        options.accept(fb);
        gw = RunningGateway.start(Gateway.builder()
                .authenticator(new JwtAuthenticator(Tokens.SECRET))
                .module("local", r -> "in-process")
                .moduleFallback(fb.build())
                .build());
    }

    private void start() throws Exception {
        start(app.baseUrl(), c -> { }, f -> { });
    }

    private WsClient connect(String user) {
        WsClient c = WsClient.connect(gw.url("/ws?token=" + Tokens.valid(user) + "&fingerprint=fp-" + user));
        c.next("state", WAIT);
        return c;
    }

    private static Map<String, Object> call(Object id, String module, String action, Object data) {
        Map<String, Object> m = new HashMap<>();
        m.put("handler", "controller");
        m.put("id", id);
        m.put("module", module);
        if (action != null) {
            m.put("action", action);
        }
        m.put("data", data);
        return m;
    }

    /** Frames read while looking for another answer: WsClient drops what a predicate skips, so keep them. */
    private final Map<WsClient, List<JsonNode>> early = new java.util.concurrent.ConcurrentHashMap<>();

    private JsonNode answerTo(WsClient c, Object id) {
        java.util.function.Predicate<JsonNode> match = n -> n.path("id").asText().equals(String.valueOf(id))
                && (n.path("channel").asText().equals("reply") || n.path("channel").asText().equals("error"));
        List<JsonNode> kept = early.computeIfAbsent(c, k -> new ArrayList<>());
        for (java.util.Iterator<JsonNode> it = kept.iterator(); it.hasNext(); ) {
            JsonNode n = it.next();
            if (match.test(n)) {
                it.remove();
                return n;
            }
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode n;
            try {
                n = c.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (AssertionError e) {
                break;
            }
            if (match.test(n)) {
                return n;
            }
            kept.add(n);
        }
        throw new AssertionError("no answer to " + id + " within " + WAIT + "; saw " + kept);
    }

    private void assertAlive(WsClient c) {
        c.sendJson(Map.of("handler", "ping", "id", "alive"));
        assertThat(answerTo(c, "alive").path("message").asText()).isEqualTo("pong");
    }

    @Test
    void forwardsWithTrustedIdentityAndCorrelatesReplies() throws Exception {
        start();
        try (WsClient c = connect("42")) {
            c.sendJson(call(1, "chat", "send", Map.of("text", "hi")));
            c.sendJson(call("two", "chat", null, List.of(1, 2)));
            c.sendJson(call(3, "local", null, null));
            JsonNode one = answerTo(c, 1);
            JsonNode two = answerTo(c, "two");
            assertThat(answerTo(c, 3).path("message").asText()).isEqualTo("in-process");

            assertThat(one.path("channel").asText()).isEqualTo("reply");
            assertThat(one.path("message").path("path").asText()).isEqualTo("/chat/send");
            JsonNode got = one.path("message").path("got");
            assertThat(got.path("module").asText()).isEqualTo("chat");
            assertThat(got.path("action").asText()).isEqualTo("send");
            assertThat(got.path("data").path("text").asText()).isEqualTo("hi");
            assertThat(got.path("user_id").asText()).isEqualTo("42");
            assertThat(got.path("fingerprint").asText()).isEqualTo("fp-42");
            assertThat(got.path("connection_id").asText()).isNotBlank();
            assertThat(got.path("id").asInt()).isEqualTo(1);

            assertThat(two.path("message").path("path").asText()).isEqualTo("/chat/ws"); // the default action
            assertThat(two.path("message").path("got").path("id").asText()).isEqualTo("two");
        }
        assertThat(app.all()).hasSize(2).allSatisfy(r -> {
            assertThat(r.signatureValid()).isTrue();
            assertThat(r.header(Signer.TIMESTAMP_HEADER)).matches("\\d+");
            assertThat(r.header(Signer.SIGNATURE_HEADER)).matches("sha256=[0-9a-f]{64}");
        });
    }

    @Test
    void urlTemplateAndPlainTextAnswers() throws Exception {
        app.route("/index.php", r -> new Answer(200, "text/plain", "hello \"you\"", Duration.ZERO));
        start(app.baseUrl(), c -> { }, f -> f.urlTemplate("{backend}/index.php?m={module}&a={action}").defaultAction("index"));
        try (WsClient c = connect("1")) {
            c.sendJson(call(1, "chat", null, null));
            assertThat(answerTo(c, 1).path("message").asText()).isEqualTo("hello \"you\"");
        }
        assertThat(app.next(WAIT).path()).isEqualTo("/index.php?m=chat&a=index");
    }

    @Test
    void refusesNamesThatCouldLeaveThePath() throws Exception {
        start();
        try (WsClient c = connect("1")) {
            String[][] bad = {{"../admin", null}, {"chat", "_private"}, {"chat", "a/b"}, {"chat", "x.y"}, {"a?b", null}};
            for (int i = 0; i < bad.length; i++) {
                c.sendJson(call(i, bad[i][0], bad[i][1], null));
                JsonNode e = answerTo(c, i);
                assertThat(e.path("channel").asText()).isEqualTo("error");
                assertThat(e.path("message").path("code").asText()).isEqualTo("bad_request");
            }
            assertAlive(c);
        }
        assertThat(app.all()).isEmpty();
    }

    @Test
    void applicationErrorsBecomeBackendError() throws Exception {
        app.route("/chat/missing", r -> Answer.json(404, "{\"reason\":\"no such action\"}"));
        app.route("/chat/broken", r -> new Answer(500, "text/html", "<h1>Fatal error</h1>", Duration.ZERO));
        start();
        try (WsClient c = connect("1")) {
            c.sendJson(call(1, "chat", "missing", null));
            JsonNode e4 = answerTo(c, 1).path("message");
            assertThat(e4.path("code").asText()).isEqualTo("backend_error");
            assertThat(e4.path("reason").asText()).contains("404").contains("no such action");
            c.sendJson(call(2, "chat", "broken", null));
            JsonNode e5 = answerTo(c, 2).path("message");
            assertThat(e5.path("code").asText()).isEqualTo("backend_error");
            assertThat(e5.path("reason").asText()).contains("500").doesNotContain("Fatal");
            assertAlive(c);
        }
    }

    @Test
    void slowApplicationTimesOut() throws Exception {
        app.route("/chat/slow", r -> Answer.json(200, "{}").after(Duration.ofSeconds(3)));
        start(app.baseUrl(), c -> { }, f -> f.timeout(Duration.ofMillis(500)));
        try (WsClient c = connect("1")) {
            long t0 = System.nanoTime();
            c.sendJson(call(1, "chat", "slow", null));
            assertThat(answerTo(c, 1).path("message").path("code").asText()).isEqualTo("timeout");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2000));
            // The next call gets a working connection: the abandoned one was closed, not reused.
            c.sendJson(call(2, "chat", "send", null));
            assertThat(answerTo(c, 2).path("channel").asText()).isEqualTo("reply");
        }
    }

    @Test
    void downApplicationIsBackendUnavailable() throws Exception {
        start("http://127.0.0.1:" + Php.freePort(), c -> { }, f -> { });
        try (WsClient c = connect("1")) {
            c.sendJson(call(1, "chat", "send", null));
            assertThat(answerTo(c, 1).path("message").path("code").asText()).isEqualTo("backend_unavailable");
            assertAlive(c);
        }
    }

    @Test
    void tooManyInFlightIsBusy() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        app.route("/chat/hang", r -> {
            release.await(10, TimeUnit.SECONDS);
            return Answer.json(200, "\"done\"");
        });
        // Per connection: 2; in all: 3.
        start(app.baseUrl(), c -> c.maxInFlight(3), f -> f.maxInFlightPerConnection(2));
        try (WsClient a = connect("a"); WsClient b = connect("b")) {
            a.sendJson(call(1, "chat", "hang", null));
            a.sendJson(call(2, "chat", "hang", null));
            a.sendJson(call(3, "chat", "hang", null));
            assertThat(answerTo(a, 3).path("message").path("code").asText()).isEqualTo("busy");
            b.sendJson(call(4, "chat", "hang", null));
            b.sendJson(call(5, "chat", "hang", null));
            assertThat(answerTo(b, 5).path("message").path("code").asText()).isEqualTo("busy");
            release.countDown();
            assertThat(answerTo(a, 1).path("message").asText()).isEqualTo("done");
            assertThat(answerTo(a, 2).path("message").asText()).isEqualTo("done");
            assertThat(answerTo(b, 4).path("message").asText()).isEqualTo("done");
            a.sendJson(call(6, "chat", "hang", null));
            assertThat(answerTo(a, 6).path("message").asText()).isEqualTo("done");
        }
    }

    @Test
    void oversizedAnswerIsBackendError() throws Exception {
        app.route("/chat/big", r -> Answer.json(200, "\"" + "x".repeat(5000) + "\""));
        start(app.baseUrl(), c -> c.maxResponseSize(1024), f -> { });
        try (WsClient c = connect("1")) {
            c.sendJson(call(1, "chat", "big", null));
            JsonNode e = answerTo(c, 1).path("message");
            assertThat(e.path("code").asText()).isEqualTo("backend_error");
            assertThat(e.path("reason").asText()).contains("1024");
            c.sendJson(call(2, "chat", "send", null));
            assertThat(answerTo(c, 2).path("channel").asText()).isEqualTo("reply");
        }
    }

    /**
     * The main promise: while the application hangs on A's call, B's pings and the gateway's
     * broadcasts keep flowing — the call occupies no event loop.
     */
    @Test
    void aHungApplicationNeverStallsOtherClients() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch hanging = new CountDownLatch(8);
        app.route("/chat/hang", r -> {
            hanging.countDown();
            release.await(10, TimeUnit.SECONDS);
            return Answer.json(200, "\"late\"");
        });
        Duration backendTimeout = Duration.ofSeconds(3);
        start(app.baseUrl(), c -> c.responseTimeout(backendTimeout), f -> f.maxInFlightPerConnection(8));
        try (WsClient a = connect("a"); WsClient b = connect("b")) {
            for (int i = 0; i < 8; i++) {
                a.sendJson(call("hang" + i, "chat", "hang", null));
            }
            assertThat(hanging.await(5, TimeUnit.SECONDS)).as("all of A's calls reached the application").isTrue();
            List<Long> rtts = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                long t0 = System.nanoTime();
                b.sendJson(Map.of("handler", "ping", "id", "p" + i));
                assertThat(answerTo(b, "p" + i).path("message").asText()).isEqualTo("pong");
                rtts.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                if (i % 10 == 0) {
                    long s0 = System.nanoTime();
                    gw.gateway().broadcast("news", Map.of("n", i));
                    b.next("news", WAIT);
                    rtts.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - s0));
                }
            }
            // Well under the backend timeout: nothing waited for the hung application.
            assertThat(rtts).allSatisfy(ms -> assertThat(ms).isLessThan(250L));
            // A's own pings are not stuck behind its pending calls either.
            assertAlive(a);
            release.countDown();
            for (int i = 0; i < 8; i++) {
                assertThat(answerTo(a, "hang" + i).path("message").asText()).isEqualTo("late");
            }
        }
    }
}
