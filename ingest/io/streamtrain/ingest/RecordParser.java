package io.streamtrain.ingest;

import io.streamtrain.core.table.Reason;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.CharConversionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Validates one Kafka record against the wire format
 * {@code {"id": string, "ts": epoch millis, "label": index or name, "features": [numbers]}}.
 *
 * <p>A streaming parser reads the value once, with no intermediate tree, and stops at the first problem, so a huge
 * array or deep nesting costs no more than the limits allow. Unknown fields are skipped for forward compatibility.
 * Plain records take a faster path first ({@link RecordScanner}) that accepts exactly what this parser accepts.
 * Not thread-safe: use one instance per task.
 *
 * <p>What reaches the door byte for byte from a file (produce sends each line as it is) is judged here:
 * <ul>
 *   <li>a leading UTF-8 byte-order mark is accepted and ignored, as RFC 8259 allows a parser to do (Windows tools
 *       write one; the record itself is sound);</li>
 *   <li>a trailing {@code \r} of a CRLF file is JSON whitespace and accepted;</li>
 *   <li>an empty or whitespace-only value is {@link Reason#MALFORMED_JSON} (there is no JSON in it);</li>
 *   <li>NUL and other control bytes outside strings, or unescaped inside them, are {@link Reason#MALFORMED_JSON};</li>
 *   <li>bytes that are not UTF-8 are {@link Reason#INVALID_UTF8}, values over the size limit
 *       {@link Reason#OVERSIZED_RECORD}.</li>
 * </ul>
 * A rejection carries the record's id whenever it can be read (see {@link #readableId}), so a quarantined row can be
 * traced to its source even when only one pixel was wrong.
 */
public final class RecordParser {

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1_000).build())
            .build();
    /** Bytes of a rejected value searched for its id: bounded, so an oversized record costs no more than this. */
    static final int ID_WINDOW = 64 * 1024;

    private final IngestRules rules;
    private final Map<String, Integer> labelIndex;
    private final RecordScanner scanner;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    public RecordParser(IngestRules rules) {
        this.rules = rules;
        this.labelIndex = rules.schema().labelIndex();
        this.scanner = new RecordScanner(rules, labelIndex);
    }

    /**
     * @param key   the Kafka key as a string, or null
     * @param value the Kafka value bytes, or null for a tombstone
     */
    public ParsedRecord parse(String key, byte[] value) {
        ParsedRecord r = judge(key, value);
        if (r.isAccepted() || value == null) {
            return r;
        }
        String id = readableId(value, ID_WINDOW, rules.maxIdLength());
        return id == null ? r : r.withId(id);
    }

    private ParsedRecord judge(String key, byte[] value) {
        if (value == null) {
            return ParsedRecord.rejected(Reason.NULL_VALUE, "Kafka value is null");
        }
        if (value.length > rules.maxRecordBytes()) {
            return ParsedRecord.rejected(Reason.OVERSIZED_RECORD,
                    "value has " + value.length + " bytes, more than ingest.max-record-bytes=" + rules.maxRecordBytes());
        }
        ParsedRecord plain = scanner.scan(key, value);
        if (plain != null) {
            return plain;
        }
        return parseFully(key, value);
    }

    /** Jackson's reading of the record, which decides every record the fast scanner leaves open. */
    ParsedRecord parseFully(String key, byte[] value) {
        try {
            utf8.reset().decode(ByteBuffer.wrap(value));
        } catch (CharacterCodingException e) {
            return ParsedRecord.rejected(Reason.INVALID_UTF8, "value is not valid UTF-8");
        }
        if (isBlank(value)) {
            return ParsedRecord.rejected(Reason.MALFORMED_JSON, value.length == 0 ? "value is empty"
                    : "value is only whitespace");
        }
        try (JsonParser p = JSON.createParser(value)) {
            return parseObject(key, p);
        } catch (JsonParseException | CharConversionException e) {
            return ParsedRecord.rejected(Reason.MALFORMED_JSON, "malformed JSON: " + firstLine(e.getMessage()));
        } catch (IOException e) {
            return ParsedRecord.rejected(Reason.MALFORMED_JSON, "unreadable JSON: " + firstLine(e.getMessage()));
        }
    }

    private ParsedRecord parseObject(String key, JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return ParsedRecord.rejected(Reason.NOT_AN_OBJECT, "value is not a JSON object");
        }
        Fields fields = new Fields();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            ParsedRecord rejection = readField(p, fields);
            if (rejection != null) {
                return rejection;
            }
        }
        if (t != JsonToken.END_OBJECT) {
            return ParsedRecord.rejected(Reason.MALFORMED_JSON, "unexpected " + t + " in object");
        }
        if (p.nextToken() != null) {
            return ParsedRecord.rejected(Reason.MALFORMED_JSON, "trailing content after the JSON object");
        }
        return complete(key, fields);
    }

    /** The fields of the object read so far; null until seen (an optional label left empty stays null). */
    private static final class Fields {
        String id;
        Long ts;
        Integer label;
        boolean labelSeen;
        float[] features;

        boolean seen(String field) {
            return switch (field) {
                case "id" -> id != null;
                case "ts" -> ts != null;
                case "label" -> labelSeen;
                case "features" -> features != null;
                default -> false;
            };
        }
    }

    /** Reads the value of the field at {@code p} into {@code fields}; returns its rejection, or null if sound. */
    private ParsedRecord readField(JsonParser p, Fields fields) throws IOException {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if (fields.seen(field)) {
            return ParsedRecord.rejected(Reason.DUPLICATE_FIELD, "field '" + field + "' appears twice");
        }
        boolean optional = field.equals("label") && !rules.labelRequired();
        if (v == JsonToken.VALUE_NULL && isRequired(field) && !optional) {
            return ParsedRecord.rejected(Reason.MISSING_FIELD, "field '" + field + "' is null");
        }
        switch (field) {
            case "id" -> {
                if (v != JsonToken.VALUE_STRING) {
                    return wrongType("id", "a string", v);
                }
                fields.id = p.getText();
            }
            case "ts" -> {
                if (v != JsonToken.VALUE_NUMBER_INT) {
                    return wrongType("ts", "an integer (epoch millis)", v);
                }
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    return ParsedRecord.rejected(Reason.OUT_OF_RANGE, "field 'ts' does not fit epoch millis");
                }
                fields.ts = p.getLongValue();
            }
            case "label" -> {
                fields.labelSeen = true;
                // An optional label left empty: as if absent.
                if (v != JsonToken.VALUE_NULL) {
                    Object parsed = parseLabel(p, v);
                    if (parsed instanceof ParsedRecord rejection) {
                        return rejection;
                    }
                    fields.label = (Integer) parsed;
                }
            }
            case "features" -> {
                if (v != JsonToken.START_ARRAY) {
                    return wrongType("features", "an array of numbers", v);
                }
                Object parsed = parseFeatures(p);
                if (parsed instanceof ParsedRecord rejection) {
                    return rejection;
                }
                fields.features = (float[]) parsed;
            }
            default -> {
                if (p.getParsingContext().getNestingDepth() > rules.maxJsonDepth()) {
                    return tooDeep();
                }
                return skipBounded(p);
            }
        }
        return null;
    }

    /** Returns the class index of a label given as an index or as a class name, or a rejection. */
    private Object parseLabel(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT) {
            long l = p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? -1 : p.getLongValue();
            if (l < 0 || l >= labelIndex.size()) {
                return ParsedRecord.rejected(Reason.UNKNOWN_LABEL, "label " + p.getText()
                        + " is not a class index 0.." + (labelIndex.size() - 1));
            }
            return (int) l;
        }
        if (v == JsonToken.VALUE_STRING) {
            Integer byName = labelIndex.get(p.getText());
            if (byName == null) {
                return ParsedRecord.rejected(Reason.UNKNOWN_LABEL, "label '" + abbreviate(p.getText())
                        + "' is not one of schema.labels");
            }
            return byName;
        }
        return wrongType("label", "a class index or class name", v);
    }

    /** The record once its object is read: every required field present, the id valid and equal to the key. */
    private ParsedRecord complete(String key, Fields f) {
        if (f.id == null || f.ts == null || (f.label == null && rules.labelRequired()) || f.features == null) {
            String missing = f.id == null ? "id" : f.ts == null ? "ts" : f.label == null ? "label" : "features";
            return ParsedRecord.rejected(Reason.MISSING_FIELD, "required field '" + missing + "' is missing");
        }
        if (f.id.isEmpty() || f.id.length() > rules.maxIdLength()) {
            return ParsedRecord.rejected(Reason.INVALID_ID, "id must have 1 to " + rules.maxIdLength()
                    + " characters, has " + f.id.length());
        }
        if (key != null && !key.equals(f.id)) {
            return ParsedRecord.rejected(Reason.INVALID_ID, "Kafka key '" + abbreviate(key)
                    + "' differs from id '" + abbreviate(f.id) + "'");
        }
        return ParsedRecord.accepted(f.id, f.ts, f.label == null ? ParsedRecord.NO_LABEL : f.label, f.features);
    }

    /** Returns the vector, or a rejection; never reads more than feature-count + 1 elements. */
    private Object parseFeatures(JsonParser p) throws IOException {
        int expected = rules.schema().featureCount();
        double min = rules.schema().minValue();
        double max = rules.schema().maxValue();
        float[] out = new float[expected];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                return ParsedRecord.rejected(Reason.MALFORMED_JSON, "unterminated features array");
            }
            if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                if (t == JsonToken.VALUE_STRING && isNonFiniteName(p.getText())) {
                    return ParsedRecord.rejected(Reason.NON_FINITE, "features[" + n + "] is " + p.getText());
                }
                return wrongType("features[" + n + "]", "a number", t);
            }
            if (n == expected) {
                return ParsedRecord.rejected(Reason.WRONG_VECTOR_LENGTH,
                        "features has more than " + expected + " values");
            }
            double d = p.getDoubleValue();
            if (!Double.isFinite(d) || Math.abs(d) > Float.MAX_VALUE) {
                return ParsedRecord.rejected(Reason.NON_FINITE, "features[" + n + "] = " + p.getText()
                        + " is not a finite float");
            }
            if (d < min || d > max) {
                return ParsedRecord.rejected(Reason.OUT_OF_RANGE, "features[" + n + "] = " + p.getText()
                        + " is outside [" + min + ", " + max + "]");
            }
            out[n++] = (float) d;
        }
        if (n != expected) {
            return ParsedRecord.rejected(Reason.WRONG_VECTOR_LENGTH,
                    "features has " + n + " values, expected " + expected);
        }
        return out;
    }

    /** Skips an unknown field's value, refusing nesting deeper than the limit. */
    private ParsedRecord skipBounded(JsonParser p) throws IOException {
        if (!p.currentToken().isStructStart()) {
            return null;
        }
        int depth = 1;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return ParsedRecord.rejected(Reason.MALFORMED_JSON, "unterminated JSON");
            }
            if (t.isStructStart()) {
                depth++;
                if (p.getParsingContext().getNestingDepth() > rules.maxJsonDepth()) {
                    return tooDeep();
                }
            } else if (t.isStructEnd()) {
                depth--;
            }
        }
        return null;
    }

    private ParsedRecord tooDeep() {
        return ParsedRecord.rejected(Reason.TOO_DEEP, "JSON nests deeper than ingest.max-json-depth="
                + rules.maxJsonDepth());
    }

    /**
     * The top-level {@code "id"} string of a value, read with Jackson from its first {@code window} bytes up to the
     * id field, or null when it is not there, not a string of 1 to {@code maxIdLength} characters, or comes after
     * the point where the value stops being JSON. Never fails: the value is judged elsewhere.
     */
    static String readableId(byte[] value, int window, int maxIdLength) {
        try (JsonParser p = JSON.createParser(value, 0, Math.min(value.length, window))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if ("id".equals(name)) {
                    String id = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    return id == null || id.isEmpty() || id.length() > maxIdLength ? null : id;
                }
                p.skipChildren();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    private static boolean isBlank(byte[] value) {
        for (byte b : value) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static boolean isRequired(String field) {
        return field.equals("id") || field.equals("ts") || field.equals("label") || field.equals("features");
    }

    private static boolean isNonFiniteName(String s) {
        return s.equalsIgnoreCase("nan") || s.equalsIgnoreCase("infinity") || s.equalsIgnoreCase("-infinity")
                || s.equalsIgnoreCase("inf") || s.equalsIgnoreCase("-inf");
    }

    private static ParsedRecord wrongType(String field, String expected, JsonToken found) {
        return ParsedRecord.rejected(Reason.WRONG_TYPE, "field '" + field + "' must be " + expected
                + ", found " + describe(found));
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return abbreviate(nl < 0 ? message : message.substring(0, nl));
    }
}
