package dev.switchboard.server.internal.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PublicRoutesTest {

    private static final byte[] JS = "window.Socket=function(){};".getBytes(StandardCharsets.UTF_8);

    private final AtomicBoolean draining = new AtomicBoolean();
    private final EmbeddedChannel channel = new EmbeddedChannel(new PublicRoutes(new ClientScript(JS), draining::get));

    @AfterEach
    void finish() {
        assertThat(channel.finish()).isFalse();
    }

    private Answer call(HttpMethod method, String uri, String ifNoneMatch) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        if (ifNoneMatch != null) {
            req.headers().set(HttpHeaderNames.IF_NONE_MATCH, ifNoneMatch);
        }
        channel.writeInbound(req);
        FullHttpResponse res = channel.readOutbound();
        try {
            return new Answer(res.status(), res.headers().get(HttpHeaderNames.CONTENT_TYPE),
                    res.headers().get(HttpHeaderNames.ETAG), res.headers().get(HttpHeaderNames.CACHE_CONTROL),
                    res.content().toString(StandardCharsets.UTF_8));
        } finally {
            res.release();
        }
    }

    private record Answer(HttpResponseStatus status, String type, String etag, String cache, String body) {
    }

    @Test
    void healthIsOkUntilDraining() {
        assertThat(call(HttpMethod.GET, "/health", null)).extracting(Answer::status, Answer::body)
                .containsExactly(HttpResponseStatus.OK, "ok\n");
        draining.set(true);
        assertThat(call(HttpMethod.GET, "/health", null)).extracting(Answer::status, Answer::body)
                .containsExactly(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining\n");
    }

    @Test
    void clientScriptIsCacheableAndRevalidates() {
        Answer first = call(HttpMethod.GET, "/client.js?v=1.2.0", null);
        assertThat(first.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(first.body()).isEqualTo(new String(JS, StandardCharsets.UTF_8));
        assertThat(first.type()).isEqualTo("application/javascript; charset=utf-8");
        assertThat(first.cache()).isEqualTo("public, max-age=3600");
        assertThat(first.etag()).matches("\"[0-9a-f]{32}\"");

        Answer again = call(HttpMethod.GET, "/client.js", "W/\"other\", " + first.etag());
        assertThat(again.status()).isEqualTo(HttpResponseStatus.NOT_MODIFIED);
        assertThat(again.body()).isEmpty();
        assertThat(again.etag()).isEqualTo(first.etag());

        assertThat(call(HttpMethod.GET, "/client.js", "\"stale\"").status()).isEqualTo(HttpResponseStatus.OK);
    }

    @Test
    void headHasNoBodyAndOtherMethodsOrPathsAreRefused() {
        Answer head = call(HttpMethod.HEAD, "/client.js", null);
        assertThat(head.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(head.body()).isEmpty();
        assertThat(call(HttpMethod.POST, "/health", null).status()).isEqualTo(HttpResponseStatus.METHOD_NOT_ALLOWED);
        assertThat(call(HttpMethod.GET, "/", null).status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        assertThat(call(HttpMethod.GET, "/client.jsx", null).status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
    }

    @Test
    void withoutABuiltScriptClientJsIsNotFound() {
        EmbeddedChannel bare = new EmbeddedChannel(new PublicRoutes(null, () -> false));
        bare.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/client.js"));
        FullHttpResponse res = bare.readOutbound();
        assertThat(res.status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        res.release();
        assertThat(bare.finish()).isFalse();
    }
}
