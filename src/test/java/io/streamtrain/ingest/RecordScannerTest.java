package io.streamtrain.ingest;

import io.streamtrain.core.RecordSchema;
import io.streamtrain.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit: the fast scanner is an optimisation, never a second opinion. Whatever it accepts, the full Jackson parser
 * accepts with bit-identical values; and it does take the records producers actually send.
 */
class RecordScannerTest {

    private static final IngestRules FASHION = new IngestRules(Fixtures.fashionSchema(), 1 << 20, 8, 64);
    private static final IngestRules TINY = new IngestRules(new RecordSchema(3, -1000, 1000, List.of("a", "b", "c")),
            4096, 8, 64);
    private static final IngestRules WIDE = new IngestRules(new RecordSchema(3, -1e16, 1e16, List.of("a", "b")), 4096, 8,
            64);

    /** Asserts agreement on one value; returns whether the scanner decided it. */
    private static boolean agrees(IngestRules rules, String key, byte[] value) {
        RecordParser parser = new RecordParser(rules);
        ParsedRecord fast = new RecordScanner(rules, rules.schema().labelIndex()).scan(key, value);
        ParsedRecord full = parser.parseFully(key, value);
        if (fast == null) {
            return false;
        }
        String input = new String(value, StandardCharsets.UTF_8);
        assertThat(full.isAccepted()).as("full parser accepts %s (it says %s)", input, full.message()).isTrue();
        assertThat(fast.id()).as(input).isEqualTo(full.id());
        assertThat(fast.ts()).as(input).isEqualTo(full.ts());
        assertThat(fast.label()).as(input).isEqualTo(full.label());
        assertThat(fast.features().length).isEqualTo(full.features().length);
        for (int i = 0; i < fast.features().length; i++) {
            assertThat(Float.floatToRawIntBits(fast.features()[i])).as("features[%d] of %s", i, input)
                    .isEqualTo(Float.floatToRawIntBits(full.features()[i]));
        }
        return true;
    }

