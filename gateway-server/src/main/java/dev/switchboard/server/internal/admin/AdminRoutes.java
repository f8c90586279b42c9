package dev.switchboard.server.internal.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.spi.Delivery;
import dev.switchboard.server.internal.web.Responses;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port's routes: {@code GET /metrics} (Prometheus), {@code GET /health} (JSON, 503 unless up) and
 * {@code POST /api/publish} (API key required). Requests arrive whole (the aggregator before this handler
 * answers 413 past its limit); stateless, so one instance serves every connection.
 */
@Sharable
public final class AdminRoutes extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

    private final Gateway gateway;
    private final ApiKey apiKey;
    private final PrometheusScrape prometheus;

    /** @param apiKey the key the publish API requires, or {@code null} to refuse every publish call */
    public AdminRoutes(Gateway gateway, String apiKey) {
        this.gateway = gateway;
        this.apiKey = new ApiKey(apiKey);
        this.prometheus = new PrometheusScrape(gateway.metrics());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        FullHttpResponse res;
        if (req.decoderResult().isFailure()) {
            res = problem(HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed HTTP request");
        } else {
            res = route(ctx, req);
        }
        Responses.send(ctx, req, res);
    }

    private FullHttpResponse route(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean read = HttpMethod.GET.equals(req.method()) || HttpMethod.HEAD.equals(req.method());
        return switch (new QueryStringDecoder(req.uri()).path()) {
            case "/metrics" -> read ? Responses.of(HttpResponseStatus.OK, prometheus.contentType(),
                    prometheus.scrape(ctx.alloc())) : Responses.methodNotAllowed("GET, HEAD");
            case "/health" -> read ? health() : Responses.methodNotAllowed("GET, HEAD");
            case "/api/publish" -> HttpMethod.POST.equals(req.method()) ? publish(req) : Responses.methodNotAllowed("POST");
            default -> problem(HttpResponseStatus.NOT_FOUND, "not_found", "no such endpoint");
        };
    }

    private FullHttpResponse health() {
        String status = gateway.isClosing() ? "draining" : gateway.brokerHealthy() ? "up" : "degraded";
        ObjectNode body = MAPPER.createObjectNode().put("status", status);
        ObjectNode checks = body.putObject("checks");
        checks.putObject("broker").put("name", gateway.brokerName()).put("healthy", gateway.brokerHealthy());
        checks.put("connections", gateway.connections());
        FullHttpResponse res = Responses.of(status.equals("up") ? HttpResponseStatus.OK
                : HttpResponseStatus.SERVICE_UNAVAILABLE, Responses.JSON, body.toString());
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return res;
    }

    private FullHttpResponse publish(FullHttpRequest req) {
        if (!apiKey.accepts(req.headers())) {
            FullHttpResponse res = problem(HttpResponseStatus.UNAUTHORIZED, "unauthorized", apiKey.configured()
                    ? "missing or wrong API key (Authorization: Bearer <key> or X-Api-Key: <key>)"
                    : "no API key is configured on this server (set admin.api-key)");
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            return res;
        }
        Delivery d;
        try {
            d = PublishRequest.parse(ByteBufUtil.getBytes(req.content()), gateway.options().instanceId());
        } catch (PublishRequest.Invalid e) {
            return problem(HttpResponseStatus.BAD_REQUEST, "bad_request", e.getMessage());
        }
        gateway.publish(d);
        log.debug("published {}", d);
        return Responses.of(HttpResponseStatus.OK, Responses.JSON, Unpooled.wrappedBuffer(OK));
    }

    /** Returns {@code {"ok": false, "code": .., "reason": ..}}, the shape of the protocol's {@code error} frames. */
    private static FullHttpResponse problem(HttpResponseStatus status, String code, String reason) {
        ObjectNode body = MAPPER.createObjectNode().put("ok", false).put("code", code).put("reason", reason);
        return Responses.of(status, Responses.JSON, body.toString());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("[{}] admin request failed: {}", ctx.channel().id(), cause.toString());
        ctx.close();
    }
}
