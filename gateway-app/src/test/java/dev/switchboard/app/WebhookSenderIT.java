package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.app.testing.FakeSession;
import dev.switchboard.app.testing.LeakWatch;
import dev.switchboard.app.testing.TestBackend;
import dev.switchboard.app.testing.TestBackend.Answer;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.auth.JwtAuthenticator;
import dev.switchboard.core.testing.RunningGateway;
import dev.switchboard.core.testing.Tokens;
import dev.switchboard.core.testing.WsClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lifecycle webhooks against a real HTTP application. */
class WebhookSenderIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private TestBackend app;
    private AppClient client;
    private final MetricRegistry metrics = new MetricRegistry();

    @BeforeEach
    void setUp() throws Exception {
        app = new TestBackend();
        client = AppClient.builder().secret(TestBackend.SECRET).responseTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterEach
    void tearDown() {
        client.close();
        app.close();
    }

    @AfterAll
    static void noLeaks() throws Exception {
        LeakWatch.assertNoLeaks();
    }

    private URI hooks() {
        return URI.create(app.baseUrl() + "/hooks");
    }

    /** Every event of every successful POST, in order. */
    private List<JsonNode> delivered() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (TestBackend.Received r : app.all()) {
            if (r.header("x-test-failed") == null) {
                MAPPER.readTree(r.body()).forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void batchesSignedEventsFromARealGateway() throws Exception {
        app.route("/hooks", r -> Answer.json(200, "{}"));
        WebhookSender hooks = WebhookSender.builder(client, hooks()).batchInterval(Duration.ofMillis(300))
                .metrics(metrics).build();
        try (RunningGateway gw = RunningGateway.start(Gateway.builder()
                .authenticator(new JwtAuthenticator(Tokens.SECRET)).listener(hooks).build())) {
            try (WsClient c = WsClient.connect(gw.url("/ws?token=" + Tokens.valid("42") + "&fingerprint=f"))) {
                c.sendJson(Map.of("handler", "subscribe", "channel", "room1", "id", 1));
                c.next("reply", WAIT);
                c.sendJson(Map.of("handler", "unsubscribe", "channel", "room1", "id", 2));
                c.next("reply", WAIT);
            }
            await().atMost(WAIT).until(() -> delivered().size() == 4);
        }
        List<JsonNode> events = delivered();
        assertThat(events).extracting(e -> e.path("event").asText())
                .containsExactly("connect", "subscribe", "unsubscribe", "disconnect");
        assertThat(app.all().size()).as("several events in one POST").isLessThan(4);
        JsonNode sub = events.get(1);
        assertThat(sub.path("room").asText()).isEqualTo("room1");
        assertThat(sub.path("user_id").asText()).isEqualTo("42");
        assertThat(sub.path("fingerprint").asText()).isEqualTo("f");
        assertThat(sub.path("connection_id").asText()).isEqualTo(events.get(0).path("connection_id").asText());
        assertThat(sub.path("at").asLong()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(10_000L));
        assertThat(events.get(0).has("room")).isFalse();
        assertThat(app.all()).allSatisfy(r -> {
            assertThat(r.signatureValid()).isTrue();
            assertThat(r.header(WebhookSender.DELIVERY_HEADER)).isNotBlank();
        });
        assertThat(metrics.counter("switchboard.webhooks.delivered").getCount()).isEqualTo(4);
        hooks.closeAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void sendsAFullBatchWithoutWaitingForTheTick() throws Exception {
        app.route("/hooks", r -> Answer.json(204, null));
        WebhookSender hooks = WebhookSender.builder(client, hooks()).batchInterval(Duration.ofHours(1))
                .maxBatchSize(10).build();
        for (int i = 0; i < 25; i++) {
            hooks.onConnect(new FakeSession("c" + i, null, null));
        }
        await().atMost(WAIT).until(() -> delivered().size() == 20);
        assertThat(app.all()).allSatisfy(r -> assertThat(MAPPER.readTree(r.body()).size()).isEqualTo(10));
        // close() sends the rest.
        hooks.closeAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(delivered()).hasSize(25);
        assertThat(delivered().get(24).path("user_id").isNull()).isTrue();
    }

    @Test
    void retriesAFailedBatchAndDeliversOnce() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        app.route("/hooks", r -> calls.incrementAndGet() == 1 ? Answer.json(500, "{}") : Answer.json(200, "{}"));
        WebhookSender hooks = WebhookSender.builder(client, hooks()).batchInterval(Duration.ofMillis(50))
                .initialBackoff(Duration.ofMillis(100)).metrics(metrics).build();
        hooks.onConnect(new FakeSession("c1", "1", null));
        hooks.onSubscribe(new FakeSession("c1", "1", null), "r");
        await().atMost(WAIT).until(() -> calls.get() == 2);
        Thread.sleep(300); // nothing more should come
        assertThat(app.all()).hasSize(2);
        TestBackend.Received first = app.all().get(0);
        TestBackend.Received second = app.all().get(1);
        assertThat(second.text()).isEqualTo(first.text());
        assertThat(second.header(WebhookSender.DELIVERY_HEADER)).isEqualTo(first.header(WebhookSender.DELIVERY_HEADER));
        assertThat(second.signatureValid()).isTrue();
        assertThat(MAPPER.readTree(second.body())).hasSize(2);
        assertThat(metrics.counter("switchboard.webhooks.retries").getCount()).isEqualTo(1);
        assertThat(metrics.counter("switchboard.webhooks.delivered").getCount()).isEqualTo(2);
        hooks.close();
    }

    @Test
    void givesUpAfterMaxAttemptsAndOnClientErrors() throws Exception {
        app.route("/hooks", r -> Answer.json(r.text().contains("\"c400\"") ? 400 : 503, "{}"));
        WebhookSender hooks = WebhookSender.builder(client, hooks()).batchInterval(Duration.ofMillis(20))
                .maxAttempts(3).initialBackoff(Duration.ofMillis(20)).maxBackoff(Duration.ofMillis(40))
                .metrics(metrics).build();
        hooks.onConnect(new FakeSession("c400", null, null));
        await().atMost(WAIT).until(() -> metrics.counter("switchboard.webhooks.failed").getCount() == 1);
        assertThat(app.all()).hasSize(1); // 400: not retried
        hooks.onConnect(new FakeSession("c503", null, null));
        await().atMost(WAIT).until(() -> metrics.counter("switchboard.webhooks.failed").getCount() == 2);
        assertThat(app.all()).hasSize(1 + 3);
        hooks.close();
    }

    @Test
    void countsWhatAFullQueueDropsAndNeverBlocks() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        app.route("/hooks", r -> {
            release.await(10, TimeUnit.SECONDS);
            return Answer.json(200, "{}");
        });
        WebhookSender hooks = WebhookSender.builder(client, hooks()).batchInterval(Duration.ofMillis(20))
                .maxBatchSize(5).queueCapacity(10).metrics(metrics).build();
        hooks.onConnect(new FakeSession("first", null, null));
        app.next(WAIT); // the first batch hangs in the application
        long t0 = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            hooks.onDisconnect(new FakeSession("c" + i, null, null));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(200));
        assertThat(metrics.counter("switchboard.webhooks.dropped").getCount()).isEqualTo(990);
        assertThat(hooks.queued()).isEqualTo(10);
        release.countDown();
        await().atMost(WAIT).until(() -> metrics.counter("switchboard.webhooks.delivered").getCount() == 11);
        hooks.closeAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