    private static boolean agrees(IngestRules rules, String json) {
        return agrees(rules, null, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void takesEveryRealFashionMnistRecordAsTheFullParserDoes() {
        List<FashionMnistIdx.Image> images = FashionMnistIdx.readImages(
                Fixtures.fashionSlice().resolve("t10k-images-idx3-ubyte.gz"),
                Fixtures.fashionSlice().resolve("t10k-labels-idx1-ubyte.gz"));
        for (int i = 0; i < images.size(); i++) {
            byte[] json = FashionMnistIdx.toJson("test-" + i, 1_700_000_000_000L + i, images.get(i).label(),
                    images.get(i).pixels());
            assertThat(agrees(FASHION, "test-" + i, json)).as("record %d takes the fast path", i).isTrue();
        }
    }

    @Test
    void agreesOnSyntheticRecordsIncludingMalformedOnes() {
        RecordSchema schema = new RecordSchema(32, 0, 10, List.of("a", "b", "c", "d"));
        IngestRules rules = new IngestRules(schema, 1 << 20, 8, 64);
        var events = new SyntheticEvents(schema, new SyntheticEvents.Spec(3000, 7, 1.0, 0.1, 0.05, 0.2), 1L);
        int fast = 0;
        while (events.hasNext()) {
            Event e = events.next();
            fast += agrees(rules, e.key(), e.value()) ? 1 : 0;
        }
        // Float.toString spells most values as plain decimals; the malformed fifth and exponents go the slow way.
        assertThat(fast).isGreaterThan(1500);
    }

    @Test
    void decimalsAreTheDoublesJavaParses() {
        Random random = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            int digits = 1 + random.nextInt(15);
            long mantissa = (long) (random.nextDouble() * Math.pow(10, digits));
            String s = Long.toString(mantissa);
            int point = random.nextInt(s.length() + 1);
            String number = (random.nextBoolean() ? "-" : "")
                    + (point == 0 ? "0" : s.substring(0, point)) + (point == s.length() ? "" : "." + s.substring(point));
            boolean taken = agrees(WIDE, "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[" + number + ",0,0]}");
            if (number.replaceAll("[^0-9]", "").length() <= 15) {
                assertThat(taken).as("%s takes the fast path", number).isTrue();
            }
        }
    }

    @Test
    void integersAroundTheSmallIntegerPathsLimitAreTheDoublesJavaParses() {
        for (String number : List.of("0", "7", "255", "99999999", "123456789", "999999999", "1000000000",
                "12345678901", "999999999999999", "-123456789", "123456789.5", "0.0")) {
            assertThat(agrees(WIDE, "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[" + number + ",1," + number
                    + "]}")).as("%s takes the fast path", number).isTrue();
        }
    }

    @Test
    void leavesEveryOddSpellingToTheFullParser() {
        List<String> odd = List.of(
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[1e2,0,0]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[01,0,0]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[1.,0,0]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[.5,0,0]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[+1,0,0]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0.1234567890123456,0,0]}",
                "{\"id\":\"x\",\"ts\":1.0,\"label\":0,\"features\":[0,0,0]}",
                "{\"id\":\"x\\u0041\",\"ts\":1,\"label\":0,\"features\":[0,0,0]}",
                "{\"id\":\"\u00e9\",\"ts\":1,\"label\":0,\"features\":[0,0,0]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0,0],\"extra\":1}",
                "{\"id\":\"x\",\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0,0]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":3,\"features\":[0,0,0]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":\"z\",\"features\":[0,0,0]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0,2000]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0,0,0]}",
                "{\"id\":\"\",\"ts\":1,\"label\":0,\"features\":[0,0,0]}",
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0,0]} x",
                "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0,0]",
                "[1]");
        for (String json : odd) {
            assertThat(agrees(TINY, json)).as(json).isFalse();
        }
        assertThat(agrees(TINY, "k", "{\"id\":\"x\",\"ts\":1,\"label\":0,\"features\":[0,0,0]}"
                .getBytes(StandardCharsets.UTF_8))).as("key differs from id").isFalse();
    }

    @Test
    void takesWhitespaceFieldOrderNegativeZeroAndNamedLabels() {
        assertThat(agrees(TINY, " {\n\t\"features\" : [ -0 , -0.0 ,0.5 ] , \"label\":\"c\", \"ts\":-0,\"id\":\"x\" }\r\n"))
                .isTrue();
    }

    /** Random byte edits of valid records: wherever the scanner still accepts, Jackson must agree. */
    @Test
    void agreesOnRandomlyMutatedRecords() {
        Random random = new Random(3);
        byte[] alphabet = "\"{}[],:-.0123456789eE \\abclx\u007f".getBytes(StandardCharsets.US_ASCII);
        List<String> seeds = new ArrayList<>(List.of(
                "{\"id\":\"r1\",\"ts\":1700000000000,\"label\":2,\"features\":[0,0.5,1]}",
                "{\"features\":[10,-20.25,300],\"label\":\"b\",\"ts\":5,\"id\":\"r2\"}",
                "{ \"id\" : \"r3\" , \"ts\" : 0 , \"label\" : 0 , \"features\" : [ 1 , 2 , 3 ] }"));
        int accepted = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] seed = seeds.get(random.nextInt(seeds.size())).getBytes(StandardCharsets.US_ASCII);
            byte[] mutated = mutate(seed, random, alphabet);
            accepted += agrees(TINY, null, mutated) ? 1 : 0;
        }
        // Many edits keep a record valid (a digit for a digit, a space added), so both paths are exercised.
        assertThat(accepted).isGreaterThan(2_000);
    }

    private static byte[] mutate(byte[] seed, Random random, byte[] alphabet) {
        byte[] out = seed.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(out.length);
            byte b = random.nextInt(10) == 0 ? (byte) (0x80 + random.nextInt(0x80)) : alphabet[random.nextInt(
                    alphabet.length)];
            switch (random.nextInt(3)) {
                case 0 -> out[at] = b;
                case 1 -> {
                    byte[] longer = new byte[out.length + 1];
                    System.arraycopy(out, 0, longer, 0, at);
                    longer[at] = b;
                    System.arraycopy(out, at, longer, at + 1, out.length - at);
                    out = longer;
                }
                default -> {
                    byte[] shorter = new byte[out.length - 1];
                    System.arraycopy(out, 0, shorter, 0, at);
                    System.arraycopy(out, at + 1, shorter, at, out.length - at - 1);
                    out = shorter;
                }
            }
        }
        return out;
    }
}
