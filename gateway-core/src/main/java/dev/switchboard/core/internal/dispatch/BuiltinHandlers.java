package dev.switchboard.core.internal.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.ChannelNames;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.internal.codec.Replies;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.spi.Delivery;
import dev.switchboard.core.spi.HandlerException;
import dev.switchboard.core.spi.MessageHandler;
import dev.switchboard.core.spi.Request;
import dev.switchboard.core.spi.SessionListener;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/** The handlers of DESIGN §2: {@code ping}, {@code controller}, {@code subscribe}, {@code unsubscribe}, {@code publish}. */
public final class BuiltinHandlers {

    private static final Replies.Encoded PONG = new Replies.Encoded("\"pong\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    private final GatewayOptions options;
    private final SessionRegistry registry;
    private final Map<String, MessageHandler> modules;
    private final MessageHandler moduleFallback;
    private final Consumer<Delivery> publisher;
    private final SessionListener listener;

    public BuiltinHandlers(GatewayOptions options, SessionRegistry registry, Map<String, MessageHandler> modules,
                           MessageHandler moduleFallback, Consumer<Delivery> publisher, SessionListener listener) {
        this.listener = listener;
        this.options = options;
        this.registry = registry;
        this.modules = Map.copyOf(modules);
        this.moduleFallback = moduleFallback;
        this.publisher = publisher;
    }

    /** Returns the built-ins by name. */
    public Map<String, MessageHandler> all() {
        Map<String, MessageHandler> m = new HashMap<>();
        m.put("ping", r -> PONG);
        m.put("controller", this::controller);
        m.put("subscribe", this::subscribe);
        m.put("unsubscribe", this::unsubscribe);
        m.put("publish", this::publish);
        return m;
    }

    private Object controller(Request r) throws Exception {
        String module = r.module();
        if (module == null || module.isEmpty()) {
            throw new HandlerException("bad_request", "controller needs a \"module\"");
        }
        MessageHandler h = modules.get(module);
        if (h == null) {
            h = moduleFallback;
        }
        if (h == null) {
            throw new HandlerException("unknown_module", "no module named \"" + abbreviate(module) + '"');
        }
        return h.handle(r);
    }

    private Object subscribe(Request r) {
        String room = room(r);
        Session s = (Session) r.session();
        if (!s.rooms().contains(room) && s.rooms().size() >= options.maxRoomsPerConnection()) {
            throw new HandlerException("too_many_rooms", "at most " + options.maxRoomsPerConnection() + " rooms per connection");
        }
        if (registry.join(room, s)) {
            listener.onSubscribe(s, room);
        }
        return ack(r, "subscribed", room);
    }

    private Object unsubscribe(Request r) {
        String room = room(r);
        if (registry.part(room, (Session) r.session())) {
            listener.onUnsubscribe(r.session(), room);
        }
        return ack(r, "unsubscribed", room);
    }

    private Object publish(Request r) throws Exception {
        String room = room(r);
        if (!options.clientMayPublish(room)) {
            throw new HandlerException("forbidden", "clients may not publish to \"" + room + '"');
        }
        JsonNode message = r.field("message");
        if (message.isMissingNode()) {
            throw new HandlerException("bad_request", "publish needs a \"message\"");
        }
        publisher.accept(Delivery.toRoom(room, room, Replies.MAPPER.writeValueAsBytes(message), options.instanceId()));
        return ack(r, "published", room);
    }

    private static String room(Request r) {
        String room = r.text("channel");
        if (room == null) {
            throw new HandlerException("bad_request", r.handler() + " needs a \"channel\"");
        }
        String problem = ChannelNames.problem("channel", room);
        if (problem != null) {
            throw new HandlerException("bad_request", problem);
        }
        return room;
    }

    private static Object ack(Request r, String field, String room) {
        // Old clients send these without an id and expect no answer; an id asks for an acknowledgement.
        return r.id() == null ? Dispatcher.NO_REPLY : Map.of(field, room);
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
