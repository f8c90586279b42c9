package dev.switchboard.redis.testing;

import dev.switchboard.redis.RedisOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Redis master and one Sentinel watching it (`redis-server --sentinel`, so no separate package is needed),
 * both on free loopback ports, for the Sentinel configuration path.
 */
public final class RedisSentinel implements BeforeAllCallback, AfterAllCallback {

    public static final String MASTER = "switchboard-master";

    private final RedisServer master = RedisServer.local();
    private Process sentinel;
    private Path dir;
    private int sentinelPort;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        master.open();
        String binary = RedisServer.findBinary("redis-server");
        if (binary == null) {
            throw new IllegalStateException(RedisServer.HOW_TO);
        }
        dir = Files.createTempDirectory("switchboard-sentinel-");
        sentinelPort = RedisServer.freePort(false);
        int masterPort = Integer.parseInt(master.url().substring(master.url().lastIndexOf(':') + 1));
        Path conf = dir.resolve("sentinel.conf");
        // Sentinel rewrites its file, so it must be writable and its own.
        Files.writeString(conf, String.join("\n",
                "port " + sentinelPort,
                "bind 127.0.0.1",
                "protected-mode no",
                "dir " + dir,
                "sentinel monitor " + MASTER + " 127.0.0.1 " + masterPort + " 1",
                "sentinel down-after-milliseconds " + MASTER + " 5000",
                ""));
        sentinel = new ProcessBuilder(binary, conf.toString(), "--sentinel").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sentinel.log").toFile())).start();
        RedisServer.awaitPing(sentinelPort, sentinel, dir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (sentinel != null) {
            sentinel.destroy();
            sentinel.waitFor(10, TimeUnit.SECONDS);
        }
        master.close();
    }

    /** Returns options that reach the master through the Sentinel only. */
    public RedisOptions.Builder options() {
        return RedisOptions.builder().sentinel(MASTER, List.of("redis://127.0.0.1:" + sentinelPort))
                .keyPrefix(master.namespace()).publishChannel(master.namespace() + "publish");
    }

    /** Returns a plain connection to the master, as an application would have. */
    public Resp master() {
        return master.resp();
    }
}
