package dev.switchboard.server.internal.config;

import dev.switchboard.server.ServerConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;

/**
 * One configuration key: how to read its text onto a {@link ServerConfig.Builder} and how to show its value.
 * The same key is a YAML path ({@code admin.port}), an environment variable ({@code SWITCHBOARD_ADMIN_PORT})
 * and a flag ({@code --admin.port=8086}).
 */
final class Setting {

    private static final String REDACTED = "<redacted>";

    @FunctionalInterface
    interface Reader {
        void read(ServerConfig.Builder b, String text) throws ConfigException;
    }

    private final String key;
    private final String help;
    private final Kind kind;
    private final Function<ServerConfig, Object> value;
    private final Reader reader;

    /** What sets a key apart when it is read or shown. */
    enum Kind { PLAIN, BOOLEAN, SECRET, LOADER }

    private Setting(String key, String help, Kind kind, Function<ServerConfig, Object> value, Reader reader) {
        this.key = key;
        this.help = help;
        this.kind = kind;
        this.value = value;
        this.reader = reader;
    }

    static Setting text(String key, String help, Function<ServerConfig, Object> value,
                        BiConsumer<ServerConfig.Builder, String> set) {
        return new Setting(key, help, Kind.PLAIN, value, set::accept);
    }

    /** A text whose value never appears in help, errors or logs. */
    static Setting secret(String key, String help, BiConsumer<ServerConfig.Builder, String> set) {
        return new Setting(key, help, Kind.SECRET, c -> null, set::accept);
    }

    static Setting integer(String key, String help, Function<ServerConfig, Object> value,
                           ObjIntConsumer<ServerConfig.Builder> set) {
        return new Setting(key, help, Kind.PLAIN, value, (b, t) -> {
            int n;
            try {
                n = Integer.parseInt(t);
            } catch (NumberFormatException e) {
                throw ConfigException.expected(key, t, "an integer");
            }
            set.accept(b, n);
        });
    }

    static Setting duration(String key, String help, Function<ServerConfig, Object> value,
                            BiConsumer<ServerConfig.Builder, Duration> set) {
        return new Setting(key, help, Kind.PLAIN, value, (b, t) -> {
            Duration d = Durations.parse(t);
            if (d == null) {
                throw ConfigException.expected(key, t, Durations.EXPECTED);
            }
            set.accept(b, d);
        });
    }

    /** A comma-separated list; blank items are dropped, so an empty text is an empty list. */
    static Setting list(String key, String help, Function<ServerConfig, Object> value,
                        BiConsumer<ServerConfig.Builder, List<String>> set) {
        return new Setting(key, help, Kind.PLAIN, value, (b, t) -> set.accept(b,
                Arrays.stream(t.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()));
    }

    static Setting bool(String key, String help, Function<ServerConfig, Object> value,
                        BiConsumer<ServerConfig.Builder, Boolean> set) {
        return new Setting(key, help, Kind.BOOLEAN, value, (b, t) -> {
            switch (t.toLowerCase(Locale.ROOT)) {
                case "true" -> set.accept(b, true);
                case "false" -> set.accept(b, false);
                default -> throw ConfigException.expected(key, t, "true or false");
            }
        });
    }

    static <E extends Enum<E>> Setting choice(String key, String help, Class<E> type,
                                              Function<ServerConfig, Object> value,
                                              BiConsumer<ServerConfig.Builder, E> set) {
        E[] all = type.getEnumConstants();
        return new Setting(key, help, Kind.PLAIN, value, (b, t) -> {
            for (E e : all) {
                if (e.toString().equalsIgnoreCase(t)) {
                    set.accept(b, e);
                    return;
                }
            }
            throw ConfigException.expected(key, t, String.join(" or ", Arrays.stream(all).map(E::toString).toList()));
        });
    }

    /** A key read by the loader itself (the file's path), before any other. */
    static Setting loaderOnly(String key, String help) {
        return new Setting(key, help, Kind.LOADER, c -> null, (b, t) -> { });
    }

    String key() {
        return key;
    }

    String help() {
        return help;
    }

    Kind kind() {
        return kind;
    }

    /** Returns the environment variable: {@code SWITCHBOARD_} and the key upper-cased, dots and dashes as {@code _}. */
    String envName() {
        return "SWITCHBOARD_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Returns the value in {@code config} as it would be typed; empty for none, never a secret. */
    String show(ServerConfig config) {
        return format(value.apply(config));
    }

    /** Reads {@code text} onto {@code b}; the error names this key and, unless secret, the text. */
    void read(ServerConfig.Builder b, String text) throws ConfigException {
        String t = text.trim();
        try {
            reader.read(b, t);
        } catch (IllegalArgumentException e) {
            // Setters name the key in their own words (core's are camelCase); say it in the operator's.
            String message = String.valueOf(e.getMessage());
            int expected = message.indexOf(" (expected: ");
            String why = expected >= 0 ? message.substring(expected) : " (" + message + ")";
            String shown = kind == Kind.SECRET ? REDACTED : t.isEmpty() ? "\"\"" : t;
            throw new ConfigException(key + ": " + shown + why);
        }
    }

    private static String format(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Duration d) {
            return Durations.format(d);
        }
        if (v instanceof List<?> l) {
            return String.join(",", l.stream().map(String::valueOf).toList());
        }
        return v.toString();
    }
}
