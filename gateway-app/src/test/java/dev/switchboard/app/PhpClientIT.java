package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.app.testing.LeakWatch;
import dev.switchboard.app.testing.Php;
import dev.switchboard.app.testing.TestBackend;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.auth.JwtAuthenticator;
import dev.switchboard.core.testing.RunningGateway;
import dev.switchboard.core.testing.Tokens;
import dev.switchboard.core.testing.WsClient;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** clients/php/Switchboard.php run by a real php-cli against the Java side. */
class PhpClientIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(5);

    @AfterAll
    static void noLeaks() throws Exception {
        LeakWatch.assertNoLeaks();
    }

    @Test
    void mintsTokensTheGatewayAccepts() throws Exception {
        String token = Php.run(Map.of(), "cli.php", "token", Tokens.SECRET, "42", "600");
        try (RunningGateway gw = RunningGateway.start(Gateway.builder()
                .authenticator(new JwtAuthenticator(Tokens.SECRET))
                .module("whoami", r -> Map.of("user_id", r.session().userId(), "claims", r.session().claims()))
                .build());
             WsClient c = WsClient.connect(gw.url("/ws?token=" + token + "&user_id=42"))) {
            c.sendJson(Map.of("handler", "controller", "module", "whoami", "id", 1));
            JsonNode me = c.next("reply", WAIT).path("message");
            assertThat(me.path("user_id").asText()).isEqualTo("42");
            assertThat(me.path("claims").path("role").asText()).isEqualTo("editor");
            assertThat(me.path("claims").path("exp").asLong() - me.path("claims").path("iat").asLong()).isEqualTo(600);
            // A token for someone else, or signed with another secret, is refused.
            assertThat(WsClient.statusOf(gw.url("/ws?token=" + token + "&user_id=43"), Map.of())).isEqualTo(401);
            String forged = Php.run(Map.of(), "cli.php", "token", "another-secret-of-at-least-32-bytes!!", "42", "600");
            assertThat(WsClient.statusOf(gw.url("/ws?token=" + forged), Map.of())).isEqualTo(401);
        }
    }

    @Test
    void publishesThroughTheHttpApi() throws Exception {
        record Seen(String auth, String contentType, String body) { }
        List<Seen> seen = new CopyOnWriteArrayList<>();
        HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        api.createContext("/api/publish", ex -> {
            try (ex) {
                seen.add(new Seen(ex.getRequestHeaders().getFirst("Authorization"),
                        ex.getRequestHeaders().getFirst("Content-Type"),
                        new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                byte[] ok = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, ok.length);
                ex.getResponseBody().write(ok);
            }
        });
        api.start();
        try {
            String url = "http://127.0.0.1:" + api.getAddress().getPort() + "/api/publish";
            assertThat(Php.run(Map.of(), "cli.php", "publish-http", url, "k3y")).isEqualTo("ok");
        } finally {
            api.stop(0);
        }
        assertThat(seen).hasSize(3).allSatisfy(s -> {
            assertThat(s.auth()).isEqualTo("Bearer k3y");
            assertThat(s.contentType()).isEqualTo("application/json");
        });
        assertThat(MAPPER.readTree(seen.get(0).body())).isEqualTo(MAPPER.readTree(
                "{\"channel\":\"live_streams\",\"message\":{\"status\":\"new\",\"id\":17}}"));
        assertThat(MAPPER.readTree(seen.get(1).body())).isEqualTo(MAPPER.readTree(
                "{\"channel\":\"notice\",\"message\":\"héllo \\\"there\\\"\",\"user_id\":\"42\"}"));
        assertThat(MAPPER.readTree(seen.get(2).body())).isEqualTo(MAPPER.readTree(
                "{\"channel\":\"chat\",\"message\":{\"text\":\"hi\"},\"room\":\"chat:lobby\"}"));
    }

    @Test
    void publishesThroughRedisWhenARedisServerIsAvailable() throws Exception {
        String redis = onPath("redis-server");
        Assumptions.assumeTrue(redis != null, "redis-server not on PATH: the optional Redis publish test is not run");
        int port = Php.freePort();
        Process server = new ProcessBuilder(redis, "--port", String.valueOf(port), "--save", "", "--appendonly", "no")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        try (Socket sub = connectWithRetry(port)) {
            OutputStream out = sub.getOutputStream();
            out.write("SUBSCRIBE live_streams switchboard:publish\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(sub.getInputStream(), StandardCharsets.UTF_8));
            for (int i = 0; i < 2 * 6; i++) {
                in.readLine(); // two subscribe confirmations of 6 lines each
            }
            assertThat(Php.run(Map.of(), "cli.php", "publish-redis", String.valueOf(port))).isEqualTo("ok");
            assertThat(readMessage(in)).containsExactly("live_streams", "{\"status\":\"new\"}");
            List<String> structured = readMessage(in);
            assertThat(structured.get(0)).isEqualTo("switchboard:publish");
            assertThat(MAPPER.readTree(structured.get(1))).isEqualTo(MAPPER.readTree(
                    "{\"channel\":\"notice\",\"message\":\"x\",\"user_id\":\"7\"}"));
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Reads one pub/sub push: *3 $7 message $n channel $n payload. */
    private static List<String> readMessage(BufferedReader in) throws Exception {
        in.readLine();
        in.readLine();
        in.readLine();
        in.readLine();
        String channel = in.readLine();
        in.readLine();
        String payload = in.readLine();
        return List.of(channel, payload);
    }

    @Test
    void signaturesAgreeBothWays() throws Exception {
        Signer signer = new Signer(TestBackend.SECRET);
        long now = System.currentTimeMillis() / 1000;
        String body = "{\"module\":\"chat\",\"data\":\"é\"}";
        String sig = signer.sign(now, body.getBytes(StandardCharsets.UTF_8));
        assertThat(Php.run(Map.of(), "cli.php", "verify", TestBackend.SECRET, String.valueOf(now), sig, body)).isEqualTo("valid");
        assertThat(Php.run(Map.of(), "cli.php", "verify", TestBackend.SECRET, String.valueOf(now), sig, body + " "))
                .isEqualTo("invalid");
        assertThat(Php.run(Map.of(), "cli.php", "verify", TestBackend.SECRET, String.valueOf(now), sig, body,
                String.valueOf(now + 301))).isEqualTo("invalid");
        assertThat(Php.run(Map.of(), "cli.php", "verify", TestBackend.SECRET, String.valueOf(now), sig, body,
                String.valueOf(now + 299))).isEqualTo("valid");
        assertThat(Php.run(Map.of(), "cli.php", "sign", TestBackend.SECRET, "1700000000", body))
                .isEqualTo(signer.sign(1_700_000_000L, body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aPhpApplicationVerifiesForwardedCalls() throws Exception {
        try (Php.Server php = new Php.Server(Map.of("APP_SECRET", TestBackend.SECRET), "router.php");
             AppClient good = AppClient.builder().secret(TestBackend.SECRET).build();
             AppClient wrong = AppClient.builder().secret("not-the-application-secret-32-bytes-long").build();
             RunningGateway gw = RunningGateway.start(Gateway.builder()
                     .authenticator(new JwtAuthenticator(Tokens.SECRET))
                     .moduleFallback(ControllerForwarder.builder(good, php.baseUrl()).build())
                     .build());
             RunningGateway bad = RunningGateway.start(Gateway.builder()
                     .authenticator(new JwtAuthenticator(Tokens.SECRET))
                     .moduleFallback(ControllerForwarder.builder(wrong, php.baseUrl()).build())
                     .build())) {
            try (WsClient c = WsClient.connect(gw.url("/ws?token=" + Tokens.valid("42")))) {
                c.sendJson(Map.of("handler", "controller", "module", "chat", "action", "send", "data", Map.of("t", "hi"), "id", 9));
                JsonNode reply = c.next("reply", WAIT);
                assertThat(reply.path("id").asInt()).isEqualTo(9);
                JsonNode m = reply.path("message");
                assertThat(m.path("path").asText()).isEqualTo("/chat/send");
                assertThat(m.path("user_id").asText()).isEqualTo("42");
                assertThat(m.path("echo").path("t").asText()).isEqualTo("hi");
            }
            try (WsClient c = WsClient.connect(bad.url("/ws?token=" + Tokens.valid("42")))) {
                c.sendJson(Map.of("handler", "controller", "module", "chat", "id", 1));
                JsonNode error = c.next("error", WAIT).path("message");
                assertThat(error.path("code").asText()).isEqualTo("backend_error");
                assertThat(error.path("reason").asText()).contains("401").contains("signature");
            }
            // Tampering: a correctly signed body, then changed in transit.
            Signer signer = new Signer(TestBackend.SECRET);
            long now = System.currentTimeMillis() / 1000;
            String body = "{\"module\":\"chat\",\"action\":\"ws\",\"user_id\":\"1\"}";
            String sig = signer.sign(now, body.getBytes(StandardCharsets.UTF_8));
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> ok = http.send(post(php.baseUrl(), now, sig, body), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(MAPPER.readTree(ok.body()).path("user_id").asText()).isEqualTo("1");
            HttpResponse<String> tampered = http.send(post(php.baseUrl(), now, sig, body.replace("\"1\"", "\"2\"")),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(tampered.statusCode()).isEqualTo(401);
            HttpResponse<String> replayed = http.send(post(php.baseUrl(), now - 3600,
                    signer.sign(now - 3600, body.getBytes(StandardCharsets.UTF_8)), body), HttpResponse.BodyHandlers.ofString());
            assertThat(replayed.statusCode()).isEqualTo(401);
        }
    }

    private static HttpRequest post(String base, long ts, String sig, String body) {
        return HttpRequest.newBuilder(URI.create(base + "/chat/ws"))
                .header(Signer.TIMESTAMP_HEADER, String.valueOf(ts))
                .header(Signer.SIGNATURE_HEADER, sig)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static String onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static Socket connectWithRetry(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return new Socket("127.0.0.1", port);
            } catch (java.io.IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }
}
