package dev.switchboard.core.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Holds {@link RequestParser} to Jackson: for every input, the same tree (same node types, same key order) or
 * the same refusal as {@code ObjectMapper.readTree} with nothing after the object.
 */
class RequestParserTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    final RequestParser parser = new RequestParser();

    /** What JsonCodec did with Jackson: one JSON object and nothing after it, else null. */
    static ObjectNode jackson(byte[] b) {
        try (JsonParser p = MAPPER.createParser(b)) {
            JsonNode n = MAPPER.readTree(p);
            if (p.nextToken() != null) {
                return null;
            }
            return n instanceof ObjectNode o ? o : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    void same(byte[] input) {
        ObjectNode expected = jackson(input);
        ObjectNode actual = parser.parseObject(input, 0, input.length);
        String shown = new String(input, StandardCharsets.UTF_8);
        if (expected == null) {
            assertThat(actual).as("refused by Jackson: %s", shown).isNull();
        } else {
            assertThat(actual).as("parsed by Jackson: %s", shown).isEqualTo(expected);
            assertThat(actual.toString()).as("key order of %s", shown).isEqualTo(expected.toString());
        }
    }

    void same(String input) {
        same(input.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRequestWithManyKeysParsesInLinearTime() throws Exception {
        // Past FieldMap's eight inline fields the keys go to a LinkedHashMap: with a scan per key, 100,000 keys
        // would take 5e9 comparisons (many seconds); hashed, this takes milliseconds.
        StringBuilder b = new StringBuilder("{\"handler\":\"ping\"");
        for (int i = 0; i < 100_000; i++) {
            b.append(",\"k").append(i).append("\":").append(i);
        }
        b.append(",\"k7\":\"again\"}"); // a repeated key: first place, last value
        byte[] input = b.toString().getBytes(StandardCharsets.US_ASCII);
        ObjectNode parsed = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(5), () -> parser.parseObject(input, 0, input.length));
        assertThat(parsed).isEqualTo(MAPPER.readTree(input));
        assertThat(parsed.size()).isEqualTo(100_001);
        assertThat(parsed.path("k7").asText()).isEqualTo("again");
        assertThat(parsed.fieldNames().next()).isEqualTo("handler");
    }

    @Test
    void requestsParseAsJacksonParsesThem() {
        for (String s : new String[] {
                "{\"handler\":\"ping\",\"id\":123456}",
                "{\"handler\":\"controller\",\"module\":\"chat\",\"action\":\"send\",\"id\":7,\"data\":{\"n\":1,\"s\":\"hello\",\"a\":[1,2.5,true,false,null,{}]}}",
                " \t\r\n{ \"a\" : [ ] , \"b\" : { } } \n",
                "{}", "{\"\":\"\"}", "{\"a\":1,\"a\":2,\"b\":3}", "\uFEFF{\"bom\":1}",
                "{\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\\ud800x\"}",
                "{\"utf8\":\"é€😀 mixed \\n with escapes\",\"ключ\":\"значение\"}",
                "{\"k\":\"\\ude00\"}", "{\"\\ud83d\\ude00\":1}", "{\"\\uE83D\":1}", "{\"é\\ud83d\\ude00\":1}",
                "{\"n\":[0,-0,1,-1,2147483647,2147483648,-2147483648,-2147483649,9223372036854775807,"
                        + "9223372036854775808,-9223372036854775808,-9223372036854775809,123456789012345678901234567890]}",
                "{\"f\":[0.0,-0.0,1.5,-1.5e3,1E5,1e-5,1.0E+2,0e0,1e400,-1e400,4.9e-324,2.2250738585072014E-308,0.1]}",
        }) {
            same(s);
        }
    }

    @Test
    void malformedInputIsRefusedAsJacksonRefusesIt() {
        for (String s : new String[] {
                "", " ", "[]", "[1]", "\"s\"", "1", "null", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}",
                "{\"a\":1 \"b\":2}", "{'a':1}", "{a:1}", "{\"a\":01}", "{\"a\":-01}", "{\"a\":+1}", "{\"a\":.5}",
                "{\"a\":1.}", "{\"a\":1e}", "{\"a\":1e+}", "{\"a\":-}", "{\"a\":NaN}", "{\"a\":Infinity}",
                "{\"a\":tru}", "{\"a\":truex}", "{\"a\":nul}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
                "{\"a\":\"\\u12G4\"}", "{\"a\":\"tab\there\"}", "{\"a\":\"new\nline\"}", "{\"a\":\"open}",
                "{\"a\":1} x", "{\"a\":1}{}", "{\"a\":1} // c", "{/*c*/\"a\":1}", "{\"a\":[1,]}", "{\"a\":[,1]}",
                "{\"a\":1x}", "{\"a\":0x10}", "{\"a\":1/2}", "{\"a\":[1 2]}",
                // Lone surrogates in keys (values keep them).
                "{\"\\ude00\":1}", "{\"\\ud83d\":1}", "{\"\\ud83dx\":1}", "{\"a\\ud800\":1}", "{\"\\ud800\\ud800\":1}",
        }) {
            same(s);
        }
    }

    @Test
    void nestingIsLimitedAsJacksonLimitsIt() {
        for (int depth : new int[] {10, RequestParser.MAX_DEPTH - 1, RequestParser.MAX_DEPTH, RequestParser.MAX_DEPTH + 1, 5000}) {
            same("{\"a\":" + "[".repeat(depth) + "]".repeat(depth) + "}");
            same("{\"a\":" + "{\"b\":".repeat(depth) + "1" + "}".repeat(depth) + "}");
        }
        assertThat(parser.parseObject("{\"a\":[[1]]}".getBytes(), 0, 11)).isNotNull();
    }

    @Test
    void longKeysAreLimitedAsJacksonLimitsThem() {
        for (int bytes : new int[] {49_999, 50_000, 50_001}) {
            same("{\"" + "a".repeat(bytes) + "\":1}");
            same("{\"" + "\\u0061".repeat(bytes) + "\":1}");
            same("{\"" + "é".repeat(bytes / 2) + "a".repeat(bytes % 2) + "\":1}");
            same("{\"" + "€".repeat(bytes / 3) + "a".repeat(bytes % 3) + "\":1}");
            same("{\"" + "😀".repeat(bytes / 4) + "a".repeat(bytes % 4) + "\":1}");
            same("{\"" + "\\ud83d\\ude00".repeat(bytes / 4) + "a".repeat(bytes % 4) + "\":1}");
            same("{\"k\":\"" + "a".repeat(bytes) + "\"}"); // values have no such limit
        }
    }

    @Test
    void longNumbersAreLimitedAsJacksonLimitsThem() {
        for (int digits : new int[] {997, 998, 999, 1000, 1001, 3000}) {
            String n = "7".repeat(digits);
            for (String sign : new String[] {"", "-"}) {
                same("{\"i\":" + sign + n + "}");
                same("{\"f\":" + sign + "1." + n + "}");
                same("{\"f\":" + sign + n + ".5}");
                same("{\"e\":" + sign + "1e" + n + "}");
                same("{\"e\":" + sign + n + "e5}");
                same("{\"e\":" + sign + "1." + n + "e+5}");
                same("{\"e\":" + sign + "1.5e-" + n + "}");
            }
        }
    }

    @Test
    void randomDocumentsAndTheirMutationsParseAsJacksonParsesThem() {
        Random random = new Random(20261127);
        int compared = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder doc = new StringBuilder();
            object(random, doc, 0);
            byte[] valid = doc.toString().getBytes(StandardCharsets.UTF_8);
            same(valid);
            byte[] mutated = mutate(random, valid);
            // The gateway sees only valid UTF-8 (Netty's validator comes first), and Jackson reads bytes
            // starting with NUL as UTF-16/32: compare on what a text frame can carry as JSON.
            if (!isUtf8(mutated)) {
                assertThat(parser.parseObject(mutated, 0, mutated.length)).as("not UTF-8").isNull();
            } else if (mutated.length == 0 || mutated[0] != 0) {
                same(mutated);
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(15_000);
    }

    @Test
    void textThatIsNotUtf8IsRefusedWhereverItStands() {
        String[] bad = {"C3 28", "A0", "C0 AF", "C1 BF", "E0 80 AF", "ED A0 80", "ED BF BF", "F0 80 80 AF", "F4 90 80 80",
                "F5 80 80 80", "FF", "E2 82", "F0 9F 98"};
        for (String hex : bad) {
            byte[] seq = bytes(hex);
            for (String[] around : new String[][] {{"{\"k\":\"", "\"}"}, {"{\"k\":\"a\\n", "b\"}"}, {"{\"", "\":1}"}}) {
                byte[] doc = concat(around[0].getBytes(StandardCharsets.UTF_8), seq, around[1].getBytes(StandardCharsets.UTF_8));
                assertThat(parser.parseObject(doc, 0, doc.length)).as(hex).isNull();
            }
        }
        for (String hex : new String[] {"C2 80", "DF BF", "E0 A0 80", "ED 9F BF", "EE 80 80", "EF BF BF", "F0 90 80 80", "F4 8F BF BF"}) {
            byte[] doc = concat("{\"k\":\"".getBytes(), bytes(hex), "\"}".getBytes());
            assertThat(parser.parseObject(doc, 0, doc.length)).as(hex).isNotNull();
        }
    }

    @Test
    void theUtf8CheckAgreesWithTheJdkOnRandomBytes() {
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[1 + random.nextInt(6)];
            random.nextBytes(b);
            if (random.nextBoolean()) {
                b[0] = (byte) (0xC0 | b[0]); // a lead byte more often than chance gives
            }
            assertThat(RequestParser.isUtf8(b, 0, b.length)).as("%s", java.util.HexFormat.ofDelimiter(" ").formatHex(b))
                    .isEqualTo(isUtf8(b));
        }
    }

    private static byte[] bytes(String hex) {
        return java.util.HexFormat.ofDelimiter(" ").parseHex(hex);
    }

    private static byte[] concat(byte[]... parts) {
        return io.netty.buffer.ByteBufUtil.getBytes(io.netty.buffer.Unpooled.wrappedBuffer(parts));
    }

    @Test
    void builtInHandlerNamesAreSharedNodesAndNearMissesAreNot() {
        JsonNode first = parser.parseObject("{\"handler\":\"ping\"}".getBytes(), 0, 18).get("handler");
        JsonNode second = parser.parseObject("{\"handler\":\"ping\"}".getBytes(), 0, 18).get("handler");
        assertThat(second).isSameAs(first).hasToString("\"ping\"");
        for (String near : new String[] {"pin", "pings", "p\\u0069ng", "Ping", "publisher", "controllers"}) {
            byte[] b = ("{\"handler\":\"" + near + "\"}").getBytes(StandardCharsets.UTF_8);
            JsonNode n = parser.parseObject(b, 0, b.length).get("handler");
            assertThat(n).as(near).isNotSameAs(first);
            assertThat(n).isEqualTo(jackson(b).get("handler"));
        }
    }

    @Test
    void aSliceIsParsedAloneAndTheParserIsReusable() {
        byte[] b = "xx{\"handler\":\"ping\"}yy".getBytes(StandardCharsets.UTF_8);
        assertThat(parser.parseObject(b, 2, b.length - 4)).hasToString("{\"handler\":\"ping\"}");
        assertThat(parser.parseObject(b, 2, b.length - 3)).isNull();
        assertThat(parser.parseObject(b, 0, b.length)).isNull();
        assertThat(parser.parseObject(b, 2, b.length - 4).get("handler").textValue()).isEqualTo("ping");
    }

    private static void object(Random r, StringBuilder sb, int depth) {
        sb.append('{');
        int n = r.nextInt(depth == 0 ? 6 : 4);
        for (int i = 0; i < n; i++) {
            space(r, sb);
            string(r, sb, true);
            space(r, sb);
            sb.append(':');
            space(r, sb);
            value(r, sb, depth + 1);
            space(r, sb);
            if (i < n - 1) {
                sb.append(',');
            }
        }
        space(r, sb);
        sb.append('}');
    }

    private static void value(Random r, StringBuilder sb, int depth) {
        switch (r.nextInt(depth > 4 ? 5 : 7)) {
            case 0 -> string(r, sb, false);
            case 1 -> number(r, sb);
            case 2 -> sb.append(r.nextBoolean() ? "true" : "false");
            case 3 -> sb.append("null");
            case 4 -> number(r, sb);
            case 5 -> object(r, sb, depth);
            default -> {
                sb.append('[');
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    space(r, sb);
                    value(r, sb, depth + 1);
                    if (i < n - 1) {
                        sb.append(',');
                    }
                }
                space(r, sb);
                sb.append(']');
            }
        }
    }

    private static final String[] KEYS = {"handler", "id", "module", "action", "data", "channel", "message", "a", "", "hand", "ids"};
    private static final String ALPHABET = "abcxyz09 _-\"\\/\b\f\n\r\t\u0001\u001féß€😀\u2028";

    private static void string(Random r, StringBuilder sb, boolean key) {
        sb.append('"');
        if (key && r.nextBoolean()) {
            sb.append(KEYS[r.nextInt(KEYS.length)]);
        } else {
            int n = r.nextInt(12);
            for (int i = 0; i < n; i++) {
                int cp = ALPHABET.codePointAt(ALPHABET.offsetByCodePoints(0, r.nextInt(ALPHABET.codePointCount(0, ALPHABET.length()))));
                if (cp == '"' || cp == '\\' || cp < 0x20 || r.nextInt(8) == 0) {
                    escape(r, sb, cp);
                } else {
                    sb.appendCodePoint(cp);
                }
            }
        }
        sb.append('"');
    }

    private static void escape(Random r, StringBuilder sb, int cp) {
        String shortForm = switch (cp) {
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case '/' -> "\\/";
            case '\b' -> "\\b";
            case '\f' -> "\\f";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> null;
        };
        if (shortForm != null && r.nextBoolean()) {
            sb.append(shortForm);
            return;
        }
        for (char c : Character.toChars(cp)) {
            String hex = String.format("%04x", (int) c);
            sb.append("\\u").append(r.nextBoolean() ? hex : hex.toUpperCase());
        }
    }

    private static void number(Random r, StringBuilder sb) {
        switch (r.nextInt(6)) {
            case 0 -> sb.append(r.nextInt(1000) - 500);
            case 1 -> sb.append(r.nextInt());
            case 2 -> sb.append(r.nextLong());
            case 3 -> sb.append(r.nextBoolean() ? "-" : "").append(new java.math.BigInteger(70 + r.nextInt(60), r).toString());
            case 4 -> sb.append(r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10));
            default -> sb.append(r.nextBoolean() ? "-" : "").append(r.nextInt(100)).append('.').append(r.nextInt(1000))
                    .append(r.nextBoolean() ? "" : (r.nextBoolean() ? "e" : "E") + (r.nextBoolean() ? "-" : r.nextBoolean() ? "+" : "") + r.nextInt(400));
        }
    }

    private static void space(Random r, StringBuilder sb) {
        if (r.nextInt(4) == 0) {
            sb.append(" \n\t\r".charAt(r.nextInt(4)));
        }
    }

    private static final byte[] NOISE = "{}[]\":,\\ 0123456789-+.eEtrufalsn\u0000x/".getBytes(StandardCharsets.UTF_8);

    private static byte[] mutate(Random r, byte[] in) {
        byte[] b = in;
        for (int k = 1 + r.nextInt(3); k > 0; k--) {
            int at = b.length == 0 ? 0 : r.nextInt(b.length);
            byte noise = NOISE[r.nextInt(NOISE.length)];
            switch (r.nextInt(3)) {
                case 0 -> { // delete
                    if (b.length > 0) {
                        byte[] c = new byte[b.length - 1];
                        System.arraycopy(b, 0, c, 0, at);
                        System.arraycopy(b, at + 1, c, at, b.length - at - 1);
                        b = c;
                    }
                }
                case 1 -> { // insert
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = noise;
                    System.arraycopy(b, at, c, at + 1, b.length - at);
                    b = c;
                }
                default -> { // replace
                    if (b.length > 0) {
                        b = b.clone();
                        b[at] = noise;
                    }
                }
            }
        }
        return b;
    }

    private static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
