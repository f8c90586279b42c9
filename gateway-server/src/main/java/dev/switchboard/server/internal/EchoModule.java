package dev.switchboard.server.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.spi.MessageHandler;
import dev.switchboard.core.spi.Request;

/**
 * The diagnostic {@code echo} controller module ({@code echo-module=true}): answers
 * {@code {"echo": <data>, "user_id": <user id or null>}}, so end-to-end tests can check a request/reply round
 * trip and who the gateway thinks the client is, without an application behind it.
 */
public final class EchoModule implements MessageHandler {

    /** The module name clients put in {@code module}. */
    public static final String NAME = "echo";

    @Override
    public Object handle(Request request) {
        ObjectNode reply = JsonNodeFactory.instance.objectNode();
        reply.set("echo", request.data().isMissingNode() ? JsonNodeFactory.instance.nullNode() : request.data());
        reply.put("user_id", request.session().userId());
        return reply;
    }
}
