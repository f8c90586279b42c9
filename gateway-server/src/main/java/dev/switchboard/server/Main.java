package dev.switchboard.server;

import dev.switchboard.server.internal.config.ConfigException;
import dev.switchboard.server.internal.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Runs Switchboard from the command line: {@code java -jar switchboard.jar [--key=value ...]}.
 *
 * <p>Exit codes: 0 after {@code --help} or a graceful shutdown (SIGTERM, SIGINT); 1 when a port cannot be
 * bound; 2 for a bad configuration, with one line on stderr naming the key.
 */
public final class Main {

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    /** How long stop may take beyond the drain window before the process gives up waiting. */
    private static final long STOP_GRACE_SECONDS = 15;

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<String> argList = List.of(args);
        if (ConfigLoader.wantsHelp(argList)) {
            System.out.print(ConfigLoader.help());
            System.exit(0);
        }
        ServerConfig config;
        try {
            config = ConfigLoader.load(argList, System.getenv(), Path.of("").toAbsolutePath());
        } catch (ConfigException e) {
            System.err.println("switchboard: " + e.getMessage());
            System.exit(2);
            return;
        }

        // Our own handlers replace the JVM's, which would run the hooks and exit with 128+15. The handler
        // only signals the main thread, which drains and then exits 0, as service managers expect.
        CountDownLatch stopRequested = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stopRequested.countDown());
        Signal.handle(new Signal("INT"), s -> stopRequested.countDown());

        Switchboard switchboard = new Switchboard(config);
        try {
            switchboard.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.error("Switchboard could not start: {}", rootCause(e).toString());
            System.exit(1);
        }

        stopRequested.await();
        log.info("Shutting down: closing clients over {} ms", config.drain().toMillis());
        try {
            switchboard.stop().toCompletableFuture()
                    .get(config.drain().toSeconds() + STOP_GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.error("Switchboard did not stop cleanly: {}", rootCause(e).toString());
            System.exit(1);
        }
        log.info("Switchboard stopped");
        System.exit(0);
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
