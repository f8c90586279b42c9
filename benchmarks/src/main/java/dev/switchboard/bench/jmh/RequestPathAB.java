package dev.switchboard.bench.jmh;

import dev.switchboard.bench.Args;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code request-path}: {@link RequestPathBench}'s two pipelines, the gateway's and the echo hub's, measured in
 * alternating batches on one event-loop-like thread: batch after batch, the gateway then the echo, so both see
 * the same moments of a noisy host. Prints the 10th percentile and median time per request of each over the
 * batches, and the ratio. On this project's shared 2-vCPU VM one JMH run of either benchmark swung by ±40 %;
 * interleaving takes that out of the ratio, and the 10th percentile out of the figures.
 */
public final class RequestPathAB {

    private RequestPathAB() {
    }

    /** {@code request-path [--batches=300] [--batch=20000] [--warmup-batches=100]}. */
    public static void main(Args a, PrintStream out) throws InterruptedException {
        int batches = a.integer("batches", 300);
        int batch = a.integer("batch", 20_000);
        int warmup = a.integer("warmup-batches", 100);
        a.rejectUnknown();
        if (batches < 10 || batch < 1 || warmup < 0) {
            throw new IllegalArgumentException("--batches >= 10, --batch >= 1, --warmup-batches >= 0");
        }
        Throwable[] failure = new Throwable[1];
        Thread t = new FastThreadLocalThread(() -> {
            try {
                run(batches, batch, warmup, out);
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "request-path");
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new IllegalStateException("request-path failed", failure[0]);
        }
    }

    private static void run(int batches, int batch, int warmup, PrintStream out) {
        RequestPathBench b = new RequestPathBench();
        b.setup();
        double[] gateway = new double[batches];
        double[] echo = new double[batches];
        long sink = 0;
        try {
            out.printf("warming up: %d batches of %d requests each%n", warmup, batch);
            for (int w = 0; w < warmup; w++) {
                for (int i = 0; i < batch; i++) {
                    sink += b.gateway() + b.echoHub();
                }
            }
            long lastLine = System.nanoTime();
            for (int k = 0; k < batches; k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < batch; i++) {
                    sink += b.gateway();
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < batch; i++) {
                    sink += b.echoHub();
                }
                long t2 = System.nanoTime();
                gateway[k] = (t1 - t0) / (double) batch;
                echo[k] = (t2 - t1) / (double) batch;
                if (t2 - lastLine > 1_000_000_000L) {
                    lastLine = t2;
                    out.printf("[%d/%d] gateway %.0f ns, echo %.0f ns per request%n", k + 1, batches, gateway[k], echo[k]);
                }
            }
        } finally {
            b.check(); // every request answered, every echo sent back; releases the channels
        }
        Arrays.sort(gateway);
        Arrays.sort(echo);
        double g10 = gateway[batches / 10];
        double g50 = gateway[batches / 2];
        double e10 = echo[batches / 10];
        double e50 = echo[batches / 2];
        out.printf(Locale.ROOT, "gateway: p10 %.0f ns, median %.0f ns per request%n", g10, g50);
        out.printf(Locale.ROOT, "echo hub: p10 %.0f ns, median %.0f ns per request%n", e10, e50);
        out.printf(Locale.ROOT, "gateway / echo: %.2fx at p10, %.2fx at the median (%d batches of %d, interleaved; check %d)%n",
                g10 / e10, g50 / e50, batches, batch, sink & 1);
    }
}
