package dev.switchboard.server.internal.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link ServerConfig} from a YAML file, then {@code SWITCHBOARD_*} environment variables, then
 * {@code --key=value} flags; a later source wins key by key. Only this class reads files and the environment
 * (STYLE 8), and the environment comes in as a map so tests can pass their own.
 */
public final class ConfigLoader {

    /** The file read when no {@code --config} is given, if it exists in the working directory. */
    public static final String DEFAULT_FILE = "switchboard.yaml";

    private static final String ENV_PREFIX = "SWITCHBOARD_";
    private static final YAMLMapper YAML = new YAMLMapper();

    private ConfigLoader() {
    }

    /** Tells whether {@code args} ask for the help text. */
    public static boolean wantsHelp(List<String> args) {
        return args.contains("--help") || args.contains("-h");
    }

    /**
     * Returns the configuration {@code args}, {@code env} and the file they name (or {@link #DEFAULT_FILE} in
     * {@code workDir}) describe.
     *
     * @throws ConfigException naming the first key, variable or flag that cannot be used
     */
    public static ServerConfig load(List<String> args, Map<String, String> env, Path workDir) throws ConfigException {
        Map<String, String> flags = flags(args);
        Map<String, String> vars = environment(env);
        Map<String, String> values = new LinkedHashMap<>();
        Path file = configFile(flags, vars, workDir);
        if (file != null) {
            values.putAll(file(file));
        }
        values.putAll(vars);
        values.putAll(flags);

        ServerConfig.Builder b = ServerConfig.builder();
        for (Setting s : Settings.ALL) {
            String text = values.get(s.key());
            if (text != null && s.kind() != Setting.Kind.LOADER) {
                s.read(b, text);
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** Returns the help text: every key with its default, and how the sources combine. */
    public static String help() {
        StringBuilder out = new StringBuilder()
                .append("Usage: switchboard [--key=value ...]\n\n")
                .append("Reads ./").append(DEFAULT_FILE).append(" (or --config=PATH), then ").append(ENV_PREFIX)
                .append("* environment variables,\n")
                .append("then flags; a later source wins. YAML keys may nest: admin: {port: 8086} is admin.port.\n")
                .append("Variables: the key in upper case, dots and dashes as _ (SWITCHBOARD_ADMIN_PORT).\n")
                .append("Lists are comma-separated in variables and flags. Durations: 500ms, 10s, 2m, 1h.\n\n")
                .append(String.format("  %-28s %-18s %s%n", "flag", "default", "meaning"));
        for (Setting s : Settings.ALL) {
            String dflt = s.show(Settings.DEFAULTS);
            out.append(String.format("  %-28s %-18s %s%n", "--" + s.key(), dflt.isEmpty() ? "(none)" : dflt, s.help()));
        }
        return out.toString();
    }

    private static Map<String, String> flags(List<String> args) throws ConfigException {
        Map<String, String> flags = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new ConfigException(arg + ": unexpected argument (expected: --key=value, see --help)");
            }
            int eq = arg.indexOf('=');
            String key = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            Setting s = Settings.byKey(key);
            if (s == null) {
                throw new ConfigException(key + ": unknown option (see --help)");
            }
            if (eq < 0 && s.kind() != Setting.Kind.BOOLEAN) {
                throw ConfigException.expected(key, "no value", "--" + key + "=VALUE");
            }
            flags.put(key, eq < 0 ? "true" : arg.substring(eq + 1));
        }
        return flags;
    }

    private static Map<String, String> environment(Map<String, String> env) throws ConfigException {
        Map<String, String> vars = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!e.getKey().startsWith(ENV_PREFIX)) {
                continue;
            }
            Setting s = Settings.byEnv(e.getKey());
            if (s == null) {
                // A misspelt variable would otherwise be ignored in silence, and the default used.
                throw new ConfigException(e.getKey() + ": unknown option (see --help)");
            }
            vars.put(s.key(), e.getValue());
        }
        return vars;
    }

    private static Path configFile(Map<String, String> flags, Map<String, String> vars, Path workDir)
            throws ConfigException {
        String named = flags.getOrDefault(Settings.CONFIG, vars.get(Settings.CONFIG));
        if (named == null) {
            Path standard = workDir.resolve(DEFAULT_FILE);
            return Files.isRegularFile(standard) ? standard : null;
        }
        Path file = workDir.resolve(named);
        if (!Files.isRegularFile(file)) {
            throw ConfigException.expected(Settings.CONFIG, named, "an existing YAML file");
        }
        return file;
    }

    private static Map<String, String> file(Path file) throws ConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(file.toFile());
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            throw new ConfigException(Settings.CONFIG + ": " + file + ": invalid YAML"
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
        } catch (IOException e) {
            throw ConfigException.expected(Settings.CONFIG, file.toString(), "a readable file (" + e + ")");
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values; // an empty file
        }
        if (!root.isObject()) {
            throw ConfigException.expected(Settings.CONFIG, file.toString(), "a YAML mapping of options");
        }
        flatten("", root, values, file);
        return values;
    }

    /** Turns nested mappings into dotted keys ({@code admin: {port: 1}} is {@code admin.port}); lists into commas. */
    private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file)
            throws ConfigException {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String key = prefix + e.getKey();
            JsonNode value = e.getValue();
            if (value.isObject()) {
                flatten(key + ".", value, out, file);
                continue;
            }
            Setting s = Settings.byKey(key);
            if (s == null || s.kind() == Setting.Kind.LOADER) {
                throw new ConfigException(key + ": unknown option in " + file + " (see --help)");
            }
            out.put(key, text(key, value));
        }
    }

    private static String text(String key, JsonNode value) throws ConfigException {
        if (value.isNull()) {
            return "";
        }
        if (!value.isArray()) {
            return value.asText();
        }
        List<String> items = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isValueNode()) {
                throw ConfigException.expected(key, item.toString(), "a list of plain values");
            }
            items.add(item.asText());
        }
        return String.join(",", items);
    }
}
