package dev.switchboard.server.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.GatewayOptions;
import dev.switchboard.server.AuthMode;
import dev.switchboard.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private ServerConfig load(Map<String, String> env, String... flags) throws ConfigException {
        return ConfigLoader.load(List.of(flags), env, dir);
    }

    private void yaml(String text) throws IOException {
        Files.writeString(dir.resolve(ConfigLoader.DEFAULT_FILE), text);
    }

    private String error(Map<String, String> env, String... flags) {
        try {
            load(env, flags);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for " + List.of(flags) + " " + env);
    }

    @Test
    void nothingGivenMeansTheDefaultsOfGatewayOptions() throws Exception {
        ServerConfig c = load(Map.of());
        GatewayOptions d = GatewayOptions.defaults();
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(8085);
        assertThat(c.adminHost()).isEqualTo("127.0.0.1");
        assertThat(c.adminPort()).isEqualTo(8086);
        assertThat(c.adminApiKey()).isNull();
        assertThat(c.authMode()).isEqualTo(AuthMode.ANONYMOUS);
        assertThat(c.broker()).isEqualTo("local");
        assertThat(c.drain()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.echoModule()).isFalse();
        assertThat(c.gateway().paths()).isEqualTo(List.of("/ws", "/"));
        assertThat(c.gateway().maxFrameSize()).isEqualTo(d.maxFrameSize());
        assertThat(c.gateway().writeBufferHighWaterMark()).isEqualTo(d.writeBufferHighWaterMark());
        assertThat(c.gateway().clientPublishPattern()).isNull();
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFile() throws Exception {
        yaml("port: 1001\nworkers: 3\nmax-rooms: 7\n");
        Map<String, String> env = Map.of("SWITCHBOARD_PORT", "1002", "SWITCHBOARD_WORKERS", "4", "HOME", "/root");

        ServerConfig c = load(env, "--port=1003");

        assertThat(c.port()).isEqualTo(1003);
        assertThat(c.workers()).isEqualTo(4);
        assertThat(c.gateway().maxRoomsPerConnection()).isEqualTo(7);
    }

    @Test
    void yamlMayNestOrUseDottedKeys() throws Exception {
        yaml("""
                admin:
                  port: 9001
                  api-key: s3cret
                rate-limit.burst: 99
                auth: {mode: jwt, jwt: {secret: "0123456789abcdef0123456789abcdef", clock-skew: 5s}}
                """);
        ServerConfig c = load(Map.of());
        assertThat(c.adminPort()).isEqualTo(9001);
        assertThat(c.adminApiKey()).isEqualTo("s3cret");
        assertThat(c.gateway().rateLimitBurst()).isEqualTo(99);
        assertThat(c.authMode()).isEqualTo(AuthMode.JWT);
        assertThat(c.jwtClockSkew()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void configFlagNamesTheFileAndAMissingOneIsAnError() throws Exception {
        Files.writeString(dir.resolve("other.yaml"), "port: 4242\n");
        assertThat(load(Map.of(), "--config=other.yaml").port()).isEqualTo(4242);
        assertThat(load(Map.of("SWITCHBOARD_CONFIG", "other.yaml")).port()).isEqualTo(4242);
        assertThat(error(Map.of(), "--config=nope.yaml")).isEqualTo("config: nope.yaml (expected: an existing YAML file)");
    }

    @Test
    void durationsTakeMillisecondsSecondsMinutesAndHours() throws Exception {
        ServerConfig c = load(Map.of("SWITCHBOARD_HANDSHAKE_TIMEOUT", "500ms"),
                "--drain=2m", "--ping-interval=10s", "--idle-timeout=1h");
        assertThat(c.gateway().handshakeTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.drain()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.gateway().pingInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.gateway().idleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(120))).isEqualTo("2m");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    }

    @Test
    void listsAreCommaSeparatedInVariablesAndFlagsAndSequencesInYaml() throws Exception {
        yaml("trusted-proxies: [10.0.0.0/8, 127.0.0.1]\n");
        ServerConfig c = load(Map.of("SWITCHBOARD_ALLOWED_ORIGINS", "https://a.example, *.b.example"), "--paths=/live");
        assertThat(c.gateway().allowedOrigins()).containsExactly("https://a.example", "*.b.example");
        assertThat(c.gateway().trustedProxies()).containsExactly("10.0.0.0/8", "127.0.0.1");
        assertThat(c.gateway().paths()).containsExactly("/live");
    }

    @Test
    void optionalTextsAreOffWhenEmptyAndBooleansMayStandAlone() throws Exception {
        ServerConfig c = load(Map.of(), "--client-publish=chat.*", "--echo-module", "--write-buffer.low=1024",
                "--write-buffer.high=2048", "--instance-id=eu-1");
        assertThat(c.gateway().clientMayPublish("chat.lobby")).isTrue();
        assertThat(c.echoModule()).isTrue();
        assertThat(c.gateway().writeBufferLowWaterMark()).isEqualTo(1024);
        assertThat(c.gateway().writeBufferHighWaterMark()).isEqualTo(2048);
        assertThat(c.gateway().instanceId()).isEqualTo("eu-1");
        assertThat(load(Map.of(), "--client-publish=").gateway().clientPublishPattern()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--max-frame-size=0          | max-frame-size: 0 (expected: 256..16777216)",
            "--max-frame-size=big        | max-frame-size: big (expected: an integer)",
            "--port=70000                | port: 70000 (expected: 0..65535)",
            "--admin.port=-1             | admin.port: -1 (expected: 0..65535)",
            "--drain=10x                 | drain: 10x (expected: a duration such as 500ms, 10s or 2m)",
            "--ping-interval=0s          | ping-interval: 0s (expected: > 0)",
            "--echo-module=yes           | echo-module: yes (expected: true or false)",
            "--auth.mode=ldap            | auth.mode: ldap (expected: anonymous or jwt or redis or http)",
            "--broker=kafka              | broker: kafka (expected: local or redis)",
            "--auth.mode=redis           | auth.mode: redis (expected: broker=redis as well: tokens are looked up in the broker's Redis)",
            "--auth.mode=http            | app.connect-url: missing (expected: the app's URL when auth.mode is http)",
            "--app.backend=http://a      | app.secret: missing (expected: a secret of >= 32 bytes: every request to the app is signed)",
            "--app.backend=ftp://a       | app.backend: ftp://a (expected: an http:// or https:// URL)",
            "--app.default-action=_x     | app.default-action: _x (expected: a name such as ws (PHP frameworks hide methods starting with _))",
            "--redis.presence-ttl=0s     | redis.presence-ttl: 0s (expected: >= 1s)",
            "--redis.relay=fast          | redis.relay: fast (expected: auto or direct or redisson)",
            "--paths=                    | paths: \"\" (expected: at least one path)",
            "--paths=ws                  | paths: ws (expected: absolute paths without a query, such as /ws)",
            "--workers=-2                | workers: -2 (expected: >= 0)",
            "--instance-id=a b           | instance-id: a b (expected: 1-64 of [A-Za-z0-9_.-])",
            "--idle-timeout=5s           | idle-timeout: PT5S (expected: > pingInterval PT25S)",
            "--write-buffer.high=1024    | write-buffer.high: 1024 (expected: >= low water mark 32768)",
            "--auth.mode=jwt             | auth.jwt.secret: missing (expected: a secret of >= 32 bytes when auth.mode is jwt)",
            "--frobnicate=1              | frobnicate: unknown option (see --help)",
            "--port                      | port: no value (expected: --port=VALUE)",
            "port=1                      | port=1: unexpected argument (expected: --key=value, see --help)",
    })
    void badFlagsNameTheKeyAndWhatWasExpected(String flag, String message) {
        assertThat(error(Map.of(), flag)).isEqualTo(message);
    }

    @Test
    void theRedisRelayIsChosenByKeyAndDirectRefusesWhatItCannotReach() throws Exception {
        assertThat(load(Map.of()).redis().usesDirectRelay()).isTrue();
        assertThat(load(Map.of("SWITCHBOARD_REDIS_RELAY", "redisson")).redis().relay())
                .isEqualTo(dev.switchboard.redis.RedisOptions.Relay.REDISSON);
        assertThat(load(Map.of(), "--redis.relay=DIRECT").redis().relay())
                .isEqualTo(dev.switchboard.redis.RedisOptions.Relay.DIRECT);
        assertThat(error(Map.of(), "--redis.relay=direct", "--redis.url=rediss://h:6380")).isEqualTo(
                "redis.relay: direct (expected: one redis:// server; auto or redisson with Sentinel, Cluster or rediss://)");
    }

    @Test
    void badVariablesAndFileKeysNameThemToo() throws Exception {
        assertThat(error(Map.of("SWITCHBOARD_MAX_CONNECTIONS", "0")))
                .isEqualTo("max-connections: 0 (expected: > 0)");
        assertThat(error(Map.of("SWITCHBOARD_PROT", "1"))).isEqualTo("SWITCHBOARD_PROT: unknown option (see --help)");
        yaml("admin:\n  prot: 1\n");
        assertThat(error(Map.of())).startsWith("admin.prot: unknown option in ").endsWith("(see --help)");
        yaml("port: [1\n");
        assertThat(error(Map.of())).startsWith("config: ").contains("invalid YAML at line");
        yaml("- port\n");
        assertThat(error(Map.of())).endsWith("(expected: a YAML mapping of options)");
    }

    @Test
    void secretsNeverAppearInErrors() {
        String message = error(Map.of(), "--auth.mode=jwt", "--auth.jwt.secret=hunter2");
        assertThat(message).isEqualTo("auth.jwt.secret: <redacted> (expected: >= 32 bytes for HS256)")
                .doesNotContain("hunter2");
    }

    @Test
    void helpListsEveryKeyWithItsDefault() {
        String help = ConfigLoader.help();
        List<String> lines = help.lines().toList();
        for (Setting s : Settings.ALL) {
            String dflt = s.show(Settings.DEFAULTS);
            assertThat(lines).as(s.key())
                    .anyMatch(l -> l.startsWith("  --" + s.key() + " ") && l.contains(dflt.isEmpty() ? "(none)" : dflt));
        }
        assertThat(help).contains("--max-frame-size", "65536", "--drain", "10s", "--paths", "/ws,/", "anonymous");
        assertThat(ConfigLoader.wantsHelp(List.of("--port=1", "--help"))).isTrue();
    }

    @Test
    void toBuilderKeepsEverySetting() throws Exception {
        ServerConfig c = load(Map.of("SWITCHBOARD_ADMIN_API_KEY", "k"), "--port=9", "--max-rooms=3", "--drain=1s");
        ServerConfig copy = c.toBuilder().workers(2).build();
        assertThat(copy.port()).isEqualTo(9);
        assertThat(copy.adminApiKey()).isEqualTo("k");
        assertThat(copy.gateway().maxRoomsPerConnection()).isEqualTo(3);
        assertThat(copy.gateway().instanceId()).isEqualTo(c.gateway().instanceId());
        assertThat(copy.drain()).isEqualTo(Duration.ofSeconds(1));
        assertThat(copy.workers()).isEqualTo(2);
    }
}
