package dev.switchboard.server.internal.admin;

import com.codahale.metrics.MetricRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The gateway's Dropwizard metrics in the Prometheus text format, through Prometheus' own bridge: names
 * become {@code switchboard_connections}, meters {@code ..._total} counters, timers summaries in seconds.
 */
final class PrometheusScrape {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    PrometheusScrape(MetricRegistry metrics) {
        DropwizardExports.builder().dropwizardRegistry(metrics).register(registry);
    }

    String contentType() {
        return writer.getContentType();
    }

    /** Returns the current values; the caller owns the buffer. */
    ByteBuf scrape(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer();
        try (ByteBufOutputStream stream = new ByteBufOutputStream(out)) {
            writer.write(stream, registry.scrape());
            return out;
        } catch (IOException | RuntimeException e) {
            out.release();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }
}
