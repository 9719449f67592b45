package io.streamtrain.ingest;

import io.streamtrain.core.table.Reason;
import io.streamtrain.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The door: valid records land, every kind of bad record gets its reason code and a message naming the problem. */
class RecordParserTest {

    private final RecordParser parser = new RecordParser(Fixtures.tinyRules());

    private ParsedRecord parse(String json) {
        return parser.parse(null, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void acceptsLabelByIndexAndByName() {
        ParsedRecord byIndex = parse("{\"id\":\"r1\",\"ts\":1700000000000,\"label\":2,\"features\":[0,0.5,1]}");
        assertThat(byIndex.isAccepted()).isTrue();
        assertThat(byIndex.id()).isEqualTo("r1");
        assertThat(byIndex.ts()).isEqualTo(1700000000000L);
        assertThat(byIndex.label()).isEqualTo(2);
        assertThat(byIndex.features()).containsExactly(0f, 0.5f, 1f);

        ParsedRecord byName = parse("{\"features\":[1,1,1],\"label\":\"b\",\"ts\":5,\"id\":\"r2\",\"extra\":{\"x\":[1]}}");
        assertThat(byName.isAccepted()).isTrue();
        assertThat(byName.label()).isEqualTo(1);
    }

    @Test
    void scoresDoorTakesRecordsWithoutALabelAndStillChecksOneThatIsThere() {
        RecordParser scoring = new RecordParser(Fixtures.tinyRules().labelOptional());
        for (String json : List.of("{\"id\":\"u1\",\"ts\":1,\"features\":[0,0.5,1]}",
                "{\"id\":\"u1\",\"ts\":1,\"label\":null,\"features\":[0,0.5,1]}",
                "{\"id\": \"u1\", \"ts\": 1, \"features\": [0, 0.5, 1], \"note\": \"the parser's path\"}")) {
            ParsedRecord p = scoring.parse(null, json.getBytes(StandardCharsets.UTF_8));
            assertThat(p.isAccepted()).as(json).isTrue();
            assertThat(p.labelOrNull()).as(json).isNull();
            assertThat(p.features()).containsExactly(0f, 0.5f, 1f);
        }
        ParsedRecord labelled = scoring.parse(null, "{\"id\":\"l\",\"ts\":1,\"label\":\"b\",\"features\":[1,1,1]}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(labelled.labelOrNull()).isEqualTo(1);
        assertThat(scoring.parse(null, "{\"id\":\"l\",\"ts\":1,\"label\":9,\"features\":[1,1,1]}"
                .getBytes(StandardCharsets.UTF_8)).reason()).isEqualTo(Reason.UNKNOWN_LABEL);
        assertThat(scoring.parse(null, "{\"id\":\"l\",\"ts\":1,\"label\":null,\"label\":3,\"features\":[1,1,1]}"
                .getBytes(StandardCharsets.UTF_8)).reason()).isEqualTo(Reason.DUPLICATE_FIELD);
        // Ingest's door still requires it.
        assertThat(parse("{\"id\":\"u1\",\"ts\":1,\"features\":[0,0.5,1]}").reason())
                .isEqualTo(Reason.MISSING_FIELD);
    }

    @Test
    void keyMustMatchId() {
        byte[] value = "{\"id\":\"r1\",\"ts\":1,\"label\":0,\"features\":[0,0,0]}".getBytes(StandardCharsets.UTF_8);
        assertThat(parser.parse("r1", value).isAccepted()).isTrue();
        ParsedRecord mismatch = parser.parse("other", value);
        assertThat(mismatch.reason()).isEqualTo(Reason.INVALID_ID);
        assertThat(mismatch.message()).contains("'other'").contains("'r1'");
    }

    static Stream<Arguments> badRecords() {
        String deep = "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0,0],\"n\":" + "[".repeat(50) + "]".repeat(50) + "}";
        String huge = "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[" + "0,".repeat(1500) + "0]}";
        return Stream.of(
                Arguments.of("not json at all", Reason.MALFORMED_JSON, "malformed"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,", Reason.MALFORMED_JSON, ""),
                Arguments.of("[1,2,3]", Reason.NOT_AN_OBJECT, "not a JSON object"),
                Arguments.of("\"just a string\"", Reason.NOT_AN_OBJECT, ""),
                Arguments.of("{\"ts\":1,\"label\":0,\"features\":[0,0,0]}", Reason.MISSING_FIELD, "'id'"),
                Arguments.of("{\"id\":\"x\",\"label\":0,\"features\":[0,0,0]}", Reason.MISSING_FIELD, "'ts'"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":null,\"features\":[0,0,0]}", Reason.MISSING_FIELD, "'label'"),
                Arguments.of("{\"id\":7,\"ts\":1,\"label\":0,\"features\":[0,0,0]}", Reason.WRONG_TYPE, "'id'"),
                Arguments.of("{\"id\":\"x\",\"ts\":\"yesterday\",\"label\":0,\"features\":[0,0,0]}", Reason.WRONG_TYPE, "'ts'"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":\"0,0,0\"}", Reason.WRONG_TYPE, "'features'"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,\"a\",0]}", Reason.WRONG_TYPE, "features[1]"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0]}", Reason.WRONG_VECTOR_LENGTH, "has 2 values"),
                Arguments.of(huge, Reason.WRONG_VECTOR_LENGTH, "more than 3"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,\"NaN\",0]}", Reason.NON_FINITE, "features[1]"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,1e999,0]}", Reason.NON_FINITE, "features[1]"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0,7]}", Reason.OUT_OF_RANGE, "features[2] = 7"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[-0.5,0,0]}", Reason.OUT_OF_RANGE, ""),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":3,\"features\":[0,0,0]}", Reason.UNKNOWN_LABEL, "label 3"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":\"dog\",\"features\":[0,0,0]}", Reason.UNKNOWN_LABEL, "'dog'"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":true,\"features\":[0,0,0]}", Reason.WRONG_TYPE, "'label'"),
                Arguments.of("{\"id\":\"\",\"ts\":1,\"label\":0,\"features\":[0,0,0]}", Reason.INVALID_ID, "1 to 64"),
                Arguments.of("{\"id\":\"x\",\"id\":\"y\",\"ts\":1,\"label\":0,\"features\":[0,0,0]}", Reason.DUPLICATE_FIELD, "'id'"),
                Arguments.of(deep, Reason.TOO_DEEP, "max-json-depth=8"),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0,0]} trailing", Reason.MALFORMED_JSON, ""),
                Arguments.of("{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0,0],\"pad\":\"" + "p".repeat(5000) + "\"}",
                        Reason.OVERSIZED_RECORD, "max-record-bytes=4096"));
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("badRecords")
    void quarantinesWithReason(String json, Reason reason, String messagePart) {
        ParsedRecord p = parse(json);
        assertThat(p.isAccepted()).isFalse();
        assertThat(p.reason()).isEqualTo(reason);
        assertThat(p.message()).contains(messagePart);
    }

    @Test
    void nullValueIsATombstone() {
        assertThat(parser.parse("k", null).reason()).isEqualTo(Reason.NULL_VALUE);
    }

    @Test
    void invalidUtf8IsQuarantinedNotDecodedLoosely() {
        byte[] bad = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        assertThat(parser.parse(null, bad).reason()).isEqualTo(Reason.INVALID_UTF8);
    }

    private static final String GOOD = "{\"id\":\"g1\",\"ts\":1,\"label\":0,\"features\":[0,0,0]}";

    private static byte[] bytes(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aLeadingByteOrderMarkIsIgnoredAndTheRecordLands() {
        ParsedRecord p = parser.parse("g1", bytes(new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(GOOD)));
        assertThat(p.isAccepted()).as(p.message()).isTrue();
        assertThat(p.id()).isEqualTo("g1");
    }

    @Test
    void aTrailingCarriageReturnOfACrlfFileIsJsonWhitespace() {
        ParsedRecord p = parser.parse("g1", utf8(GOOD + "\r"));
        assertThat(p.isAccepted()).as(p.message()).isTrue();
        assertThat(p.features()).containsExactly(0f, 0f, 0f);
    }

    @Test
    void emptyAndWhitespaceOnlyValuesAreMalformedJson() {
        for (String blank : new String[]{"", " ", " \t\r", "\r\n  "}) {
            ParsedRecord p = parser.parse(null, utf8(blank));
            assertThat(p.reason()).as("'%s'", blank).isEqualTo(Reason.MALFORMED_JSON);
            assertThat(p.id()).isNull();
        }
    }

    @Test
    void nulBytesAreMalformedJsonAndKeepTheId() {
        ParsedRecord trailing = parser.parse("g1", bytes(utf8(GOOD), new byte[]{0, 0}));
        assertThat(trailing.reason()).isEqualTo(Reason.MALFORMED_JSON);
        assertThat(trailing.id()).isEqualTo("g1");
        ParsedRecord inside = parser.parse(null,
                utf8("{\"id\":\"n1\",\"ts\":1,\u0000\"label\":0,\"features\":[0,0,0]}"));
        assertThat(inside.reason()).isEqualTo(Reason.MALFORMED_JSON);
        assertThat(inside.id()).isEqualTo("n1");
    }

    @Test
    void invalidUtf8AfterTheIdKeepsTheId() {
        byte[] value = bytes(utf8("{\"id\":\"u1\",\"ts\":1,\"label\":\""), new byte[]{(byte) 0xC3, (byte) 0x28},
                utf8("\",\"features\":[0,0,0]}"));
        ParsedRecord p = parser.parse("u1", value);
        assertThat(p.reason()).isEqualTo(Reason.INVALID_UTF8);
        assertThat(p.id()).isEqualTo("u1");
    }

    static Stream<Arguments> rejectionsWithAReadableId() {
        return Stream.of(
                Arguments.of("{\"id\":\"r\",\"ts\":1,\"label\":0,\"features\":[0,7,0]}", Reason.OUT_OF_RANGE),
                Arguments.of("{\"features\":[0,7,0],\"ts\":1,\"label\":0,\"id\":\"r\"}", Reason.OUT_OF_RANGE),
                Arguments.of("{\"id\":\"r\",\"ts\":1,\"label\":0,\"features\":[0,0]}", Reason.WRONG_VECTOR_LENGTH),
                Arguments.of("{\"id\":\"r\",\"ts\":1,\"label\":\"zebra\",\"features\":[0,0,0]}", Reason.UNKNOWN_LABEL),
                Arguments.of("{\"id\":\"r\",\"label\":0,\"features\":[0,0,0]}", Reason.MISSING_FIELD),
                Arguments.of("{\"id\":\"r\",\"ts\":\"now\",\"label\":0,\"features\":[0,0,0]}", Reason.WRONG_TYPE),
                Arguments.of("{\"id\":\"r\",\"ts\":1,\"label\":0,\"features\":[0,0,0]", Reason.MALFORMED_JSON),
                Arguments.of("{\"id\":\"r\",\"ts\":1,\"label\":0,\"features\":[0,0,0],\"pad\":\""
                        + "p".repeat(5000) + "\"}", Reason.OVERSIZED_RECORD));
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("rejectionsWithAReadableId")
    void aRejectionKeepsTheIdOnceItCanBeRead(String json, Reason reason) {
        ParsedRecord p = parse(json);
        assertThat(p.reason()).isEqualTo(reason);
        assertThat(p.id()).isEqualTo("r");
    }

    @Test
    void anIdThatBreaksTheRulesIsNotKept() {
        assertThat(parse("{\"id\":\"\",\"ts\":1,\"label\":0,\"features\":[0,0,0]}").id()).isNull();
        assertThat(parse("{\"id\":\"" + "x".repeat(65) + "\",\"ts\":1,\"label\":0,\"features\":[0,0,0]}").id())
                .isNull();
        assertThat(parse("{\"ts\":1,\"label\":0,\"features\":[0,9,0],\"id\":7}").id()).isNull();
    }

    @Test
    void everyReasonIsDocumentedInTheEnum() {
        // At least 15 kinds of bad input are distinguished at the door (plus DUPLICATE_ID in preprocess).
        assertThat(Reason.values()).hasSizeGreaterThanOrEqualTo(15);
    }
}
