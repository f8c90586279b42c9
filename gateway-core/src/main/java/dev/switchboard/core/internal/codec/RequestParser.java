package dev.switchboard.core.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Parses a client message (UTF-8 JSON, RFC 8259) into the Jackson tree that {@code Request} wraps, the same
 * tree {@code ObjectMapper.readTree} builds, in a single pass over the bytes. It exists because the message
 * path has one parse per request and Jackson's setup per document (bootstrapper, parser, symbol table,
 * deserialization context) costs more than the parse of a 30-byte request itself: 190 ns against ~60 ns here
 * (see docs/benchmarks.md, request path).
 *
 * <p>It accepts what Jackson's defaults accept from UTF-8 input, and builds the same nodes: strict JSON (no
 * comments, no single quotes, no trailing commas, no leading zeros or {@code +}, no {@code NaN}), a leading
 * UTF-8 byte order mark skipped, nesting at most {@value #MAX_DEPTH} deep, keys of at most
 * {@value #MAX_NAME_LENGTH} bytes, numbers of at most {@value #MAX_NUMBER_LENGTH} digits; integers as {@link IntNode}, {@link LongNode} or {@link BigIntegerNode} by size, other numbers
 * as {@link DoubleNode}; a repeated key keeps its first position and its last value. A differential test
 * against Jackson ({@code RequestParserTest}) holds it to that. One difference is deliberate: Jackson guesses
 * UTF-16 or UTF-32 from NUL bytes at the start of a document; a WebSocket text message is UTF-8 (RFC 6455
 * §5.6, RFC 8259 §8.1), so such a message is refused here.
 *
 * <p>It also checks that the bytes are UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF), which RFC 6455 §8.1 requires of a text message, so the pipeline needs no separate validator:
 * non-ASCII bytes can only stand in strings, and each string with any is checked. So a document it returns
 * was valid UTF-8 throughout; one it refuses may not have been ({@code JsonCodec} then checks, to close with
 * 1007 rather than answer a JSON error).
 *
 * <p>Not thread-safe; one per thread, reused.
 */
final class RequestParser {

    /** Jackson's default {@code StreamReadConstraints.maxNestingDepth}. */
    static final int MAX_DEPTH = 1000;
    /** Jackson's default {@code StreamReadConstraints.maxNameLength}, in UTF-8 bytes of the decoded key. */
    static final int MAX_NAME_LENGTH = 50_000;
    /** Jackson's default {@code StreamReadConstraints.maxNumberLength}, in digits (integer, fraction and exponent). */
    static final int MAX_NUMBER_LENGTH = 1000;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Keys every request repeats: returned as constants instead of new strings. */
    private static final String[] COMMON_KEYS = {"handler", "id", "module", "action", "data", "channel", "message"};
    private static final byte[][] COMMON_KEY_BYTES = ascii(COMMON_KEYS);
    /** Values every request repeats (the built-in handlers' names): shared nodes instead of new ones. */
    private static final String[] COMMON_VALUES = {"ping", "controller", "subscribe", "unsubscribe", "publish"};
    private static final byte[][] COMMON_VALUE_BYTES = ascii(COMMON_VALUES);
    private static final TextNode[] COMMON_TEXT_NODES = new TextNode[COMMON_VALUES.length];
    private static final int LONGEST_COMMON_VALUE = java.util.Arrays.stream(COMMON_VALUES).mapToInt(String::length).max().orElse(0);

    static {
        for (int i = 0; i < COMMON_VALUES.length; i++) {
            COMMON_TEXT_NODES[i] = new TextNode(COMMON_VALUES[i]);
        }
    }

    private static byte[][] ascii(String[] strings) {
        byte[][] out = new byte[strings.length][];
        for (int i = 0; i < strings.length; i++) {
            out[i] = strings[i].getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }

    private byte[] in;
    private int pos;
    private int end;
    private int depth;
    private final StringBuilder chars = new StringBuilder(64);

    /** Thrown for anything that is not one JSON object; carries no stack (bad input is routine). */
    static final class Malformed extends Exception {
        static final Malformed INSTANCE = new Malformed();

        private Malformed() {
            super("malformed JSON", null, false, false);
        }
    }

    /** Returns the object {@code in[offset, offset + length)} holds, or {@code null} when it is not exactly one JSON object. */
    ObjectNode parseObject(byte[] in, int offset, int length) {
        this.in = in;
        this.pos = offset;
        this.end = offset + length;
        this.depth = 0;
        try {
            if (end - pos >= 3 && in[pos] == (byte) 0xEF && in[pos + 1] == (byte) 0xBB && in[pos + 2] == (byte) 0xBF) {
                pos += 3; // UTF-8 byte order mark
            }
            skipSpace();
            if (pos >= end || in[pos] != '{') {
                return null;
            }
            pos++;
            ObjectNode result = object();
            skipSpace();
            return pos == end ? result : null;
        } catch (Malformed e) {
            return null;
        } finally {
            this.in = null;
            if (chars.capacity() > 4096) {
                chars.setLength(0);
                chars.trimToSize();
            }
        }
    }

    private void skipSpace() {
        while (pos < end) {
            byte b = in[pos];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return;
            }
            pos++;
        }
    }

    private byte next() throws Malformed {
        if (pos >= end) {
            throw Malformed.INSTANCE;
        }
        return in[pos++];
    }

    /** After the '{'. */
    private ObjectNode object() throws Malformed {
        if (++depth > MAX_DEPTH) {
            throw Malformed.INSTANCE;
        }
        // Jackson's own objectNode() starts a LinkedHashMap of 16 buckets; a request has a handful of keys, which a
        // FieldMap keeps in one array, in order, with no hashing.
        ObjectNode o = new ObjectNode(NODES, new FieldMap());
        skipSpace();
        if (pos < end && in[pos] == '}') {
            pos++;
            depth--;
            return o;
        }
        while (true) {
            skipSpace();
            if (next() != '"') {
                throw Malformed.INSTANCE;
            }
            String key = key();
            skipSpace();
            if (next() != ':') {
                throw Malformed.INSTANCE;
            }
            skipSpace();
            o.replace(key, value());
            skipSpace();
            byte b = next();
            if (b == '}') {
                depth--;
                return o;
            }
            if (b != ',') {
                throw Malformed.INSTANCE;
            }
        }
    }

    /** After the '['. */
    private ArrayNode array() throws Malformed {
        if (++depth > MAX_DEPTH) {
            throw Malformed.INSTANCE;
        }
        ArrayNode a = NODES.arrayNode();
        skipSpace();
        if (pos < end && in[pos] == ']') {
            pos++;
            depth--;
            return a;
        }
        while (true) {
            skipSpace();
            a.add(value());
            skipSpace();
            byte b = next();
            if (b == ']') {
                depth--;
                return a;
            }
            if (b != ',') {
                throw Malformed.INSTANCE;
            }
        }
    }

    private JsonNode value() throws Malformed {
        byte b = next();
        switch (b) {
            case '"':
                return text();
            case '{':
                return object();
            case '[':
                return array();
            case 't':
                literal("rue");
                return BooleanNode.TRUE;
            case 'f':
                literal("alse");
                return BooleanNode.FALSE;
            case 'n':
                literal("ull");
                return NullNode.instance;
            default:
                if (b == '-' || (b >= '0' && b <= '9')) {
                    pos--;
                    return number();
                }
                throw Malformed.INSTANCE;
        }
    }

    private void literal(String rest) throws Malformed {
        if (end - pos < rest.length()) {
            throw Malformed.INSTANCE;
        }
        for (int i = 0; i < rest.length(); i++) {
            if (in[pos + i] != rest.charAt(i)) {
                throw Malformed.INSTANCE;
            }
        }
        pos += rest.length();
    }

    /** After the opening quote of a value: a common value's shared node (TextNode is immutable), else a new one. */
    private TextNode text() throws Malformed {
        int start = pos;
        int close = plainEnd(Math.min(end, pos + LONGEST_COMMON_VALUE + 1)); // a short look: most values are not these
        if (close >= 0) {
            for (int k = 0; k < COMMON_VALUE_BYTES.length; k++) {
                byte[] known = COMMON_VALUE_BYTES[k];
                if (known.length == close - start && regionEquals(known, start)) {
                    pos = close + 1;
                    return COMMON_TEXT_NODES[k];
                }
            }
        }
        return TextNode.valueOf(string(false));
    }

    /** After the opening quote of a key: a common key's constant, else a new string. */
    private String key() throws Malformed {
        int start = pos;
        int close = plainEnd();
        if (close < 0) {
            String key = string(true);
            if (key.length() * 3 > MAX_NAME_LENGTH && utf8Length(key) > MAX_NAME_LENGTH) {
                throw Malformed.INSTANCE;
            }
            return key;
        }
        int length = close - start;
        if (length > MAX_NAME_LENGTH) {
            throw Malformed.INSTANCE;
        }
        pos = close + 1;
        for (int k = 0; k < COMMON_KEY_BYTES.length; k++) {
            byte[] known = COMMON_KEY_BYTES[k];
            if (known.length == length && regionEquals(known, start)) {
                return COMMON_KEYS[k];
            }
        }
        return new String(in, start, length, StandardCharsets.ISO_8859_1);
    }

    /** The length of {@code s} in UTF-8 (its surrogates come in pairs: keys with lone ones are refused). */
    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3; // a pair is 2 + 2
        }
        return n;
    }

    private boolean regionEquals(byte[] known, int start) {
        for (int i = 0; i < known.length; i++) {
            if (in[start + i] != known[i]) {
                return false;
            }
        }
        return true;
    }

    /** The index of the closing quote when the string from {@code pos} is plain ASCII, else -1. */
    private int plainEnd() {
        return plainEnd(end);
    }

    /** As {@link #plainEnd()}, looking no further than {@code limit}. */
    private int plainEnd(int limit) {
        for (int i = pos; i < limit; i++) {
            byte b = in[i];
            if (b == '"') {
                return i;
            }
            if (b == '\\' || b < 0x20) { // an escape, a control character or a non-ASCII byte (negative)
                return -1;
            }
        }
        return -1;
    }

    /** After the opening quote. In a key, escaped surrogates must pair up (Jackson refuses them there). */
    private String string(boolean key) throws Malformed {
        int start = pos;
        boolean ascii = true;
        for (int i = pos; i < end; i++) {
            byte b = in[i];
            if (b == '"') {
                pos = i + 1;
                if (ascii) {
                    return new String(in, start, i - start, StandardCharsets.ISO_8859_1);
                }
                return utf8(start, i);
            }
            if (b == '\\') {
                return escaped(start, i, key);
            }
            if (b >= 0 && b < 0x20) {
                throw Malformed.INSTANCE; // control characters must be escaped (RFC 8259 §7)
            }
            if (b < 0) {
                ascii = false;
            }
        }
        throw Malformed.INSTANCE;
    }

    /** A string with escapes: {@code in[start, firstEscape)} is plain. */
    private String escaped(int start, int firstEscape, boolean key) throws Malformed {
        StringBuilder sb = chars;
        sb.setLength(0);
        sb.append(utf8(start, firstEscape));
        pos = firstEscape;
        int run = pos; // start of the current unescaped run
        while (true) {
            if (pos >= end) {
                throw Malformed.INSTANCE;
            }
            byte b = in[pos];
            if (b == '"') {
                appendRun(sb, run, pos);
                pos++;
                return sb.toString();
            }
            if (b >= 0 && b < 0x20) {
                throw Malformed.INSTANCE;
            }
            if (b != '\\') {
                pos++;
                continue;
            }
            appendRun(sb, run, pos);
            pos++;
            byte e = next();
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char c = hex4();
                    sb.append(c);
                    if (key && Character.isSurrogate(c)) {
                        if (Character.isLowSurrogate(c) || end - pos < 2 || in[pos] != '\\' || in[pos + 1] != 'u') {
                            throw Malformed.INSTANCE;
                        }
                        pos += 2;
                        char low = hex4();
                        if (!Character.isLowSurrogate(low)) {
                            throw Malformed.INSTANCE;
                        }
                        sb.append(low);
                    }
                }
                default -> throw Malformed.INSTANCE;
            }
            run = pos;
        }
    }

    private void appendRun(StringBuilder sb, int from, int to) throws Malformed {
        if (to > from) {
            sb.append(utf8(from, to));
        }
    }

    /** Decodes {@code in[from, to)}, refusing anything that is not well-formed UTF-8. */
    private String utf8(int from, int to) throws Malformed {
        if (!isUtf8(in, from, to)) {
            throw Malformed.INSTANCE;
        }
        return new String(in, from, to - from, StandardCharsets.UTF_8);
    }

    /** Whether {@code b[from, to)} is well-formed UTF-8 (RFC 3629 §4; the table of valid byte sequences). */
    static boolean isUtf8(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need;
            int min = 0x80;
            int max = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                if (c == 0xE0) {
                    min = 0xA0; // no overlong forms
                } else if (c == 0xED) {
                    max = 0x9F; // no surrogates
                }
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                if (c == 0xF0) {
                    min = 0x90;
                } else if (c == 0xF4) {
                    max = 0x8F; // nothing past U+10FFFF
                }
            } else {
                return false; // a continuation byte first, C0/C1 (overlong) or F5..FF
            }
            if (to - i <= need) {
                return false;
            }
            int second = b[i + 1] & 0xFF;
            if (second < min || second > max) {
                return false;
            }
            for (int k = 2; k <= need; k++) {
                int cont = b[i + k] & 0xFF;
                if (cont < 0x80 || cont > 0xBF) {
                    return false;
                }
            }
            i += need + 1;
        }
        return true;
    }

    /** Four hex digits: one UTF-16 unit (a lone surrogate stays, as Jackson keeps it). */
    private char hex4() throws Malformed {
        if (end - pos < 4) {
            throw Malformed.INSTANCE;
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(in[pos + i], 16);
            if (d < 0) {
                throw Malformed.INSTANCE;
            }
            v = (v << 4) | d;
        }
        pos += 4;
        return (char) v;
    }

    private JsonNode number() throws Malformed {
        int start = pos;
        if (in[pos] == '-') {
            pos++;
        }
        int intStart = pos;
        if (pos >= end) {
            throw Malformed.INSTANCE;
        }
        if (in[pos] == '0') {
            pos++;
        } else if (in[pos] >= '1' && in[pos] <= '9') {
            while (pos < end && in[pos] >= '0' && in[pos] <= '9') {
                pos++;
            }
        } else {
            throw Malformed.INSTANCE;
        }
        int intDigits = pos - intStart;
        int digits = intDigits;
        boolean integral = true;
        if (pos < end && in[pos] == '.') {
            integral = false;
            pos++;
            int fracStart = pos;
            while (pos < end && in[pos] >= '0' && in[pos] <= '9') {
                pos++;
            }
            if (pos == fracStart) {
                throw Malformed.INSTANCE;
            }
            digits += pos - fracStart;
        }
        if (pos < end && (in[pos] == 'e' || in[pos] == 'E')) {
            integral = false;
            pos++;
            if (pos < end && (in[pos] == '+' || in[pos] == '-')) {
                pos++;
            }
            int expStart = pos;
            while (pos < end && in[pos] >= '0' && in[pos] <= '9') {
                pos++;
            }
            if (pos == expStart) {
                throw Malformed.INSTANCE;
            }
            digits += pos - expStart;
        }
        if (pos < end && isNumberTail(in[pos])) {
            throw Malformed.INSTANCE; // "01", "1x", "-": a number must end at a delimiter
        }
        if (digits > MAX_NUMBER_LENGTH) {
            throw Malformed.INSTANCE;
        }
        if (integral) {
            if (intDigits <= 18) {
                long v = 0;
                for (int i = intStart; i < pos; i++) {
                    v = v * 10 + (in[i] - '0');
                }
                if (in[start] == '-') {
                    v = -v;
                }
                return v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
            }
            BigInteger big = new BigInteger(new String(in, start, pos - start, StandardCharsets.ISO_8859_1));
            return big.bitLength() < 64 ? LongNode.valueOf(big.longValue()) : BigIntegerNode.valueOf(big);
        }
        return DoubleNode.valueOf(Double.parseDouble(new String(in, start, pos - start, StandardCharsets.ISO_8859_1)));
    }

    /** Bytes that may not follow a number directly (anything but a delimiter or whitespace). */
    private static boolean isNumberTail(byte b) {
        return b != ',' && b != '}' && b != ']' && b != ' ' && b != '\n' && b != '\r' && b != '\t';
    }
}
