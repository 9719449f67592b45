package io.streamtrain.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The fast path of {@link RecordParser}: accepts a plain, valid record in one pass over its bytes, and answers
 * {@code null} ("ask the full parser") for anything else.
 *
 * <p>Why it exists: a record is mostly numbers (784 pixels for Fashion-MNIST), and Jackson's general tokenizer made
 * reading them most of what a record cost in ingest (figures in docs/benchmarks.md). Producers send a narrow dialect
 * of the wire format (ASCII, no escapes, the four fields once each, plain decimal numbers), and this scanner reads
 * exactly that dialect in one pass, without a tokenizer's generality. It never rejects: whenever it sees anything
 * else, or a value the rules would refuse, it returns {@code null} and {@link RecordParser} parses the record again
 * with Jackson, which finds the reason and writes the message. So the accepted set and the values are Jackson's by
 * construction, checked by {@code RecordScannerTest} on valid, malformed and randomly mutated records.
 *
 * <p>Number values are the same doubles as {@link Double#parseDouble}: integers of up to 15 digits are exact, and a
 * decimal with up to 15 significant digits and no exponent is one correctly rounded division of two exact doubles
 * (Clinger's fast path); other spellings go to the full parser. Not thread-safe.
 */
final class RecordScanner {

    private static final int MAX_EXACT_DIGITS = 15;
    /** Digits of the integers {@link #smallInteger} reads: any 9-digit number fits an int exactly. */
    private static final int SMALL_DIGITS = 9;
    private static final double[] POW10 = new double[MAX_EXACT_DIGITS + 1];

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) {
            POW10[i] = POW10[i - 1] * 10;
        }
    }

    private final IngestRules rules;
    private final Map<String, Integer> labelIndex;
    private byte[] in;
    private int pos;
    /** The last scanned number: its value, and whether it was an integer. */
    private double number;
    private boolean integral;
    private long integer;
    /** The fields of the record scanned so far, as {@link #field} reads them. */
    private String id;
    private long ts;
    private boolean hasTs;
    private int classIndex;
    private float[] vector;

    RecordScanner(IngestRules rules, Map<String, Integer> labelIndex) {
        this.rules = rules;
        this.labelIndex = labelIndex;
    }

    /** The accepted record, or null when the full parser has to decide. */
    ParsedRecord scan(String key, byte[] value) {
        in = value;
        pos = 0;
        id = null;
        ts = 0;
        hasTs = false;
        classIndex = -1;
        vector = null;
        skipWhitespace();
        if (!consume('{')) {
            return null;
        }
        skipWhitespace();
        while (true) {
            if (!field()) {
                return null;
            }
            skipWhitespace();
            if (consume('}')) {
                break;
            }
            if (!consume(',')) {
                return null;
            }
            skipWhitespace();
        }
        skipWhitespace();
        boolean complete = pos == in.length && id != null && hasTs && (classIndex >= 0 || !rules.labelRequired())
                && vector != null;
        if (!complete || id.isEmpty() || id.length() > rules.maxIdLength() || (key != null && !key.equals(id))) {
            return null;
        }
        return ParsedRecord.accepted(id, ts, classIndex, vector);
    }

    /** Reads one {@code "name": value} of the four fields, each at most once; false for anything else. */
    private boolean field() {
        int nameStart = pos + 1;
        int nameEnd = plainString();
        if (nameEnd < 0) {
            return false;
        }
        skipWhitespace();
        if (!consume(':')) {
            return false;
        }
        skipWhitespace();
        switch (fieldOf(nameStart, nameEnd)) {
            case 'i' -> {
                int start = pos + 1;
                int end = id == null ? plainString() : -1;
                if (end < 0) {
                    return false;
                }
                id = new String(in, start, end - start, StandardCharsets.US_ASCII);
            }
            case 't' -> {
                if (hasTs || !scanNumber() || !integral) {
                    return false;
                }
                ts = integer;
                hasTs = true;
            }
            case 'l' -> {
                if (classIndex >= 0) {
                    return false;
                }
                classIndex = label();
                return classIndex >= 0;
            }
            case 'f' -> {
                if (vector != null) {
                    return false;
                }
                vector = features();
                return vector != null;
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** 'i', 't', 'l', 'f' for the four fields; 0 for any other name. */
    private char fieldOf(int start, int end) {
        int length = end - start;
        if (length == 2 && in[start] == 'i' && in[start + 1] == 'd') {
            return 'i';
        }
        if (length == 2 && in[start] == 't' && in[start + 1] == 's') {
            return 't';
        }
        if (length == 5 && matches(start, "label")) {
            return 'l';
        }
        if (length == 8 && matches(start, "features")) {
            return 'f';
        }
        return 0;
    }

    private boolean matches(int start, String name) {
        for (int i = 0; i < name.length(); i++) {
            if (in[start + i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** A class index or class name, or -1. */
    private int label() {
        if (pos < in.length && in[pos] == '"') {
            int start = pos + 1;
            int end = plainString();
            if (end < 0) {
                return -1;
            }
            Integer index = labelIndex.get(new String(in, start, end - start, StandardCharsets.US_ASCII));
            return index == null ? -1 : index;
        }
        if (!scanNumber() || !integral || integer < 0 || integer >= labelIndex.size()) {
            return -1;
        }
        return (int) integer;
    }

    /** The vector if it has exactly feature-count numbers, all in range; otherwise null. */
    private float[] features() {
        if (!consume('[')) {
            return null;
        }
        int expected = rules.schema().featureCount();
        double min = rules.schema().minValue();
        double max = rules.schema().maxValue();
        float[] out = new float[expected];
        int n = 0;
        skipWhitespace();
        if (consume(']')) {
            return n == expected ? out : null;
        }
        while (true) {
            if (n == expected) {
                return null;
            }
            int small = smallInteger();
            double value;
            if (small >= 0) {
                value = small;
            } else if (scanNumber()) {
                value = number;
            } else {
                return null;
            }
            if (value < min || value > max) {
                return null;
            }
            out[n++] = (float) value;
            // A comma straight after the number is by far the most common case.
            if (pos < in.length && in[pos] == ',') {
                pos++;
            } else {
                skipWhitespace();
                if (consume(']')) {
                    return n == expected ? out : null;
                }
                if (!consume(',')) {
                    return null;
                }
            }
            skipWhitespace();
        }
    }

    /**
     * The common case of a feature value, an unsigned integer of at most {@value #SMALL_DIGITS} digits such as a
     * pixel: its value, with the cursor after it; or -1 with the cursor unmoved, for {@link #scanNumber} to read
     * whatever else is there. Fashion-MNIST records are 784 such numbers, so this skips the general scan's sign,
     * fraction and exponent checks for nearly every value.
     */
    private int smallInteger() {
        byte[] b = in;
        int p = pos;
        int end = Math.min(b.length, p + SMALL_DIGITS);
        int value = 0;
        while (p < end && isDigit(b[p])) {
            value = value * 10 + (b[p++] - '0');
        }
        int digits = p - pos;
        boolean plain = digits > 0 && (digits == 1 || b[pos] != '0')
                && (p == b.length || (b[p] != '.' && b[p] != 'e' && b[p] != 'E' && !isDigit(b[p])));
        if (!plain) {
            return -1;
        }
        pos = p;
        return value;
    }

    /**
     * Scans {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?} with at most 15 significant digits into {@link #number}; false for
     * anything else (exponents, more digits, a letter right after the digits), left to the full parser.
     */
    private boolean scanNumber() {
        boolean negative = consume('-');
        int start = pos;
        long mantissa = 0;
        while (pos < in.length && isDigit(in[pos])) {
            mantissa = mantissa * 10 + (in[pos++] - '0');
            if (pos - start > MAX_EXACT_DIGITS) {
                return false;
            }
        }
        int intDigits = pos - start;
        if (intDigits == 0 || (intDigits > 1 && in[start] == '0')) {
            return false;
        }
        int fractionDigits = 0;
        if (consume('.')) {
            int fractionStart = pos;
            while (pos < in.length && isDigit(in[pos])) {
                mantissa = mantissa * 10 + (in[pos++] - '0');
                if (intDigits + pos - fractionStart > MAX_EXACT_DIGITS) {
                    return false;
                }
            }
            fractionDigits = pos - fractionStart;
            if (fractionDigits == 0) {
                return false;
            }
        }
        if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E' || isDigit(in[pos]))) {
            return false;
        }
        integral = fractionDigits == 0;
        if (integral) {
            // Jackson reads "-0" as the integer 0, so negating the integer (not the double) matches it.
            integer = negative ? -mantissa : mantissa;
            number = integer;
        } else {
            double magnitude = mantissa / POW10[fractionDigits];
            number = negative ? -magnitude : magnitude;
        }
        return true;
    }

    /**
     * Scans a string of printable ASCII without escapes, the cursor on its opening quote; returns the index of the
     * closing quote and leaves the cursor after it, or -1.
     */
    private int plainString() {
        if (!consume('"')) {
            return -1;
        }
        while (pos < in.length) {
            byte b = in[pos];
            if (b == '"') {
                return pos++;
            }
            if (b == '\\' || b < 0x20) {
                return -1;
            }
            pos++;
        }
        return -1;
    }

    private void skipWhitespace() {
        // JSON's four whitespace bytes are all at most ' '; digits, quotes and brackets leave after one comparison.
        while (pos < in.length && in[pos] <= ' '
                && (in[pos] == ' ' || in[pos] == '\n' || in[pos] == '\r' || in[pos] == '\t')) {
            pos++;
        }
    }

    private boolean consume(char c) {
        if (pos < in.length && in[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
