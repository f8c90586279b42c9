package dev.switchboard.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.SessionInfo;
import java.util.Objects;

/** One client request ({@code {"handler": .., "id"?: .., ...}}) and the connection it came from. */
public final class Request {

    private final ObjectNode body;
    private final SessionInfo session;

    /** Wraps a parsed request body; {@code body} must hold a textual {@code handler}. */
    public Request(ObjectNode body, SessionInfo session) {
        this.body = Objects.requireNonNull(body, "body");
        this.session = Objects.requireNonNull(session, "session");
    }

    /** Returns the {@code handler} field. */
    public String handler() {
        return body.path("handler").asText();
    }

    /** Returns the {@code id} field, or {@code null} when the client sent none. */
    public JsonNode id() {
        return body.get("id");
    }

    /** Returns the {@code module} field, or {@code null}. */
    public String module() {
        return text("module");
    }

    /** Returns the {@code action} field, or {@code null}. */
    public String action() {
        return text("action");
    }

    /** Returns the {@code data} field, or a missing node. */
    public JsonNode data() {
        return field("data");
    }

    /** Returns a field, or a missing node. */
    public JsonNode field(String name) {
        JsonNode n = body.get(name);
        return n == null ? MissingNode.getInstance() : n;
    }

    /** Returns a textual field, or {@code null} when absent or not text. */
    public String text(String name) {
        JsonNode n = body.get(name);
        return n != null && n.isTextual() ? n.textValue() : null;
    }

    /** Returns the whole request body. */
    public ObjectNode body() {
        return body;
    }

    /** Returns the connection that sent the request. */
    public SessionInfo session() {
        return session;
    }

    @Override
    public String toString() {
        return "Request{handler=" + handler() + ", id=" + id() + ", connection=" + session.connectionId() + '}';
    }
}
